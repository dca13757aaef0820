// The chat page: nick, room tabs, message lists, members, typing indicator, composer and the
// connection status. All server traffic goes through Connection (connection.js); rendering of one
// room's lines lives in RoomView (room-view.js).

import { Connection, RequestError } from './connection.js';
import { $, el } from './dom.js';
import { cleanRoomName, NICK_RE, ROOM_RE, typingText } from './format.js';
import { RoomView } from './room-view.js';

const HISTORY_ON_JOIN = 50;
/** The protocol's largest `history` answer. */
const HISTORY_MAX = 100;
/** Pause before asking again (for missing messages, or a send) when the server was busy or did not answer. */
const REPAIR_RETRY_MS = 1000;
// A send answered `unavailable`, not answered in time or cut off by a drop may or may not have been
// stored. Every send carries an idempotency key, so the page sends it again by itself: the server
// stores a key once. No new attempt starts this long after the first one; then the text comes back.
const SEND_RETRY_MS = 15000;
/** How long one attempt of a send waits for its answer (a cluster answers `unavailable` after 5 s). */
const SEND_ATTEMPT_MS = 8000;
/** Send errors after which the same frame is sent again: it may not have been stored, or its answer got lost. */
const RESEND_ON = new Set(['unavailable', 'timeout', 'disconnected']);
const TYPING_SEND_EVERY_MS = 2500;
const TYPING_SHOW_MS = 4000;
const GAP_TEXT = 'some messages may be missing';
const STORE_KEY = 'roomcast';

// --- state ----------------------------------------------------------------------------------------

/**
 * room name -> { name, view, members: string[], typing: Map<nick, expiresAt>, joined, loaded, unread,
 * lastTypingSent, seqAtJoin (the room's seq in the last join ack), holes (missing seqs being fetched),
 * sendQueue (settles when the room's last send was stored or given up) }
 */
const rooms = new Map();
let active = null;
let myNick = null;
/** The nick the user chose (re-applied on every reconnect); null keeps the server's guest nick. */
let wantedNick = null;
/** True once the server granted wantedNick: a later nick_taken is our own stale session, so retry. */
let nickHeld = false;
let reclaimTimer = null;
/**
 * The last send the page gave up on, {room, text, key}: when the user sends that text to that room
 * again, it goes with the same key, so it is stored once even if the lost attempt was stored late.
 */
let givenUp = null;

const ui = {
  status: $('#status'),
  statusText: $('#status-text'),
  transportName: $('#transport-name'),
  nickForm: $('#nick-form'),
  nickInput: $('#nick-input'),
  tabs: $('#tabs'),
  joinForm: $('#join-form'),
  roomInput: $('#room-input'),
  roomsBox: $('#rooms'),
  empty: $('#empty'),
  startForm: $('#start-form'),
  startNick: $('#start-nick'),
  startRoom: $('#start-room'),
  typing: $('#typing'),
  composer: $('#composer'),
  messageInput: $('#message-input'),
  sendButton: $('#send-button'),
  members: $('#members'),
  memberCount: $('#member-count'),
  membersTitle: $('#members-title'),
  notice: $('#notice'),
};

const conn = new Connection({
  wsPath: document.body.dataset.wsPath || '/ws',
  sockjsPath: document.body.dataset.sockjsPath || '/sockjs',
  setup: setupSession,
});

// A read-only view for tests and for the curious: window.roomcast.state etc.
Object.defineProperty(window, 'roomcast', {
  value: Object.freeze({
    get state() { return conn.state; },
    get transport() { return conn.transport; },
    get nick() { return myNick; },
    get rooms() { return [...rooms.keys()]; },
    get active() { return active; },
  }),
});

// --- persistence (per tab, so two tabs can be two users; survives a reload) ------------------------

function save() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ nick: wantedNick, rooms: [...rooms.keys()], active }));
  } catch { /* storage disabled: nothing is remembered */ }
}

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY)) || {};
  } catch {
    return {};
  }
}

// --- session setup: runs on every (re)connect before the status says "connected" ------------------

