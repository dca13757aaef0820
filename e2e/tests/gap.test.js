// Frames lost on a live connection (as when a load balancer hop dies with a SockJS poll answer in
// flight): the next message's seq jumps, the page fetches the missing ones with `history before` and
// shows them once, in seq order, without a gap marker; where history no longer has them, it marks the gap.
// The loss is made on the wire between the page and the server (Playwright routes), so the page's own
// code runs unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, launchBrowser, messages, openPage, send, start, waitMessage, withShots,
} from './lib/browser.js';
import { RoomcastServer } from './lib/server.js';

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/** A `message` frame of `room` whose text `drop(text)` picks, or null. */
function pickMessage(text, room, drop) {
  try {
    const f = JSON.parse(text);
    return f && f.type === 'message' && f.room === room && drop(f.text) ? f : null;
  } catch {
    return null;
  }
}

/**
 * Routes the page's WebSocket through Playwright: server frames that are `message`s of `room` chosen
 * by `drop(text)` never reach the page. Records the page's `history` requests with `before`.
 */
async function losingWebSocket(page, room, drop) {
  const wire = { dropped: [], historyRequests: [] };
  await page.routeWebSocket((url) => url.pathname === '/ws', (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      try {
        const f = JSON.parse(m);
        if (f.type === 'history' && f.before != null) wire.historyRequests.push(f); // not the join's
      } catch { /* not ours to judge */ }
      server.send(m);
    });
    server.onMessage((m) => {
      const f = typeof m === 'string' ? pickMessage(m, room, drop) : null;
      if (f) wire.dropped.push(f.seq);
      else ws.send(m);
    });
  });
  return wire;
}

/**
 * Routes the page's SockJS xhr-polling: a poll answer (`a[...]`) that carries a `message` of `room`
 * chosen by `drop(text)` is replaced by a heartbeat (`h`), so the whole batch is lost while the
 * session lives on: what happens when the node that forwarded the poll dies. Records the page's
 * `history` requests with `before` (sent with xhr_send).
 */
async function losingPolls(page, room, drop) {
  const wire = { dropped: [], historyRequests: [] };
  await page.route((url) => /^\/sockjs\/[^/]+\/[^/]+\/xhr(_send)?$/.test(url.pathname), async (route) => {
    const request = route.request();
    if (request.url().includes('/xhr_send')) {
      try {
        for (const text of JSON.parse(request.postData() || '[]')) {
          const f = JSON.parse(text);
          if (f.type === 'history' && f.before != null) wire.historyRequests.push(f); // not the join's
        }
      } catch { /* not ours to judge */ }
      await route.continue();
      return;
    }
    let response;
    try {
      response = await route.fetch({ timeout: 0 });
    } catch {
      await route.abort().catch(() => {});
      return;
    }
    let body = await response.text();
    if (body.startsWith('a[')) {
      const frames = JSON.parse(body.slice(1));
      const lost = frames.map((t) => pickMessage(t, room, drop)).filter(Boolean);
      if (lost.length) {
        wire.dropped.push(...frames.map((t) => pickMessage(t, room, () => true)).filter(Boolean).map((f) => f.seq));
        body = 'h\n';
      }
    }
    await route.fulfill({ response, body }).catch(() => {});
  });
  return wire;
}

async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** The room's lines as the user sees them: seqs, 'GAP' for gap markers, system kinds. */
function lines(page, room) {
  return page.$$eval(`.messages[data-room="${room}"] .line`, (lis) => lis.map((li) => (
    li.classList.contains('gap') ? 'GAP' : li.classList.contains('message') ? li.dataset.seq : li.dataset.kind)));
}

