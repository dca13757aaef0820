// A send answered `unavailable` (a clustered server whose chat node died meanwhile), or cut off by a
// dropped connection, may or may not have been stored. Every send carries an idempotency key, so the
// page sends the same frame again by itself and the server stores it once; only when that does not
// work for SEND_RETRY_MS (app.js) does the page give the text back. Meanwhile the sender sees the
// message as a pending "sending…" line at the bottom of the room, which turns into the message once
// it is stored and goes away when the text comes back. The answers are changed on the wire between
// the page and a real server (Playwright routes), so the page's own code runs unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, gapMarkers, launchBrowser, messageInput as input, messages, pendingLines,
  pendingTexts, send, shownNotice, typeAndSend, waitMessage, waitUntil, withShots,
} from './lib/browser.js';
import { RoomcastServer } from './lib/server.js';
import { routedPair, sleep, until } from './lib/wire.js';

/** SEND_RETRY_MS in app.js: no new attempt after this, then the text comes back. */
const RETRY_MS = 15000;

/** Two pages in `room`: the sender's sends of `text` routed by `plan`, the other one's messages counted. */
function twoPages(pages, { loseMessages, ...rest }) {
  return routedPair(browser, server, pages, { ...rest, routeOptions: { loseMessages } });
}

/** The user's view once the page sent `text` again: shown once everywhere, nothing to do for the sender. */
async function assertDeliveredOnce({ a, b, wire, seen }, room, text) {
  await waitMessage(b, room, (m, t) => m.text === t, text);
  await waitMessage(a, room, (m, t) => m.text === t, text);
  await until(() => wire.acks.length === 1, 'the page to send it again by itself and get an answer');
  await sleep(500); // room for a second broadcast, if the server stored it twice
  assert.equal(wire.sends, 2, 'the page sent it again by itself, once');
  assert.equal(wire.keys[1], wire.keys[0], 'the resend carries the first send\'s key');
  for (const p of [a, b]) {
    const shown = (await messages(p, room)).filter((m) => m.text === text);
    assert.equal(shown.length, 1, `${p.label} shows it ${shown.length} times`);
    assert.deepEqual(await pendingTexts(p, room), [], `${p.label} still shows it as sending`);
  }
  assert.equal(seen.messages, 1, `${b.label} got ${seen.messages} message frames for it`);
  assert.equal(await input(a), '', 'the text came back although the message was sent');
  assert.equal(await shownNotice(a), '', 'the page said something went wrong');
  assertNoPageErrors(a, b);
}

let server;
let browser;