async function setupSession(welcome) {
  setMyNick(welcome.nick);
  if (wantedNick && wantedNick !== welcome.nick) {
    await applyNick(wantedNick, { quiet: true, retries: nickHeld ? 3 : 0 });
  }
  // A few joins at a time: the server rate-limits frames per connection (burst 40 by default).
  await eachLimited([...rooms.values()], 4, joinRoom);
}

async function eachLimited(items, limit, fn) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length) await fn(queue.shift());
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** conn.request, sent again after a pause when the server answers rate_limited. */
async function ask(frame) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await conn.request(frame);
    } catch (e) {
      if (e.code !== 'rate_limited' || attempt >= 5) throw e;
      await sleep(250 * 2 ** attempt);
    }
  }
}

async function applyNick(nick, { quiet = false, retries = 0 } = {}) {
  clearTimeout(reclaimTimer);
  for (let i = 0; ; i++) {
    try {
      const ack = await ask({ type: 'nick', nick });
      setMyNick(ack.nick || nick);
      wantedNick = ack.nick || nick;
      nickHeld = true;
      save();
      return true;
    } catch (e) {
      if (e.code === 'nick_taken' && i < retries) {
        // After a reload or a drop, the server may not have closed our previous session yet.
        await sleep(400 * (i + 1));
        continue;
      }
      if (e.code === 'nick_taken' && nickHeld && nick === wantedNick) {
        notice(`The nick ${nick} is still held by your previous connection; trying again shortly.`);
        reclaimTimer = setTimeout(() => conn.state === 'connected' && applyNick(nick, { retries: 0 }), 5000);
      } else if (e.code !== 'disconnected') {
        if (!quiet || e.code !== 'nick_taken') notice(describe(e));
        else notice(`The nick ${nick} is taken; you are ${myNick}.`);
        if (nick === wantedNick && !nickHeld) wantedNick = null;
      }
      return false;
    }
  }
}

/**
 * Joins a room. The first time: loads the last messages with `history`, then joins with `since` =
 * the last seq it got, so nothing falls between the two. After a reconnect: joins with `since` =
 * the last seq seen; the server replays what was missed before the ack, and `recovered: false`
 * puts a gap marker where the replay starts.
 */
async function joinRoom(r) {
  const view = r.view;
  let anchor = null;
  r.joined = false;
  renderTabs();
  try {
    if (!r.loaded) {
      const h = await ask({ type: 'history', room: r.name, limit: HISTORY_ON_JOIN });
      for (const m of h.messages || []) view.addMessage(m, { mine: m.from === myNick });
      view.setOlderAvailable((h.messages || []).length >= HISTORY_ON_JOIN);
      const ack = await ask({ type: 'join', room: r.name, since: view.lastSeq });
      r.loaded = true;
      joined(r, ack);
      return;
    }
    const since = view.lastSeq;
    anchor = view.placeAnchor();
    const epoch = view.serverEpoch;
    const ack = await ask({ type: 'join', room: r.name, since, ...(epoch ? { epoch } : {}) });
    if (epoch && ack.epoch && ack.epoch !== epoch) {
      // The server forgot the room (restart, idle eviction) and created it again: its seqs
      // restarted, nothing was replayed; mark the gap and load the new incarnation's messages.
      view.resolveAnchor(anchor, GAP_TEXT);
      view.resetSeqs(0);
      joined(r, ack); // before awaiting history: joins that arrive meanwhile must not be overwritten
      const h = await ask({ type: 'history', room: r.name, limit: HISTORY_ON_JOIN });
      for (const m of h.messages || []) view.addMessage(m, { mine: m.from === myNick });
      return;
    } else if (ack.recovered === false) {
      if (Number(ack.seq) < since) view.resetSeqs(Number(ack.seq)); // the server's seqs restarted
      view.resolveAnchor(anchor, GAP_TEXT);
    } else {
      view.resolveAnchor(anchor, null);
    }
    joined(r, ack);
  } catch (e) {
    if (anchor) anchor.remove();
    if (e.code === 'disconnected' || e.code === 'timeout') return; // the next reconnect tries again
    notice(`Cannot join ${r.name}: ${describe(e)}`);
    removeRoom(r.name);
  }
}

