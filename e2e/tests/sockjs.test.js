// The SockJS fallback: a page without window.WebSocket (and a page forced to xhr-polling) chats with
// a page on the native WebSocket.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, click, launchBrowser, messages, openPage, send, start, systemLines, waitFor,
  waitMembers, waitMessage, waitUntil, withShots,
} from './lib/browser.js';
import { RoomcastServer } from './lib/server.js';

describe('SockJS fallback', { timeout: 90000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await new RoomcastServer({ name: 'sockjs-server' }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A WebSocket page and a fallback page chat both ways: messages, joins, leaves, members, typing. */
  async function chatAcross(pages, fallbackOptions, room, expectTransport) {
    const ws = await openPage(browser.context, server.url, { label: 'websocket' });
    const fb = await openPage(browser.context, server.url, { ...fallbackOptions, label: 'fallback' });
    pages.push(ws, fb);
    await start(ws, 'wsuser', room);
    await start(fb, 'fbuser', room);
    assert.equal(await ws.evaluate(() => window.roomcast.transport), 'websocket');
    const transport = await fb.evaluate(() => window.roomcast.transport);
    assert.match(transport, expectTransport);
    assert.match(await fb.textContent('#transport-name'), /sockjs/);

    await waitFor(ws, `.messages[data-room="${room}"] .line.system.joined[data-nick="fbuser"]`);
    await waitMembers(ws, ['fbuser', 'wsuser']);
    await waitMembers(fb, ['fbuser', 'wsuser']);

    await fb.bringToFront();
    await fb.fill('#message-input', 'typ');
    await fb.type('#message-input', 'ing');
    await waitUntil(ws, () => document.querySelector('#typing').textContent === 'fbuser is typing…');
    await ws.bringToFront();
    await ws.fill('#message-input', 'typ');
    await ws.type('#message-input', 'ing');
    await waitUntil(fb, () => document.querySelector('#typing').textContent === 'wsuser is typing…');

    await send(fb, room, 'hello from the fallback');
    await waitMessage(ws, room, (m) => m.from === 'fbuser' && m.text === 'hello from the fallback');
    await send(ws, room, 'hello from WebSocket');
    await waitMessage(fb, room, (m) => m.from === 'wsuser' && m.text === 'hello from WebSocket');
    assert.deepEqual(await messages(fb, room), await messages(ws, room));

    // a reload of the fallback page recovers the history over SockJS
    await fb.reload();
    await waitUntil(fb, () => window.roomcast.state === 'connected' && window.roomcast.nick === 'fbuser');
    await waitMessage(fb, room, (m) => m.text === 'hello from WebSocket');
    assert.deepEqual((await messages(fb, room)).map((m) => m.text), ['hello from the fallback', 'hello from WebSocket']);

    // the WebSocket user leaves: the fallback page sees it
    await click(ws, `#tabs .tab[data-room="${room}"] .tab-close`);
    await waitFor(fb, `.messages[data-room="${room}"] .line.system.left[data-nick="wsuser"]`);
    assert.ok((await systemLines(fb, room)).some((l) => l.kind === 'left' && l.text === 'wsuser left'));
    await waitMembers(fb, ['fbuser']);
    assertNoPageErrors(ws, fb);
  }

  test('a page without WebSocket falls back to SockJS and chats with a WebSocket page',
    withShots('sockjs-no-websocket', async (pages) => {
      await chatAcross(pages, { noWebSocket: true }, 'fallback', /^sockjs:/);
      assert.equal(await pages[1].evaluate(() => typeof window.WebSocket), 'undefined');
    }));

  test('a WebSocket that fails to open falls back to SockJS by itself',
    withShots('sockjs-websocket-fails', async (pages) => {
      await chatAcross(pages, { failingWebSocket: true }, 'failing', /^sockjs:/);
    }));

  test('?transport=xhr-polling forces long-polling and chats with a WebSocket page',
    withShots('sockjs-xhr-polling', async (pages) => {
      await chatAcross(pages, { query: '?transport=xhr-polling' }, 'polling', /^sockjs:xhr-polling$/);
    }));
});