describe('a send that is not answered', { timeout: 120000 }, () => {
  before(async () => {
    server = await new RoomcastServer({ name: 'unanswered-server' }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('stored after all (only the answer was lost): the page sends it again, it shows once',
    withShots('unavailable-but-stored', async (pages) => {
      const room = 'stored';
      const text = 'stored, answer lost';
      const two = await twoPages(pages, {
        room, text, sender: 'vic', other: 'wes', plan: (n) => (n === 0 ? 'lose-answer' : 'pass'),
      });
      await typeAndSend(two.a, text);
      await assertDeliveredOnce(two, room, text);
      assert.equal(two.wire.acks[0].duplicate, true, 'the first send was not stored: not the case under test');
    }));

  test('never reached the server: the page sends it again, it shows once',
    withShots('unavailable-not-stored', async (pages) => {
      const room = 'lost';
      const text = 'never stored';
      const two = await twoPages(pages, {
        room, text, sender: 'xia', other: 'yan', plan: (n) => (n === 0 ? 'reject' : 'pass'),
      });
      await typeAndSend(two.a, text);
      // Answered `unavailable` at once: the page waits a second before sending it again. Meanwhile
      // the user sees it on its way, not an empty room.
      assert.deepEqual(await pendingTexts(two.a, room), [[text, 'sending…']], 'shown as sending while it waits');
      await assertDeliveredOnce(two, room, text);
    }));

  test('not answered for the whole retry window: the text comes back with a notice, and sending it again delivers it once',
    withShots('unavailable-gave-up', async (pages) => {
      const room = 'given-up';
      const text = 'nobody answers';
      let blocked = true;
      const { a: zoe, b: abe, wire, seen } = await twoPages(pages, {
        room, text, sender: 'zoe', other: 'abe', plan: () => (blocked ? 'reject' : 'pass'),
      });
      const t0 = Date.now();
      await typeAndSend(zoe, text);
      await waitUntil(zoe, () => document.querySelector('#message-input').value === '');
      await until(() => wire.sends >= 3, 'the page to send it again twice');
      assert.deepEqual(await pendingTexts(zoe, room), [[text, 'sending…']], 'shown as sending while it is sent again');
      assert.deepEqual(await messages(abe, room), [], 'the other page shows a message that is not stored');
      await waitUntil(zoe, (t) => document.querySelector('#message-input').value === t, text, RETRY_MS + 10000);
      assert.deepEqual(await pendingTexts(zoe, room), [], 'the text came back, but it still shows as sending');
      const waited = Date.now() - t0;
      assert.ok(waited >= RETRY_MS - 1000, `gave up after ${waited} ms, before the retry window ended`);
      assert.match(await shownNotice(zoe), /^Not sent: .*send it again/);
      assert.ok(wire.sends > 2, `the page sent it ${wire.sends} time(s) only`);
      assert.equal(new Set(wire.keys).size, 1, 'every attempt carries the same key');
      for (const p of [zoe, abe]) {
        assert.deepEqual(await messages(p, room), [], `${p.label} shows a message that was never stored`);
      }

      // The server answers again; the user sends the kept text: it arrives once.
      blocked = false;
      const attempts = wire.sends;
      await zoe.bringToFront();
      await zoe.press('#message-input', 'Enter');
      await waitMessage(abe, room, (m, t) => m.text === t, text);
      await waitMessage(zoe, room, (m, t) => m.text === t, text);
      await until(() => wire.acks.length === 1, 'the answer to the send');
      await sleep(500);
      assert.equal(wire.sends, attempts + 1);
      assert.equal(wire.keys.at(-1), wire.keys[0], 'the kept text goes with its key: once even if an attempt was stored late');
      for (const p of [zoe, abe]) {
        assert.deepEqual((await messages(p, room)).map((m) => m.text), [text], `${p.label}: not exactly once`);
        assert.deepEqual(await pendingTexts(p, room), [], `${p.label} still shows it as sending`);
      }
      assert.equal(seen.messages, 1);
      assert.equal(await input(zoe), '');
      assertNoPageErrors(zoe, abe);
    }));

  test('a send on its way shows at once as "sending…" at the bottom, the next one waits for it, and both are stored in the order typed',
    withShots('pending-while-held', async (pages) => {
      const room = 'held';
      const texts = ['held one', 'held two'];
      const { a: fay, b: gus, wire } = await twoPages(pages, {
        room, text: (t) => texts.includes(t), sender: 'fay', other: 'gus', plan: (n) => (n === 0 ? 'hold' : 'pass'),
      });
      await send(gus, room, 'before');
      await waitMessage(fay, room, (m) => m.text === 'before');
      for (const text of texts) await typeAndSend(fay, text);
      await until(() => wire.held.length === 1, 'the first send to be held on the wire');
      await waitUntil(fay, (n) => document.querySelectorAll('.line.message.pending').length === n, 2);
      await sleep(300);
      assert.equal(wire.sends, 1, 'the second send left before the first was stored: it could be stored first');

      const pending = await pendingLines(fay, room);
      assert.deepEqual(pending.map((p) => [p.text, p.marker, p.from, p.seq]),
        texts.map((t) => [t, 'sending…', 'fay', null]), 'each send shows as sending, in the order sent');
      assert.equal(pending[0].key, wire.keys[0], 'the first pending line is the send on the wire');
      for (const p of pending) {
        assert.ok(p.visible && p.atBottom, `"${p.text}" is not visible at the bottom`);
        assert.ok(p.opacity < 1, `"${p.text}" is not muted (opacity ${p.opacity})`);
      }
      assert.equal(await input(fay), '', 'the input is free for the next message');
      assert.deepEqual((await messages(fay, room)).map((m) => m.text), ['before'], 'pending lines are not messages');
      assert.deepEqual((await messages(gus, room)).map((m) => m.text), ['before'], 'the other page sees them before they are stored');
      assert.deepEqual(await pendingTexts(gus, room), []);

      // A message stored meanwhile goes above the pending lines: they stay at the bottom.
      await send(gus, room, 'meanwhile');
      await waitMessage(fay, room, (m) => m.text === 'meanwhile');
      const order = await fay.$$eval(`.messages[data-room="${room}"] .line.message`, (lis) => lis.map((li) => (
        li.classList.contains('pending') ? `pending ${li.querySelector('.text').textContent}` : li.dataset.seq)));
      assert.deepEqual(order, ['1', '2', 'pending held one', 'pending held two']);

      wire.release();
      for (const text of texts) await waitMessage(fay, room, (m, t) => m.text === t, text);
      await until(() => wire.acks.length === 2, 'the answers to both sends');
      await sleep(300);
      for (const p of [fay, gus]) {
        assert.deepEqual((await messages(p, room)).map((m) => [m.seq, m.text]),
          [[1, 'before'], [2, 'meanwhile'], [3, 'held one'], [4, 'held two']], `${p.label}: each message once, in seq order`);
        assert.deepEqual(await pendingTexts(p, room), [], `${p.label} still shows one as sending`);
      }
      assert.equal(wire.sends, 2, 'nothing was sent again');
      assertNoPageErrors(fay, gus);
    }));

  test('the answer comes but the message frame is lost: it shows as sending until the page fetches it, then once',
    withShots('pending-message-lost', async (pages) => {
      const room = 'ack-only';
      const text = 'acked, frame lost';
      const two = await twoPages(pages, {
        room, text, sender: 'hal', other: 'ida', plan: () => 'pass', loseMessages: 1,
      });
      const { a: hal, wire } = two;
      await typeAndSend(hal, text);
      await until(() => wire.acks.length === 1, 'the answer to the send');
      assert.equal(wire.lostMessages, 1, 'the message frame was not lost: not the case under test');
      assert.deepEqual(await pendingTexts(hal, room), [[text, 'sending…']], 'stored, but not shown yet: still sending');
      assert.deepEqual(await messages(hal, room), []);

      await waitMessage(hal, room, (m, t) => m.text === t, text);
      assert.deepEqual(wire.historyRequests.map((h) => [h.before, h.limit]), [[wire.acks[0].seq + 1, 1]],
        'the page fetched the message the answer told it about');
      await sleep(300);
      for (const p of [hal, two.b]) {
        assert.deepEqual((await messages(p, room)).map((m) => [m.seq, m.text]), [[1, text]], `${p.label}: not exactly once`);
        assert.deepEqual(await pendingTexts(p, room), [], `${p.label} still shows it as sending`);
      }
      assert.equal(await gapMarkers(hal, room), 0, 'a gap marker although nothing is missing');
      assertNoPageErrors(hal, two.b);
    }));

  test('the connection drops before the answer: after reconnecting the page sends it again, it shows once',
    withShots('send-cut-by-drop', async (pages) => {
      const room = 'dropped';
      const text = 'sent, then the line went dead';
      const two = await twoPages(pages, {
        room, text, sender: 'bea', other: 'cal', plan: (n) => (n === 0 ? 'drop' : 'pass'),
      });
      await send(two.b, room, 'before the drop');
      await waitMessage(two.a, room, (m) => m.text === 'before the drop');
      await typeAndSend(two.a, text);
      await until(() => two.wire.sends === 2, 'the send after reconnecting');
      await assertDeliveredOnce(two, room, text);
      assert.equal(two.wire.acks[0].duplicate, true, 'the first send was not stored: not the case under test');
      assert.deepEqual((await messages(two.a, room)).map((m) => m.text), ['before the drop', text]);
    }));
});
