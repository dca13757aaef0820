// The page reconnects by itself: after a server restart on the same port, and after a network drop
// while the server keeps running (where `since` must bring back exactly the missed messages).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, launchBrowser, messages, openPage, screenshots, send, start, waitFor,
  waitMembers, waitMessage, waitState, waitUntil, withShots,
} from './lib/browser.js';
import { CuttableProxy } from './lib/proxy.js';
import { RoomcastServer } from './lib/server.js';

describe('reconnect', { timeout: 90000 }, () => {
  let server;
  let browser;
  let proxy;

  before(async () => {
    // A short history, so that a long drop can outlast it.
    server = await new RoomcastServer({ name: 'reconnect-server', env: { ROOMCAST_ROOMS_HISTORY_SIZE: '5' } }).start();
    proxy = await new CuttableProxy(server.port).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await server?.stop();
  });

  test('a network drop: the page reconnects, rejoins with since and shows exactly the missed messages', withShots('network-drop', async (pages) => {
    const lena = await openPage(browser.context, proxy.url, { label: 'lena-via-proxy' });
    const mike = await openPage(browser.context, server.url, { label: 'mike' });
    pages.push(lena, mike);
    await start(lena, 'lena', 'drop');
    await start(mike, 'mike', 'drop');
    await send(mike, 'drop', 'before the drop');
    await waitMessage(lena, 'drop', (m) => m.text === 'before the drop');

    await proxy.cut();
    await waitState(lena, 'reconnecting');
    assert.match(await lena.textContent('#status'), /reconnecting…/);
    await waitFor(mike, '.messages[data-room="drop"] .line.system.left[data-nick="lena"]');
    for (let i = 1; i <= 3; i++) await send(mike, 'drop', `missed ${i}`);
    await screenshots('network-drop-while-down', [lena]);

    await proxy.resume();
    await waitState(lena, 'connected', 15000);
    await waitMessage(lena, 'drop', (m) => m.text === 'missed 3');
    const seen = await messages(lena, 'drop');
    assert.deepEqual(seen.map((m) => [m.seq, m.text]),
      [[1, 'before the drop'], [2, 'missed 1'], [3, 'missed 2'], [4, 'missed 3']], 'each missed message once, in order');
    assert.equal(await lena.$$eval('.line.gap', (n) => n.length), 0, 'recovered: no gap marker');
    await waitUntil(lena, () => window.roomcast.nick === 'lena');
    await waitMembers(lena, ['lena', 'mike']);

    await send(lena, 'drop', 'back online');
    await waitMessage(mike, 'drop', (m) => m.from === 'lena' && m.text === 'back online');
    assertNoPageErrors(lena, mike);
  }));

  test('a drop longer than the history: a gap marker, then what the server still had', withShots('long-drop-gap', async (pages) => {
    const pia = await openPage(browser.context, proxy.url, { label: 'pia-via-proxy' });
    const quinn = await openPage(browser.context, server.url, { label: 'quinn' });
    pages.push(pia, quinn);
    await start(pia, 'pia', 'long');
    await start(quinn, 'quinn', 'long');
    await send(quinn, 'long', 'seen before');
    await waitMessage(pia, 'long', (m) => m.text === 'seen before');

    await proxy.cut();
    await waitState(pia, 'reconnecting');
    for (let i = 1; i <= 7; i++) await send(quinn, 'long', `while away ${i}`); // seqs 2..8; history keeps 4..8
    await proxy.resume();
    await waitState(pia, 'connected', 15000);
    await waitMessage(pia, 'long', (m) => m.text === 'while away 7');
    const lines = await pia.$$eval('.messages[data-room="long"] .line', (lis) => lis.map((li) => (
      li.classList.contains('gap') ? 'GAP' : li.classList.contains('message') ? li.dataset.seq : li.dataset.kind)));
    assert.deepEqual(lines.filter((l) => l !== 'joined'), ['1', 'GAP', '4', '5', '6', '7', '8']);
    assertNoPageErrors(pia, quinn);
  }));

  test('browser offline: the page says offline, and reconnects as soon as it is online again', withShots('browser-offline', async (pages) => {
    const rosa = await openPage(browser.context, proxy.url, { label: 'rosa-via-proxy' });
    pages.push(rosa);
    await start(rosa, 'rosa', 'offline');
    await browser.context.setOffline(true);
    await proxy.cut(); // the emulated offline keeps loopback sockets open: drop them for real
    await waitState(rosa, 'offline');
    assert.equal(await rosa.textContent('#status-text'), 'offline');
    await screenshots('browser-offline-while-offline', [rosa]);
    await proxy.resume();
    const t0 = Date.now();
    await browser.context.setOffline(false);
    await waitState(rosa, 'connected');
    assert.ok(Date.now() - t0 < 3000, 'reconnected right after the online event');
    await send(rosa, 'offline', 'online again');
    assertNoPageErrors(rosa);
  }));

  test('a server restart: the page shows reconnecting…, comes back by itself, marks the gap and chats again', withShots('server-restart', async (pages) => {
    const nora = await openPage(browser.context, server.url, { label: 'nora' });
    const otto = await openPage(browser.context, server.url, { label: 'otto' });
    pages.push(nora, otto);
    await start(nora, 'nora', 'restart');
    await start(otto, 'otto', 'restart');
    await send(nora, 'restart', 'before the restart');
    await waitMessage(otto, 'restart', (m) => m.text === 'before the restart');

    await server.stop('SIGKILL');
    for (const p of [nora, otto]) {
      await waitState(p, 'reconnecting');
      assert.equal(await p.textContent('#status-text'), 'reconnecting…');
    }
    await screenshots('server-restart-while-down', [nora]);

    await server.start(); // same port
    for (const p of [nora, otto]) {
      await waitState(p, 'connected', 20000);
      assert.equal(await p.evaluate(() => window.roomcast.transport), 'websocket', 'back on WebSocket, not the fallback');
    }
    // A restarted server has lost the room's history: the rejoin says recovered:false.
    for (const p of [nora, otto]) {
      await waitFor(p, '.messages[data-room="restart"] .line.system.gap');
      assert.equal(await p.textContent('.messages[data-room="restart"] .line.system.gap .text'), 'some messages may be missing');
      await waitMembers(p, ['nora', 'otto']);
    }

    // The room's seqs start again at 1: new messages must not be taken for duplicates.
    await send(otto, 'restart', 'after the restart');
    await waitMessage(nora, 'restart', (m) => m.from === 'otto' && m.text === 'after the restart');
    await send(nora, 'restart', 'and again');
    await waitMessage(otto, 'restart', (m) => m.from === 'nora' && m.text === 'and again');
    const texts = (await messages(nora, 'restart')).map((m) => m.text);
    assert.deepEqual(texts, ['before the restart', 'after the restart', 'and again']);
    assertNoPageErrors(nora, otto);
  }));
});