function joined(r, ack) {
  if (rooms.get(r.name) !== r) {
    // left while the join was on its way
    ask({ type: 'leave', room: r.name }).catch(() => {});
    return;
  }
  r.joined = true;
  r.view.serverEpoch = ack.epoch; // the room incarnation our seqs belong to
  r.seqAtJoin = Number(ack.seq) || 0;
  r.members = [...(ack.members || [])];
  renderTabs();
  if (r.name === active) renderMembers();
  repairHoles(r); // holes whose repair a drop interrupted: `since` does not cover them
  settleStored(r); // the replay came before the ack: what it did not bring, it will not bring
}

// --- gap repair -----------------------------------------------------------------------------------

/**
 * A `message` whose seq jumps past the next one on a live connection means frames were lost on the
 * way (e.g. a load balancer hop that died with a poll answer in flight): the missing ones are fetched
 * with `history before` and inserted in seq order. A gap marker shows only where history no longer
 * had them.
 */
function noticeJump(r, seq, expected) {
  if (!r.joined || seq <= expected) return; // a rejoin's replay is judged by its ack instead
  r.holes.push({ epoch: r.view.epoch, from: expected, to: seq - 1, next: seq - 1, busy: false });
  repairHoles(r);
}

function repairHoles(r) {
  for (const hole of r.holes) {
    if (!hole.busy) repairHole(r, hole);
  }
}

async function repairHole(r, hole) {
  const view = r.view;
  hole.busy = true;
  let failed = false;
  try {
    while (hole.next >= hole.from && view.epoch === hole.epoch) {
      const limit = Math.min(HISTORY_MAX, hole.next - hole.from + 1);
      const h = await ask({ type: 'history', room: r.name, before: hole.next + 1, limit });
      if (rooms.get(r.name) !== r || view.epoch !== hole.epoch) break;
      const got = (h.messages || []).filter((m) => Number(m.seq) >= hole.from && Number(m.seq) <= hole.next);
      let added = 0;
      for (const m of got) {
        if (view.addMessage(m, { mine: m.from === myNick })) added++;
      }
      if (added && r.name !== active) {
        r.unread += added;
        renderTabs();
      }
      if (got.length < limit) break; // history no longer has the older ones
      hole.next = Math.min(...got.map((m) => Number(m.seq))) - 1;
    }
  } catch (e) {
    hole.busy = false;
    if (e.code === 'disconnected') return; // asked again once the room is rejoined
    if (e.code === 'timeout' || e.code === 'unavailable' || e.code === 'rate_limited') {
      setTimeout(() => { if (rooms.get(r.name) === r && r.joined) repairHoles(r); }, REPAIR_RETRY_MS);
      return;
    }
    failed = true;
  }
  r.holes = r.holes.filter((h) => h !== hole);
  if (rooms.get(r.name) !== r) return;
  let missing = failed || view.epoch !== hole.epoch;
  for (let seq = hole.from; !missing && seq <= hole.to; seq++) missing = !view.has(seq);
  if (missing) view.markGap(hole.from, GAP_TEXT, hole.epoch);
  settleStored(r);
}

// --- pending sends --------------------------------------------------------------------------------

/**
 * The server acked our send with `seq`, but its message has not shown yet (it shows through its
 * broadcast, a rejoin's replay or a repair, and then replaces the pending line). The broadcast may
 * trail the ack a little; if it still has not come after a pause, it was lost on the way: fetch up
 * to `seq` like any other jump.
 */
async function awaitStored(r, key, seq) {
  if (!Number.isFinite(seq)) {
    r.view.removePending(key); // no seq to wait for (not the protocol's ack): at least no stale line
    return;
  }
  r.view.pendingStored(key, seq);
  await sleep(REPAIR_RETRY_MS);
  if (rooms.get(r.name) !== r) return;
  settleStored(r); // e.g. the seqs restarted meanwhile: it will not come
  if (r.view.isPending(key)) noticeJump(r, seq + 1, Math.max(r.view.lastSeq, r.seqAtJoin) + 1);
}

/**
 * Acked pending lines whose message can no longer come: the room's seqs restarted since, or the page
 * has got past their seq (replayed, fetched or marked as a gap) without it. They go, so no line says
 * "sending…" for a message that was stored; a gap marker says where messages are missing.
 */