describe('frames lost on a live connection', { timeout: 90000 }, () => {
  let server;
  let browser;

  before(async () => {
    // A short history, so that a loss can outlast it.
    server = await new RoomcastServer({ name: 'gap-server', env: { ROOMCAST_ROOMS_HISTORY_SIZE: '5' } }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** `receiver` lost the frame of message 2; message 3 shows the jump; history brings 2 back. */
  async function repairsOneLostMessage(pages, room, receiver, wire, sender) {
    await start(receiver, 'rita', room);
    await start(sender, 'sam', room);
    await send(sender, room, 'before the loss');
    await waitMessage(receiver, room, (m) => m.text === 'before the loss');

    await send(sender, room, 'lost on the way');
    await until('the frame of "lost on the way" was dropped', () => wire.dropped.length > 0);
    assert.equal(wire.historyRequests.length, 0, 'no repair before the jump is seen');
    await send(sender, room, 'after the loss');
    await waitMessage(receiver, room, (m) => m.text === 'after the loss');
    await waitMessage(receiver, room, (m) => m.text === 'lost on the way');

    assert.deepEqual(wire.dropped, [2], 'exactly the frame of seq 2 was lost on the way');
    assert.deepEqual(wire.historyRequests.map(({ room: r, before: b, limit }) => ({ room: r, before: b, limit })),
      [{ room, before: 3, limit: 1 }], 'one history request for the missing seq');
    const seen = await messages(receiver, room);
    assert.deepEqual(seen.map((m) => [m.seq, m.text]),
      [[1, 'before the loss'], [2, 'lost on the way'], [3, 'after the loss']], 'each message once, in seq order');
    assert.deepEqual((await lines(receiver, room)).filter((l) => l !== 'joined'), ['1', '2', '3'], 'no gap marker');
    assert.deepEqual(seen.map((m) => [m.seq, m.text]), (await messages(sender, room)).map((m) => [m.seq, m.text]),
      'the same messages as the page that lost nothing');

    // the repaired page goes on chatting normally
    await send(receiver, room, 'all there');
    await waitMessage(sender, room, (m) => m.from === 'rita' && m.text === 'all there');
    assert.deepEqual((await messages(receiver, room)).map((m) => m.seq), [1, 2, 3, 4]);
    assertNoPageErrors(receiver, sender);
  }

  test('WebSocket: a lost message frame is fetched with history and shown once, in order, without a gap marker',
    withShots('gap-repair-websocket', async (pages) => {
      const room = 'lossy-ws';
      let wire;
      const rita = await openPage(browser.context, server.url, {
        label: 'rita-losing-frames',
        prepare: async (p) => { wire = await losingWebSocket(p, room, (t) => t === 'lost on the way'); },
      });
      pages.push(rita);
      const sam = await openPage(browser.context, server.url, { label: 'sam' });
      pages.push(sam);
      await repairsOneLostMessage(pages, room, rita, wire, sam);
      assert.equal(await rita.evaluate(() => window.roomcast.transport), 'websocket');
    }));

  test('SockJS xhr-polling: a lost poll answer is fetched with history and shown once, in order, without a gap marker',
    withShots('gap-repair-xhr-polling', async (pages) => {
      const room = 'lossy-polls';
      let wire;
      const rita = await openPage(browser.context, server.url, {
        query: '?transport=xhr-polling',
        label: 'rita-losing-a-poll',
        prepare: async (p) => { wire = await losingPolls(p, room, (t) => t === 'lost on the way'); },
      });
      pages.push(rita);
      const sam = await openPage(browser.context, server.url, { label: 'sam' });
      pages.push(sam);
      await repairsOneLostMessage(pages, room, rita, wire, sam);
      assert.equal(await rita.evaluate(() => window.roomcast.transport), 'sockjs:xhr-polling');
    }));

  test('frames lost for longer than the history: what history still has, and a gap marker before it',
    withShots('gap-repair-too-late', async (pages) => {
      const room = 'lossy-long';
      let wire;
      const tess = await openPage(browser.context, server.url, {
        label: 'tess-losing-frames',
        prepare: async (p) => { wire = await losingWebSocket(p, room, (t) => t.startsWith('lost ')); },
      });
      pages.push(tess);
      const uli = await openPage(browser.context, server.url, { label: 'uli' });
      pages.push(uli);
      await start(tess, 'tess', room);
      await start(uli, 'uli', room);
      await send(uli, room, 'seen');
      await waitMessage(tess, room, (m) => m.text === 'seen');
      for (let i = 1; i <= 7; i++) await send(uli, room, `lost ${i}`); // seqs 2..8
      await until('7 frames were dropped', () => wire.dropped.length === 7);
      await send(uli, room, 'after'); // seq 9; history keeps 5..9
      await waitMessage(tess, room, (m) => m.text === 'after');
      await waitMessage(tess, room, (m) => m.text === 'lost 4'); // seq 5, the oldest history still has
      await tess.waitForSelector(`.messages[data-room="${room}"] .line.gap`, { state: 'attached' });

      assert.deepEqual(wire.historyRequests.map(({ before: b, limit }) => ({ before: b, limit })), [{ before: 9, limit: 7 }]);
      assert.deepEqual((await lines(tess, room)).filter((l) => l !== 'joined'), ['1', 'GAP', '5', '6', '7', '8', '9']);
      assert.equal(await tess.textContent(`.messages[data-room="${room}"] .line.gap .text`), 'some messages may be missing');
      assertNoPageErrors(tess, uli);
    }));
});
