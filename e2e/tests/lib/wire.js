// Playwright routes on a page's WebSocket that change what goes over the wire between the page and a
// real server, so that the page's own code runs unchanged: answers lost or replaced, `message` frames
// lost, the connection dropped when an answer comes, and the page's network down for a while.

import { openPage, start } from './browser.js';

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

export function parse(text) {
  try {
    return typeof text === 'string' ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function unavailable(id) {
  return JSON.stringify({
    type: 'error', id, code: 'unavailable', message: 'the chat did not answer in time; try again',
  });
}

/** Waits (in the test, not the page) until `cond()` holds. */
export async function until(cond, what, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Routes the page's WebSocket. `plan(n)` says what happens to the page's n-th send of `text` (0 is
 * the first; `text` may also be a predicate on the text): 'pass' (to the server, its answer to the
 * page), 'hold' (kept until `wire.release()`, then as 'pass'), 'reject' (answered `unavailable`,
 * never reaches the server), 'lose-answer' (reaches the server, which stores and broadcasts it, but
 * its ack is replaced with `unavailable`), 'drop' (reaches the server; when its ack comes, the
 * connection is closed instead, so the page reconnects) or 'answer-then-drop' (the ack reaches the
 * page, and the connection is closed right after it).
 *
 * Options: the first `loseMessages` `message` frames with such a text never reach the page; or, with
 * `loseOwnBroadcast`, the `message` frame of such a send never reaches the page on the connection that
 * sent it (a later connection's replay or history still brings it); `stayDown` takes the page's network down at a
 * planned drop: while `wire.offline` is true, every WebSocket the page opens is closed right after it
 * opened, without reaching the server (the page keeps retrying with its backoff); set it back to
 * false to let the page reconnect.
 *
 * Records the sends' keys, the acks of such sends and of joins that reach the page, the page's
 * `history` requests with `before` (repairs), and the connections made and refused.
 */
export async function routeSends(page, text, plan, { loseMessages = 0, loseOwnBroadcast = false, stayDown = false } = {}) {
  const matches = typeof text === 'function' ? text : (t) => t === text;
  const wire = {
    sends: 0, keys: [], acks: [], joinAcks: [], held: [], lostMessages: 0, historyRequests: [],
    connections: 0, refused: 0, drops: 0, offline: false,
    release() {
      for (const forward of this.held.splice(0)) forward();
    },
  };
  await page.routeWebSocket((url) => url.pathname === '/ws', (ws) => {
    if (wire.offline) {
      // Playwright opens a routed socket that is not connected to the server once this handler has
      // returned; close it after that, so the page sees a connection that opened and died at once.
      wire.refused++;
      setTimeout(() => ws.close(), 50);
      return;
    }
    wire.connections++;
    const server = ws.connectToServer();
    const held = new Map(); // request id -> what happens to its answer
    const joins = new Set(); // ids of this connection's join requests
    const sentKeys = new Set(); // keys of the matching sends made on this connection
    const cut = () => {
      wire.drops++;
      if (stayDown) wire.offline = true;
      ws.close();
      server.close();
    };
    ws.onMessage((m) => {
      const f = parse(m);
      if (f && f.type === 'history' && f.before != null) wire.historyRequests.push(f);
      if (f && f.type === 'join') joins.add(f.id);
      if (f && f.type === 'send' && matches(f.text)) {
        const how = plan(wire.sends++);
        wire.keys.push(f.key);
        sentKeys.add(f.key);
        if (how === 'reject') {
          ws.send(unavailable(f.id));
          return;
        }
        if (how === 'hold') {
          held.set(f.id, 'pass');
          wire.held.push(() => server.send(m));
          return;
        }
        held.set(f.id, how);
      }
      server.send(m);
    });
    server.onMessage((m) => {
      const f = parse(m);
      if (f && f.type === 'message' && matches(f.text)) {
        const lose = loseOwnBroadcast ? sentKeys.has(f.key) : wire.lostMessages < loseMessages;
        if (lose) {
          wire.lostMessages++;
          return;
        }
      }
      if (f && f.type === 'ack' && joins.delete(f.id)) wire.joinAcks.push(f);
      const how = f && (f.type === 'ack' || f.type === 'error') ? held.get(f.id) : undefined;
      if (how) held.delete(f.id);
      if (how === 'lose-answer') {
        ws.send(unavailable(f.id));
        return;
      }
      if (how === 'drop') {
        cut();
        return;
      }
      if ((how === 'pass' || how === 'answer-then-drop') && f.type === 'ack') wire.acks.push(f);
      ws.send(m);
      // A moment later, so that the ack surely reaches the page before the connection dies.
      if (how === 'answer-then-drop') setTimeout(cut, 50);
    });
  });
  return wire;
}

/** Routes the page's WebSocket and counts the `message` frames with `text` that reach it. */
export async function countMessages(page, text) {
  const seen = { messages: 0 };
  await page.routeWebSocket((url) => url.pathname === '/ws', (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => {
      const f = parse(m);
      if (f && f.type === 'message' && f.text === text) seen.messages++;
      ws.send(m);
    });
  });
  return seen;
}

/**
 * Two pages of `server` in `room` (both pushed to `pages`, for screenshots on failure): the sender's,
 * labelled `<sender>-routed`, opened with `query`, whose sends of `text` go by `plan` (routeSends,
 * with `routeOptions`), and the other member's, whose `message` frames of `text` are counted.
 */
export async function routedPair(browser, server, pages, {
  room, text, plan, sender, other, query = '', routeOptions = {},
}) {
  let wire;
  let seen;
  const a = await openPage(browser.context, server.url, {
    query,
    label: `${sender}-routed`,
    prepare: async (p) => { wire = await routeSends(p, text, plan, routeOptions); },
  });
  const b = await openPage(browser.context, server.url, {
    label: other,
    prepare: async (p) => { seen = await countMessages(p, text); },
  });
  pages.push(a, b);
  await start(a, sender, room);
  await start(b, other, room);
  return { a, b, wire, seen };
}