function settleStored(r) {
  const covered = Math.max(r.view.lastSeq, r.seqAtJoin);
  for (const { key, seq, epoch } of r.view.storedPending()) {
    const fetching = r.holes.some((h) => h.epoch === epoch && seq >= h.from && seq <= h.to);
    if (epoch !== r.view.epoch || (seq <= covered && !fetching)) r.view.removePending(key);
  }
}

// --- server frames --------------------------------------------------------------------------------

conn.addEventListener('frame', (e) => {
  const f = e.detail;
  const r = f.room != null ? rooms.get(f.room) : null;
  switch (f.type) {
    case 'message': {
      if (!r) return;
      r.typing.delete(f.from);
      const seq = Number(f.seq);
      const expected = Math.max(r.view.lastSeq, r.seqAtJoin) + 1; // before this message counts
      if (r.view.addMessage(f, { mine: f.from === myNick })) {
        noticeJump(r, seq, expected);
        if (r.name !== active) {
          r.unread++;
          renderTabs();
        }
      }
      if (r.name === active) renderTyping();
      break;
    }
    case 'joined':
      if (!r) return;
      if (!r.members.includes(f.nick)) r.members.push(f.nick);
      r.view.addSystem('joined', `${f.nick} joined`, { ts: f.ts, nick: f.nick });
      if (r.name === active) renderMembers();
      break;
    case 'left':
      if (!r) return;
      r.members = r.members.filter((n) => n !== f.nick);
      r.typing.delete(f.nick);
      r.view.addSystem('left', `${f.nick} left`, { ts: f.ts, nick: f.nick });
      if (r.name === active) { renderMembers(); renderTyping(); }
      break;
    case 'renamed':
      if (!r) return;
      r.members = r.members.map((n) => (n === f.old ? f.nick : n));
      r.typing.delete(f.old);
      r.view.addSystem('renamed', `${f.old} is now known as ${f.nick}`, { nick: f.nick });
      if (r.name === active) renderMembers();
      break;
    case 'typing':
      if (!r || f.nick === myNick) return;
      r.typing.set(f.nick, Date.now() + TYPING_SHOW_MS);
      if (r.name === active) renderTyping();
      break;
    case 'direct': {
      const target = rooms.get(active);
      if (target) target.view.addSystem('direct', `${f.from} → you (direct): ${f.text}`, { ts: f.ts, nick: f.from });
      else notice(`${f.from} → you (direct): ${f.text}`);
      break;
    }
    case 'error':
      notice(describe(new RequestError(f.code, f.message, f)));
      break;
    default:
      break; // unknown frames are ignored (forward compatibility)
  }
});

