// A message the user sends shows at once as a pending "sending…" line (room-view.js), which turns into
// the message when it shows, or goes when the page can tell the message will not come (app.js:
// awaitStored, settleStored). These tests cover that line around a dropped connection: the sender's
// send was stored, but its message frame never reached the sender's page before the connection died.
// Then the rejoin says the server forgot the room (a new epoch), or that it no longer has every missed
// message (`recovered: false`); or the send's answer was on its way as the connection dropped. What is
// checked is what the users see: the message at most once and never next to its own "sending…" line,
// on both pages, no "sending…" line left behind, no "Not sent" notice for a message that was stored.
// The drops and lost frames are made on the wire between the page and a real server (Playwright routes,
// lib/wire.js), so the page's own code runs unchanged; the forgotten room is a real server restart.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, gapMarkers, launchBrowser, messageInput, messages, pendingTexts, send,
  typeAndSend, waitJoined, waitMessage, waitState, waitUntil, watchMessage, withShots,
} from './lib/browser.js';
import { RoomcastServer } from './lib/server.js';
import { routedPair, sleep, until } from './lib/wire.js';

/** The room's message lines and gap markers as the user sees them: seqs, and 'GAP'. */
function seqsAndGaps(page, room) {
  return page.$$eval(`.messages[data-room="${room}"] .line.message:not(.pending), .messages[data-room="${room}"] .line.gap`,
    (lis) => lis.map((li) => (li.classList.contains('gap') ? 'GAP' : li.dataset.seq)));
}

/** Waits a little for the "sending…" lines of `page` to go; fails listing those still there. */
async function noPendingLeft(page, room, timeout = 3000) {
  try {
    await waitUntil(page, (r) => !document.querySelector(`.messages[data-room="${r}"] .line.message.pending`), room, timeout);
  } catch {
    assert.deepEqual(await pendingTexts(page, room), [], `${page.label} still shows a "sending…" line`);
  }
}

let server;
let browser;

