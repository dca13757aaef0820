// One room's message list: message lines kept in seq order and never shown twice, system lines
// (joined, left, renamed, gap markers, errors), pending lines (our own sends not stored yet) and the
// "load earlier messages" button.

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
    /** Idempotency keys of the message lines shown (any epoch): a pending send with one is stored. */
    this.keys = new Set();
    /** key -> { line, seq, epoch } of our sends not shown yet; seq and epoch once the server acked it. */
    this.pending = new Map();
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

  /**
   * Adds a `message` frame in seq order; false (and nothing shown) when that seq is already here.
   * A pending line with the message's key goes: the message now shows in its seq place instead.
   */
  addMessage(m, { mine = false } = {}) {
    const seq = Number(m.seq);
    if (m.key != null) this.removePending(m.key); // also when the seq is here already: never both
    if (!Number.isFinite(seq) || this.seqs.has(seq)) return false;
    this.seqs.add(seq);
    if (m.key != null) this.keys.add(m.key);
    const line = el('li', {
      class: 'line message' + (mine ? ' mine' : ''),
      dataset: { seq, from: m.from, epoch: this.epoch, key: m.key },
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

  /** True when a message line with this idempotency key is shown. */
  shows(key) {
    return this.keys.has(key);
  }

  /**
   * Shows our send at once, at the bottom, as a muted "sending…" line until its message arrives
   * (addMessage) or the page gives up (removePending). It has no seq and no epoch, so nothing that
   * looks up or counts seqs (`has`, `firstSeq`, gap markers, seq ordering) ever sees it. Nothing is
   * shown when the message is here already (the same key sent again after giving up).
   */
  addPending(key, from, text) {
    if (this.shows(key) || this.pending.has(key)) return;
    const line = el('li', { class: 'line message mine pending', dataset: { key, from } },
      el('span', { class: 'time' }),
      el('span', { class: 'from', style: { '--hue': nickHue(from) } }, from),
      el('span', { class: 'text' }, text),
      el('span', { class: 'sending', title: 'not stored by the server yet' }, 'sending…'));
    this.pending.set(key, { line, seq: null, epoch: null });
    this.list.append(line); // after the other pending lines: in the order sent
    this._trim();
    this.scrollToBottom(); // the user just sent it: show it even when scrolled up
  }

  isPending(key) {
    return this.pending.has(key);
  }

  removePending(key) {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    p.line.remove();
  }

  /**
   * The server acked a pending send with `seq` (of the current epoch): the line stays until the
   * message arrives, and storedPending lets the page tell when it no longer can.
   */
  pendingStored(key, seq) {
    const p = this.pending.get(key);
    if (p) Object.assign(p, { seq, epoch: this.epoch });
  }

  /** The acked pending sends: [{ key, seq, epoch }]. */
  storedPending() {
    return [...this.pending].filter(([, p]) => p.seq != null).map(([key, p]) => ({ key, seq: p.seq, epoch: p.epoch }));
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
    this._beforePending(anchor);
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
    this._beforePending(line);
    this._trim();
    if (stick) this.scrollToBottom();
  }

  /** Appends `node` to the list, but above the pending lines: they stay at the bottom. */
  _beforePending(node) {
    const first = this.pending.values().next().value;
    if (first) first.line.before(node);
    else this.list.append(node);
  }

  _insertBySeq(line, seq) {
    const lines = this.list.querySelectorAll(`.line.message[data-epoch="${this.epoch}"]`);
    for (const other of lines) {
      if (Number(other.dataset.seq) > seq) {
        other.before(line);
        return;
      }
    }
    this._beforePending(line);
  }

  _trim() {
    while (this.list.children.length > MAX_LINES) {
      const first = this.list.firstElementChild;
      if (first.classList.contains('pending')) break; // only pending lines left: they go when settled
      if (first.dataset.seq && Number(first.dataset.epoch) === this.epoch) this.seqs.delete(Number(first.dataset.seq));
      if (first.dataset.key != null) this.keys.delete(first.dataset.key);
      first.remove();
    }
  }

  scrollToBottom() {
    this.element.scrollTop = this.element.scrollHeight;
  }
}