conn.addEventListener('state', (e) => {
  const { state, transport, retryInMs, reason } = e.detail;
  const labels = { connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', offline: 'offline' };
  ui.status.dataset.state = state;
  document.body.dataset.state = state;
  ui.statusText.textContent = labels[state] || state;
  ui.transportName.textContent = state === 'connected' && transport ? `via ${transport}` : '';
  ui.status.title = state === 'reconnecting' && retryInMs != null
    ? `next attempt in ${(retryInMs / 1000).toFixed(1)} s` : (reason || '');
  document.body.dataset.transport = transport || '';
  if (state !== 'connected') {
    for (const r of rooms.values()) r.joined = false; // rejoined on reconnect
    renderTabs();
  }
  ui.sendButton.disabled = state !== 'connected' || !active;
  if (state === 'connected' && document.activeElement !== ui.nickInput) ui.nickInput.value = myNick || '';
});

// --- rooms and tabs -------------------------------------------------------------------------------

function addRoom(name) {
  if (rooms.has(name)) return rooms.get(name);
  const r = {
    name,
    view: new RoomView(name, { onLoadOlder: loadOlder }),
    members: [],
    typing: new Map(),
    joined: false,
    loaded: false,
    unread: 0,
    lastTypingSent: 0,
    seqAtJoin: 0,
    holes: [],
  };
  rooms.set(name, r);
  ui.roomsBox.append(r.view.element);
  return r;
}

async function openRoom(name) {
  name = cleanRoomName(name);
  if (!ROOM_RE.test(name)) {
    notice('Room names are 1–64 letters, digits, "_", "-" or "."');
    return;
  }
  if (rooms.has(name)) {
    activate(name);
    return;
  }
  const r = addRoom(name);
  activate(name);
  save();
  if (conn.sessionOpen) await joinRoom(r); // else the (re)connect's setup joins it
}

async function leaveRoom(name) {
  const r = rooms.get(name);
  if (!r) return;
  removeRoom(name);
  if (r.joined && conn.sessionOpen) {
    try {
      await ask({ type: 'leave', room: name });
    } catch (e) {
      if (e.code !== 'not_member' && e.code !== 'disconnected') notice(describe(e));
    }
  }
}

function removeRoom(name) {
  const r = rooms.get(name);
  if (!r) return;
  const names = [...rooms.keys()];
  const i = names.indexOf(name);
  rooms.delete(name);
  r.view.element.remove();
  if (active === name) {
    const rest = [...rooms.keys()];
    activate(rest.length ? rest[Math.min(i, rest.length - 1)] : null);
  } else {
    renderTabs();
  }
  save();
}

function activate(name) {
  active = name;
  for (const r of rooms.values()) r.view.element.hidden = r.name !== name;
  const r = name ? rooms.get(name) : null;
  if (r) {
    r.unread = 0;
    r.view.scrollToBottom();
    ui.messageInput.placeholder = `Message #${name}`;
  }
  ui.empty.hidden = !!r;
  ui.roomsBox.hidden = !r;
  ui.typing.hidden = !r;
  ui.composer.hidden = !r;
  ui.sendButton.disabled = conn.state !== 'connected' || !r;
  renderTabs();
  renderMembers();
  renderTyping();
  save();
  if (r) ui.messageInput.focus();
}

async function loadOlder(view) {
  const before = view.firstSeq;
  if (before == null) return;
  try {
    const h = await ask({ type: 'history', room: view.name, before, limit: HISTORY_ON_JOIN });
    view.prependHistory(h.messages || []);
    view.setOlderAvailable((h.messages || []).length >= HISTORY_ON_JOIN);
  } catch (e) {
    notice(describe(e));
  }
}

// --- rendering ------------------------------------------------------------------------------------

function renderTabs() {
  const tabs = [...rooms.values()].map((r) => el('li', {
    class: 'tab' + (r.name === active ? ' active' : '') + (r.joined ? '' : ' pending'),
    dataset: { room: r.name, joined: String(r.joined) },
    role: 'presentation',
  },
  el('button', {
    type: 'button', class: 'tab-name', role: 'tab', 'aria-selected': String(r.name === active),
    onclick: () => activate(r.name),
  }, '#', r.name, r.unread ? el('span', { class: 'badge', title: 'unread messages' }, r.unread > 99 ? '99+' : r.unread) : null),
  el('button', {
    type: 'button', class: 'tab-close', title: `Leave ${r.name}`, 'aria-label': `Leave ${r.name}`,
    onclick: () => leaveRoom(r.name),
  }, '×')));
  ui.tabs.replaceChildren(...tabs);
}

function renderMembers() {
  const r = active ? rooms.get(active) : null;
  const members = r ? [...r.members].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })) : [];
  ui.members.replaceChildren(...members.map((n) => el('li', {
    class: 'member' + (n === myNick ? ' me' : '') + (n === 'echo-bot' ? ' bot' : ''),
    dataset: { nick: n },
  }, n, n === myNick ? el('span', { class: 'you' }, ' (you)') : null)));
  ui.memberCount.textContent = r ? String(members.length) : '';
  ui.membersTitle.textContent = 'Members';
  ui.membersTitle.title = r ? `Members of #${r.name}` : '';
}

function renderTyping() {
  const r = active ? rooms.get(active) : null;
  const now = Date.now();
  const nicks = [];
  if (r) {
    for (const [nick, until] of r.typing) {
      if (until > now) nicks.push(nick);
      else r.typing.delete(nick);
    }
  }
  ui.typing.textContent = typingText(nicks);
  ui.typing.dataset.nicks = nicks.join(',');
}

setInterval(renderTyping, 1000);

function setMyNick(nick) {
  myNick = nick;
  if (document.activeElement !== ui.nickInput) ui.nickInput.value = nick;
  document.body.dataset.nick = nick;
  renderMembers();
}