describe('the "sending…" line of a send whose connection dropped', { timeout: 120000 }, () => {
  before(async () => {
    // A short history, so that a drop can outlast the sender's own message.
    server = await new RoomcastServer({ name: 'pending-server', env: { ROOMCAST_ROOMS_HISTORY_SIZE: '5' } }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /**
   * The sender's page (WebSocket only, routed: its sends of `text` go by `plan`, their message frames
   * never reach it on the connection that sent them, and a planned drop takes its network down until
   * the test sets `wire.offline` back) and the other member's page (its message frames of `text`
   * counted), both in `room` with one message from the other member; what the sender sees of `text`
   * is watched from then on.
   */
  async function twoPages(pages, { room, text, plan, sender, other }) {
    const { a, b, wire, seen } = await routedPair(browser, server, pages, {
      room, text, plan, sender, other,
      query: '?transport=websocket', // no SockJS fallback around the routed WebSocket
      routeOptions: { loseOwnBroadcast: true, stayDown: true },
    });
    await typeAndSend(b, 'before');
    for (const p of [a, b]) await waitMessage(p, room, (m) => m.text === 'before');
    const watch = await watchMessage(a, room, text);
    return { a, b, wire, seen, watch };
  }

  /**
   * Sends `text` from `a` and waits until the planned drop took `a` offline. When the answer reached
   * the page, also until the page's own wait for the message frame to trail it (awaitStored, 1 s) has
   * run out while offline, so that only the rejoin can settle the "sending…" line: a page timer set
   * after that one (the drop came after the answer) fires after it.
   */
  async function sendAndDrop({ a, wire }, room, text) {
    await typeAndSend(a, text);
    await until(() => wire.drops === 1, 'the connection to drop at the answer');
    await waitState(a, 'reconnecting');
    assert.deepEqual(await pendingTexts(a, room), [[text, 'sending…']], 'while disconnected, the message shows as sending');
    assert.equal(await messageInput(a), '', 'the text came back to the input');
    if (wire.acks.length) await a.evaluate(() => new Promise((res) => setTimeout(res, 1000)));
  }

  /** Lets `a` reconnect and waits until it has rejoined `room`. */
  async function reconnect({ a, wire }, room, timeout = 15000) {
    wire.offline = false;
    await waitState(a, 'connected', timeout);
    await waitJoined(a, room);
  }

  /** `text` shows exactly `times` times on `page`, and no "sending…" line is left there. */
  async function assertShown(page, room, text, times) {
    const shown = (await messages(page, room)).filter((m) => m.text === text).length;
    assert.equal(shown, times, `${page.label} shows "${text}" ${shown} times`);
    assert.deepEqual(await pendingTexts(page, room), [], `${page.label} still shows a "sending…" line`);
  }

  /**
   * The sender never saw the message twice at one moment (say, next to its own "sending…" line), got
   * no notice (such as "Not sent") and has an empty input: the text did not come back.
   */
  async function assertSenderSawItOnceAtMost({ a, watch }) {
    const { mostShown, notices } = await watch.read();
    assert.ok(mostShown <= 1, `${a.label} showed it ${mostShown} times at once (the message and its "sending…" line?)`);
    assert.deepEqual(notices, [], `${a.label} showed a notice`);
    assert.equal(await messageInput(a), '', 'the text came back to the input although it was stored');
  }

  /** The end of a stored send: shown once on both pages and never twice at once, one frame for the other member. */
  async function assertShownOnceEverywhere(two, room, text) {
    await assertSenderSawItOnceAtMost(two);
    for (const p of [two.a, two.b]) await assertShown(p, room, text, 1);
    assert.equal(two.seen.messages, 1, `${two.b.label} got ${two.seen.messages} message frames for it`);
    assertNoPageErrors(two.a, two.b);
  }

  test('the answer arrives right as the connection drops: the rejoin brings the message, shown once, not sent again',
    withShots('pending-answer-then-drop', async (pages) => {
      const room = 'answered-dropped';
      const text = 'answered, then the line went dead';
      const two = await twoPages(pages, { room, text, sender: 'gil', other: 'hana', plan: () => 'answer-then-drop' });
      await sendAndDrop(two, room, text);
      assert.equal(two.wire.acks.length, 1, 'the answer did not reach the page');
      await waitMessage(two.b, room, (m, t) => m.text === t, text);

      await reconnect(two, room);
      await waitMessage(two.a, room, (m, t) => m.text === t, text);
      await noPendingLeft(two.a, room);
      assert.equal(two.wire.sends, 1, 'sent again although the answer said it was stored');
      assert.equal(two.wire.joinAcks.at(-1).recovered, true, 'the rejoin did not recover: not the case under test');
      assert.deepEqual(await seqsAndGaps(two.a, room), ['1', '2']);
      await assertShownOnceEverywhere(two, room, text);
    }));

  test('the answer is lost with the connection: after the rejoin the page sends it again, it shows once on both pages',
    withShots('pending-answer-lost', async (pages) => {
      const room = 'answer-lost';
      const text = 'stored, answer lost in the drop';
      const two = await twoPages(pages, {
        room, text, sender: 'eve', other: 'fox', plan: (n) => (n === 0 ? 'drop' : 'pass'),
      });
      await sendAndDrop(two, room, text);
      assert.equal(two.wire.acks.length, 0, 'the answer reached the page: not the case under test');
      await waitMessage(two.b, room, (m, t) => m.text === t, text); // it was stored
      assert.deepEqual((await two.watch.read()).notices, [], 'the page said it was not sent');

      await reconnect(two, room);
      await waitMessage(two.a, room, (m, t) => m.text === t, text);
      await until(() => two.wire.acks.length === 1, 'the page to send it again and get an answer');
      assert.equal(two.wire.sends, 2, 'the page sent it again by itself, once');
      assert.equal(two.wire.keys[1], two.wire.keys[0], 'the resend carries the first send\'s key');
      assert.equal(two.wire.acks[0].duplicate, true, 'the resend was stored a second time');
      await noPendingLeft(two.a, room);
      await sleep(300); // room for a second broadcast, if the server stored it twice
      await assertShownOnceEverywhere(two, room, text);
    }));

  test('a rejoin answered recovered: false, the sent message no longer kept: its "sending…" line goes, a gap marker shows',
    withShots('pending-not-recovered', async (pages) => {
      const room = 'not-recovered';
      const text = 'stored, then pushed out of history';
      const two = await twoPages(pages, { room, text, sender: 'cat', other: 'dan', plan: () => 'answer-then-drop' });
      await sendAndDrop(two, room, text); // seq 2
      for (let i = 1; i <= 6; i++) await send(two.b, room, `while away ${i}`); // seqs 3..8; history keeps 4..8

      await reconnect(two, room);
      await waitMessage(two.a, room, (m) => m.text === 'while away 6');
      await noPendingLeft(two.a, room);
      assert.equal(two.wire.joinAcks.at(-1).recovered, false, 'the rejoin recovered: not the case under test');
      // What the server still had, after a gap marker; its own message is not among it.
      assert.deepEqual(await seqsAndGaps(two.a, room), ['1', 'GAP', '4', '5', '6', '7', '8']);
      await assertShown(two.a, room, text, 0);
      await assertShown(two.b, room, text, 1);
      assert.equal(two.wire.sends, 1, 'sent again although the answer said it was stored');
      await assertSenderSawItOnceAtMost(two);

      await send(two.a, room, 'back again'); // seq 9: seqs go on where the rejoin said
      await waitMessage(two.b, room, (m) => m.text === 'back again');
      assert.deepEqual(await seqsAndGaps(two.a, room), ['1', 'GAP', '4', '5', '6', '7', '8', '9']);
      assertNoPageErrors(two.a, two.b);
    }));

  test('a rejoin after the server forgot the room (a new epoch): the "sending…" line of a send acked in the old one goes',
    withShots('pending-new-epoch', async (pages) => {
      const room = 'forgotten';
      const text = 'stored in a room the server then forgot';
      const two = await twoPages(pages, { room, text, sender: 'amy', other: 'ben', plan: () => 'answer-then-drop' });
      await sendAndDrop(two, room, text); // seq 2 of the room's first epoch
      await waitMessage(two.b, room, (m, t) => m.text === t, text);
      const oldEpoch = two.wire.joinAcks.at(-1).epoch;

      // The server restarts while the sender is offline: it forgets the room, whose seqs restart.
      await server.stop('SIGKILL');
      await server.start();
      await reconnect(two, room, 20000);
      assert.notEqual(two.wire.joinAcks.at(-1).epoch, oldEpoch, 'the rejoin kept the epoch: not the case under test');
      await noPendingLeft(two.a, room);
      assert.deepEqual(await seqsAndGaps(two.a, room), ['1', 'GAP'], 'the old messages, then a gap marker');
      assert.equal(await gapMarkers(two.a, room), 1);
      await assertShown(two.a, room, text, 0);
      await assertShown(two.b, room, text, 1);
      assert.equal(two.wire.sends, 1, 'sent again although the answer said it was stored');
      await assertSenderSawItOnceAtMost(two);

      // Both chat on in the new incarnation of the room.
      await waitJoined(two.b, room, 20000);
      await send(two.a, room, 'after the restart');
      await waitMessage(two.b, room, (m) => m.text === 'after the restart');
      await noPendingLeft(two.a, room);
      assert.deepEqual(await seqsAndGaps(two.a, room), ['1', 'GAP', '1']);
      assertNoPageErrors(two.a, two.b);
    }));
});
