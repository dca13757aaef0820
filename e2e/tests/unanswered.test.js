// A send answered `unavailable` (a clustered server whose chat node died meanwhile) may or may not
// have been stored; the protocol says to send it again only if it does not come in. The page does
// that for its user: it keeps the text and says so only when the message did not come in. The answer
// is changed on the wire between the page and a real server (a Playwright route), so the page's own
// code runs unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, launchBrowser, messages, openPage, send, start, waitMessage, waitUntil, withShots,
} from './lib/browser.js';
import { RoomcastServer } from './lib/server.js';

/** Longer than the page looks for a send answered `unavailable` (SENT_CHECK_MS in app.js). */
const CHECK_MS = 3500;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function parse(text) {
  try {
    return typeof text === 'string' ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function unavailable(id) {
  return JSON.stringify({
    type: 'error', id, code: 'unavailable', message: 'the chat did not answer in time; try again',
  });
}

/**
 * Routes the page's WebSocket: the first `send` of `text` is answered `unavailable`. With `stored`
 * it reaches the server (which stores and broadcasts it) and only its ack is replaced; without, it
 * never leaves the route. Counts the page's sends of `text` in `wire.sends`.
 */
async function unansweredOnce(page, text, { stored }) {
  const wire = { sends: 0 };
  await page.routeWebSocket((url) => url.pathname === '/ws', (ws) => {
    const server = ws.connectToServer();
    let held = null;
    ws.onMessage((m) => {
      const f = parse(m);
      if (f && f.type === 'send' && f.text === text && wire.sends++ === 0) {
        if (!stored) {
          ws.send(unavailable(f.id));
          return;
        }
        held = f.id;
      }
      server.send(m);
    });
    server.onMessage((m) => {
      const f = parse(m);
      if (f && f.type === 'ack' && held !== null && f.id === held) {
        held = null;
        ws.send(unavailable(f.id));
        return;
      }
      ws.send(m);
    });
  });
  return wire;
}

const input = (page) => page.inputValue('#message-input');
const shownNotice = (page) => page.$eval('#notice', (n) => (n.hidden ? '' : n.textContent));

describe('a send answered unavailable', { timeout: 90000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await new RoomcastServer({ name: 'unanswered-server' }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('stored after all: it shows once and the page neither keeps the text nor asks to send it again',
    withShots('unavailable-but-stored', async (pages) => {
      const room = 'stored';
      const text = 'stored, answer lost';
      let wire;
      const vic = await openPage(browser.context, server.url, {
        label: 'vic-answer-lost',
        prepare: async (p) => { wire = await unansweredOnce(p, text, { stored: true }); },
      });
      const wes = await openPage(browser.context, server.url, { label: 'wes' });
      pages.push(vic, wes);
      await start(vic, 'vic', room);
      await start(wes, 'wes', room);
      await send(vic, room, text);
      await waitMessage(wes, room, (m, t) => m.text === t, text);
      await sleep(CHECK_MS);
      assert.equal(await input(vic), '', 'the text came back although the message was stored');
      assert.equal(await shownNotice(vic), '', 'the page asked to send a stored message again');
      assert.equal(wire.sends, 1, 'the page sent it again by itself');
      for (const p of [vic, wes]) {
        assert.deepEqual((await messages(p, room)).map((m) => m.text), [text], `${p.label}: not exactly once`);
      }
      assertNoPageErrors(vic, wes);
    }));

  test('not stored: the page keeps the text, says it was not sent, and sending again delivers it once',
    withShots('unavailable-not-stored', async (pages) => {
      const room = 'lost';
      const text = 'never stored';
      let wire;
      const xia = await openPage(browser.context, server.url, {
        label: 'xia-send-lost',
        prepare: async (p) => { wire = await unansweredOnce(p, text, { stored: false }); },
      });
      const yan = await openPage(browser.context, server.url, { label: 'yan' });
      pages.push(xia, yan);
      await start(xia, 'xia', room);
      await start(yan, 'yan', room);
      await xia.bringToFront();
      await xia.fill('#message-input', text);
      await xia.press('#message-input', 'Enter');
      await waitUntil(xia, (t) => document.querySelector('#message-input').value === t, text, CHECK_MS + 5000);
      assert.match(await shownNotice(xia), /Not sent/);
      for (const p of [xia, yan]) {
        assert.deepEqual(await messages(p, room), [], `${p.label} shows a message that was never stored`);
      }
      // The user sends it again: it arrives once.
      await xia.press('#message-input', 'Enter');
      await waitMessage(yan, room, (m, t) => m.text === t, text);
      await waitMessage(xia, room, (m, t) => m.text === t, text);
      assert.equal(wire.sends, 2);
      for (const p of [xia, yan]) {
        assert.deepEqual((await messages(p, room)).map((m) => m.text), [text], `${p.label}: not exactly once`);
      }
      assertNoPageErrors(xia, yan);
    }));
});