let noticeTimer = null;
function notice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { ui.notice.hidden = true; }, 6000);
}

function describe(e) {
  const known = {
    nick_taken: 'That nick is taken.',
    invalid_nick: 'Nicks are 1–32 letters, digits, "_", "-" or ".".',
    invalid_room: 'Room names are 1–64 letters, digits, "_", "-" or ".".',
    invalid_text: 'That message is empty or too long.',
    not_member: 'You are not in that room (rejoining…).',
    too_many_rooms: 'You are in too many rooms.',
    no_such_user: 'No user with that nick is online.',
    disconnected: 'Not connected to the server.',
    timeout: 'The server did not answer in time.',
    unavailable: 'The server is switching over to another node; try again in a moment.',
    rate_limited: 'You are sending too fast; wait a moment and try again.',
  };
  return known[e.code] || e.message || String(e);
}

/** The notice for a message whose text came back to the input. */
function notSent(e) {
  if (e.code === 'disconnected') {
    return 'Not sent: no connection to the server. Your message was kept; send it again once connected.';
  }
  if (RESEND_ON.has(e.code)) return 'Not sent: the server did not answer. Your message was kept; send it again.';
  return describe(e);
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// --- user input -----------------------------------------------------------------------------------

async function submitMessage() {
  const text = ui.messageInput.value;
  if (!text.trim() || !active) return;
  if (text.startsWith('/') && await command(text)) {
    ui.messageInput.value = '';
    return;
  }
  if (conn.state !== 'connected') {
    notice(notSent({ code: 'disconnected' }));
    return;
  }
  const room = active;
  const r = rooms.get(room);
  const again = givenUp && givenUp.room === room && givenUp.text === text;
  const frame = { type: 'send', room, text, key: again ? givenUp.key : newKey() };
  givenUp = null;
  ui.messageInput.value = '';
  r.view.addPending(frame.key, myNick, text); // the input is empty: show the user it is on its way
  // A room's sends go one after the other, each once the one before was stored or given up: a message
  // typed while an earlier one is being sent again is still stored after it, in the order typed.
  const nick = myNick;
  r.sendQueue = (r.sendQueue || Promise.resolve()).then(() => sendInTurn(r, frame, nick));
  await r.sendQueue;
}

/** Sends `frame` until it is stored, or gives its text back to the input; never rejects. */
async function sendInTurn(r, frame, nick) {
  if (rooms.get(r.name) !== r) return; // the user left the room: the message goes with it
  try {
    const ack = await sendOnce(r, frame, nick);
    r.lastTypingSent = 0;
    if (r.view.isPending(frame.key)) awaitStored(r, frame.key, Number(ack.seq));
  } catch (e) {
    r.view.removePending(frame.key); // the text comes back to the input instead
    if (rooms.get(r.name) !== r) return;
    givenUp = { room: r.name, text: frame.text, key: frame.key };
    if (!ui.messageInput.value) ui.messageInput.value = frame.text; // keep what could not be sent
    notice(notSent(e));
    if (e.code === 'not_member') joinRoom(r);
  }
}

/**
 * Sends `frame` (with its key) until it is acknowledged, a `duplicate` ack included (the message
 * shows through its broadcast or history). After `unavailable` or `timeout` it is sent again after a
 * short pause, after `disconnected` once the room is joined again. Rejects with the last error when
 * SEND_RETRY_MS ran out or the room was left, at once with an error that sending again cannot fix.
 */
async function sendOnce(r, frame, nick) {
  const deadline = Date.now() + SEND_RETRY_MS;
  for (;;) {
    try {
      return await conn.request(frame, { timeoutMs: SEND_ATTEMPT_MS });
    } catch (e) {
      if (!RESEND_ON.has(e.code)) throw e;
      // After a drop, readyToResend waits for the rejoin; the short pause covers a socket that is
      // still closing (the request failed, but the drop is not known yet).
      await sleep(e.code === 'disconnected' ? 100 : REPAIR_RETRY_MS);
      if (!(await readyToResend(r, nick, deadline))) throw e;
    }
  }
}

/**
 * Waits until `r` is joined on a live session under `nick` (true), or until `deadline` passed or `r`
 * was left (false). The server remembers keys per sender: sent under another nick (our previous
 * session still held ours after a drop), the message would be stored a second time.
 */
async function readyToResend(r, nick, deadline) {
  for (;;) {
    if (rooms.get(r.name) !== r || Date.now() >= deadline) return false;
    if (conn.sessionOpen && r.joined && sameNick(myNick, nick)) return true;
    await sleep(100);
  }
}

const sameNick = (a, b) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * A fresh idempotency key: 128 random bits in hex. Not crypto.randomUUID: it is missing outside
 * secure contexts, e.g. on plain http to a LAN address.
 */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Slash commands: /join room, /leave, /nick name, /msg nick text. True when handled. */
async function command(line) {
  const [, cmd, rest = ''] = line.match(/^\/(\w+)\s*(.*)$/s) || [];
  switch ((cmd || '').toLowerCase()) {
    case 'join': await openRoom(rest); return true;
    case 'leave': case 'part': await leaveRoom(rest.trim() || active); return true;
    case 'nick': await chooseNick(rest.trim()); return true;
    case 'msg': {
      const m = rest.match(/^(\S+)\s+(.+)$/s);
      if (!m) { notice('usage: /msg nick text'); return true; }
      try {
        await conn.request({ type: 'direct', to: m[1], text: m[2] });
        rooms.get(active)?.view.addSystem('direct', `you → ${m[1]} (direct): ${m[2]}`, { nick: m[1] });
      } catch (e) {
        notice(describe(e));
      }
      return true;
    }
    default:
      return false; // not a command: send as text
  }
}

async function chooseNick(nick) {
  nick = nick.trim();
  if (!NICK_RE.test(nick)) {
    notice(describe({ code: 'invalid_nick' }));
    return false;
  }
  if (nick === myNick) return true;
  const previous = { wantedNick, nickHeld };
  wantedNick = nick;
  nickHeld = false;
  if (conn.state !== 'connected') {
    save();
    return true; // applied on connect
  }
  const ok = await applyNick(nick);
  if (!ok) ({ wantedNick, nickHeld } = previous);
  if (!ok && document.activeElement !== ui.nickInput) ui.nickInput.value = myNick;
  return ok;
}

function sendTyping() {
  const r = active ? rooms.get(active) : null;
  if (!r || !r.joined || !ui.messageInput.value.trim() || ui.messageInput.value.startsWith('/')) return;
  const now = Date.now();
  if (now - r.lastTypingSent < TYPING_SEND_EVERY_MS) return;
  if (conn.notify({ type: 'typing', room: r.name })) r.lastTypingSent = now;
}

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  submitMessage();
});
ui.messageInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submitMessage();
  }
});
ui.messageInput.addEventListener('input', sendTyping);

