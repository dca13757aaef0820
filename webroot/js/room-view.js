// One room's message list: message lines kept in seq order and never shown twice, system lines
// (joined, left, renamed, gap markers, errors) and the "load earlier messages" button.

import { el } from './dom.js';
import { fullTime, nickHue, shortTime } from './format.js';

const MAX_LINES = 2000;

export class RoomView {
  /** `onLoadOlder(view)` is called when the user asks for earlier messages. */
  constructor(name, { onLoadOlder } = {}) {
    this.name = name;
    this.lastSeq = 0; // the highest seq seen in this room (since the last history reset)
    this.epoch = 0; // bumps when the server's seqs restart (the room's history was lost)
    this.seqs = new Set();
    this.olderButton = el('button', { type: 'button', class: 'load-older', hidden: true, onclick: () => onLoadOlder && onLoadOlder(this) },
      'Load earlier messages');
    this.list = el('ol', { class: 'messages', dataset: { room: name }, 'aria-live': 'polite' });
    this.element = el('section', { class: 'room', dataset: { room: name }, role: 'tabpanel', hidden: true },
      this.olderButton, this.list);
  }

  /** The lowest seq shown in the current epoch, or null. */
  get firstSeq() {
    const first = this.list.querySelector(`.line.message[data-epoch="${this.epoch}"]`);
    return first ? Number(first.dataset.seq) : null;
  }

  /** True when the message with this seq (of the current epoch) is shown. */
  has(seq) {
    return this.seqs.has(Number(seq));
  }

  /** Adds a `message` frame in seq order; false (and nothing shown) when that seq is already here. */
  addMessage(m, { mine = false } = {}) {
    const seq = Number(m.seq);
    if (!Number.isFinite(seq) || this.seqs.has(seq)) return false;
    this.seqs.add(seq);
    const line = el('li', {
      class: 'line message' + (mine ? ' mine' : ''),
      dataset: { seq, from: m.from, epoch: this.epoch },
    },
    el('time', { class: 'time', datetime: new Date(m.ts).toISOString(), title: fullTime(m.ts) }, shortTime(m.ts)),
    el('span', { class: 'from', style: { '--hue': nickHue(m.from) } }, m.from),
    el('span', { class: 'text' }, m.text));
    if (seq > this.lastSeq) {
      this.lastSeq = seq;
      this._append(line);
    } else {
      this._insertBySeq(line, seq);
    }
    return true;
  }

  /** Adds older messages (oldest first) at the top. */
  prependHistory(messages) {
    for (const m of [...messages].reverse()) {
      const seq = Number(m.seq);
      if (this.seqs.has(seq)) continue;
      const before = this.list.scrollHeight;
      this.addMessage(m, { mine: false });
      this.element.scrollTop += this.list.scrollHeight - before;
    }
  }

  /** A system line; `kind` is one of joined, left, renamed, gap, info, error, direct. */
  addSystem(kind, text, { ts = Date.now(), nick } = {}) {
    const line = el('li', { class: `line system ${kind}`, dataset: { kind, nick } },
      el('time', { class: 'time', datetime: new Date(ts).toISOString(), title: fullTime(ts) }, shortTime(ts)),
      el('span', { class: 'text' }, text));
    this._append(line);
    return line;
  }

  /** Marks the current end of the list; resolveAnchor puts a gap marker there (or nothing). */
  placeAnchor() {
    const anchor = document.createComment('rejoin');
    this.list.append(anchor);
    return anchor;
  }

  resolveAnchor(anchor, gapText) {
    if (gapText) {
      const line = this._gapLine(gapText);
      if (anchor.parentNode) anchor.replaceWith(line);
      else this._append(line);
    } else {
      anchor.remove();
    }
  }

  /**
   * A gap marker where messages from seq `fromSeq` on are missing: before the first message of that
   * epoch with seq >= fromSeq (at the end when there is none).
   */
  markGap(fromSeq, gapText, epoch = this.epoch) {
    const line = this._gapLine(gapText);
    for (const other of this.list.querySelectorAll(`.line.message[data-epoch="${epoch}"]`)) {
      if (Number(other.dataset.seq) >= fromSeq) {
        other.before(line);
        return line;
      }
    }
    this._append(line);
    return line;
  }

  _gapLine(gapText) {
    const ts = Date.now();
    return el('li', { class: 'line system gap', dataset: { kind: 'gap' } },
      el('time', { class: 'time', datetime: new Date(ts).toISOString(), title: fullTime(ts) }, shortTime(ts)),
      el('span', { class: 'text' }, gapText));
  }

  /** The server's seqs for this room restarted (its history is gone): start a new epoch. */
  resetSeqs(lastSeq) {
    this.epoch++;
    this.seqs.clear();
    this.lastSeq = lastSeq;
  }

  setOlderAvailable(available) {
    this.olderButton.hidden = !available;
  }

  _nearBottom() {
    const e = this.element;
    return e.scrollHeight - e.scrollTop - e.clientHeight < 80;
  }

  _append(line) {
    const stick = this._nearBottom() || this.element.hidden;
    this.list.append(line);
    this._trim();
    if (stick) this.scrollToBottom();
  }

  _insertBySeq(line, seq) {
    const lines = this.list.querySelectorAll(`.line.message[data-epoch="${this.epoch}"]`);
    for (const other of lines) {
      if (Number(other.dataset.seq) > seq) {
        other.before(line);
        return;
      }
    }
    this.list.append(line);
  }

  _trim() {
    while (this.list.children.length > MAX_LINES) {
      const first = this.list.firstElementChild;
      if (first.dataset.seq && Number(first.dataset.epoch) === this.epoch) this.seqs.delete(Number(first.dataset.seq));
      first.remove();
    }
  }

  scrollToBottom() {
    this.element.scrollTop = this.element.scrollHeight;
  }
}