ui.nickForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (await chooseNick(ui.nickInput.value)) ui.nickInput.blur();
});
ui.nickInput.addEventListener('blur', () => { setTimeout(() => { if (document.activeElement !== ui.nickInput) ui.nickInput.value = myNick || ''; }, 0); });

ui.joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = ui.roomInput.value;
  ui.roomInput.value = '';
  openRoom(name);
});

ui.startForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const nick = ui.startNick.value.trim();
  if (nick && nick !== myNick && !(await chooseNick(nick))) return;
  openRoom(ui.startRoom.value || 'lobby');
});
for (const b of document.querySelectorAll('[data-quick-room]')) {
  b.addEventListener('click', () => { ui.startRoom.value = b.dataset.quickRoom; });
}

// --- start ----------------------------------------------------------------------------------------

const saved = load();
if (saved.nick && NICK_RE.test(saved.nick)) {
  wantedNick = saved.nick;
  nickHeld = true; // ours before the reload: our old session may still hold it for a moment
  ui.startNick.value = saved.nick;
}
for (const name of Array.isArray(saved.rooms) ? saved.rooms : []) {
  if (ROOM_RE.test(name)) addRoom(name);
}
activate(saved.active && rooms.has(saved.active) ? saved.active : (rooms.keys().next().value ?? null));
conn.start();
if (!rooms.size) ui.startNick.focus();
