// Two users chatting over WebSocket in headless Chromium, the echo bot, history after a reload.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageErrors, click, joinRoom, launchBrowser, members, messages, openPage, pendingLines, send, start,
  systemLines, waitFor, waitMembers, waitMessage, waitText, waitUntil, withShots,
} from './lib/browser.js';
import { ARTIFACTS_DIR, RoomcastServer } from './lib/server.js';

const BLUE = 'rgb(28, 100, 216)'; // --join
const RED = 'rgb(201, 42, 42)'; // --leave

describe('chat over WebSocket', { timeout: 90000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await new RoomcastServer({ name: 'chat-server' }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('two pages chat in one room: messages, joins, leaves, members, typing', withShots('two-pages-chat', async (pages) => {
    const alice = await openPage(browser.context, server.url, { label: 'alice' });
    pages.push(alice);
    await start(alice, 'alice', 'lobby');
    assert.equal(await alice.evaluate(() => window.roomcast.transport), 'websocket');
    assert.match(await alice.textContent('#status'), /connected/);
    await waitMembers(alice, ['alice']);

    const bob = await openPage(browser.context, server.url, { label: 'bob' });
    pages.push(bob);
    await start(bob, 'bob', 'lobby');

    // alice sees bob join, as a blue system line, and in the member list
    await waitFor(alice, '.messages[data-room="lobby"] .line.system.joined[data-nick="bob"]');
    const joinedLine = (await systemLines(alice, 'lobby')).find((l) => l.kind === 'joined' && l.nick === 'bob');
    assert.equal(joinedLine.text, 'bob joined');
    assert.equal(joinedLine.color, BLUE);
    await waitMembers(alice, ['alice', 'bob']);
    await waitMembers(bob, ['alice', 'bob']);

    // typing: bob types, alice sees "bob is typing…", and it goes away after the message
    await bob.bringToFront();
    await bob.fill('#message-input', 'hel');
    await bob.type('#message-input', 'lo');
    await waitUntil(alice, () => document.querySelector('#typing').textContent === 'bob is typing…');
    await bob.press('#message-input', 'Enter');
    await waitMessage(alice, 'lobby', (m) => m.from === 'bob' && m.text === 'hello');
    await waitUntil(alice, () => document.querySelector('#typing').textContent === '');

    await send(alice, 'lobby', 'hi bob, welcome to the lobby');
    await waitMessage(bob, 'lobby', (m) => m.from === 'alice' && m.text === 'hi bob, welcome to the lobby');
    await send(bob, 'lobby', 'thanks!');
    await waitMessage(alice, 'lobby', (m) => m.from === 'bob' && m.text === 'thanks!');

    const seen = await messages(alice, 'lobby');
    assert.deepEqual(seen.map((m) => [m.seq, m.from, m.text]),
      [[1, 'bob', 'hello'], [2, 'alice', 'hi bob, welcome to the lobby'], [3, 'bob', 'thanks!']]);
    for (const m of seen) assert.match(m.time, /^\d\d:\d\d$/);
    assert.deepEqual(await messages(bob, 'lobby'), seen, 'both pages show the same lines');
    for (const p of [alice, bob]) assert.deepEqual(await pendingLines(p, 'lobby'), [], `${p.label}: a line still says sending…`);
    assert.equal(await alice.evaluate(() => document.activeElement.id), 'message-input', 'the composer keeps focus');
    await alice.screenshot({ path: path.join(ARTIFACTS_DIR, 'two-pages-chat-alice-before-leave.png') });

    // bob leaves with the tab's close button: alice sees a red line and the member list shrinks
    await click(bob, '#tabs .tab[data-room="lobby"] .tab-close');
    await waitFor(alice, '.messages[data-room="lobby"] .line.system.left[data-nick="bob"]');
    const leftLine = (await systemLines(alice, 'lobby')).find((l) => l.kind === 'left' && l.nick === 'bob');
    assert.equal(leftLine.text, 'bob left');
    assert.equal(leftLine.color, RED);
    await waitMembers(alice, ['alice']);
    assert.equal(await bob.$$eval('#tabs .tab', (t) => t.length), 0);
    assert.equal(await bob.isVisible('#start-form'), true, 'with no room open, the start card is back');
    assertNoPageErrors(alice, bob);
  }));

  test('text is rendered as text, never as HTML', withShots('text-not-html', async (pages) => {
    const carol = await openPage(browser.context, server.url, { label: 'carol' });
    const dave = await openPage(browser.context, server.url, { label: 'dave' });
    pages.push(carol, dave);
    await start(carol, 'carol', 'html');
    await start(dave, 'dave', 'html');
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold?</b> &amp; "quotes" <script>window.__pwned=2</script>';
    await send(carol, 'html', evil);
    await waitMessage(dave, 'html', (m, t) => m.text === t, evil);
    for (const p of [carol, dave]) {
      assert.equal(await p.$$eval('.messages img, .messages b', (n) => n.length), 0);
      assert.equal(await p.evaluate(() => window.__pwned), undefined);
    }
    assertNoPageErrors(carol, dave);
  }));

  test('the echo bot answers in room echo', withShots('echo-bot', async (pages) => {
    const erin = await openPage(browser.context, server.url, { label: 'erin' });
    pages.push(erin);
    await start(erin, 'erin', 'echo');
    await send(erin, 'echo', 'hello bot');
    await waitMessage(erin, 'echo', (m) => m.from === 'echo-bot' && m.text === 'HELLO BOT!!!');
    const lines = await messages(erin, 'echo');
    const mine = lines.find((m) => m.text === 'hello bot');
    const reply = lines.find((m) => m.from === 'echo-bot');
    assert.ok(reply.seq > mine.seq, 'the reply comes after the message');
    assertNoPageErrors(erin);
  }));

  test('rooms are tabs: join several, switch, unread badge, leave one', withShots('room-tabs', async (pages) => {
    const frank = await openPage(browser.context, server.url, { label: 'frank' });
    const gina = await openPage(browser.context, server.url, { label: 'gina' });
    pages.push(frank, gina);
    await start(frank, 'frank', 'tabs-a');
    await joinRoom(frank, 'tabs-b');
    assert.equal(await frank.evaluate(() => window.roomcast.active), 'tabs-b');
    await start(gina, 'gina', 'tabs-a');
    await send(gina, 'tabs-a', 'message for tab a');
    // frank looks at tabs-b: tabs-a gets an unread badge
    await waitFor(frank, '#tabs .tab[data-room="tabs-a"] .badge');
    assert.equal(await frank.textContent('#tabs .tab[data-room="tabs-a"] .badge'), '1');
    assert.equal(await frank.isVisible('.messages[data-room="tabs-a"]'), false);
    await click(frank, '#tabs .tab[data-room="tabs-a"] .tab-name');
    assert.equal(await frank.isVisible('.messages[data-room="tabs-a"]'), true);
    assert.equal(await frank.$('#tabs .tab[data-room="tabs-a"] .badge'), null);
    await waitMembers(frank, ['frank', 'gina']);
    await frank.screenshot({ path: path.join(ARTIFACTS_DIR, 'room-tabs-frank-two-tabs.png') });
    await click(frank, '#tabs .tab[data-room="tabs-b"] .tab-close');
    assert.deepEqual(await frank.evaluate(() => window.roomcast.rooms), ['tabs-a']);
    assertNoPageErrors(frank, gina);
  }));

  test('a reload recovers the history, the nick and the open rooms', withShots('reload-history', async (pages) => {
    const hank = await openPage(browser.context, server.url, { label: 'hank' });
    const ivy = await openPage(browser.context, server.url, { label: 'ivy' });
    pages.push(hank, ivy);
    await start(hank, 'hank', 'history');
    await start(ivy, 'ivy', 'history');
    for (let i = 1; i <= 3; i++) await send(hank, 'history', `before reload ${i}`);
    await waitMessage(ivy, 'history', (m) => m.text === 'before reload 3');
    const beforeReload = await messages(ivy, 'history');

    await ivy.reload();
    await waitText(ivy, '#status', 'connected');
    await waitUntil(ivy, () => window.roomcast.state === 'connected' && window.roomcast.nick === 'ivy');
    await waitMessage(ivy, 'history', (m) => m.text === 'before reload 3');
    assert.deepEqual(await messages(ivy, 'history'), beforeReload, 'the last messages are loaded on join');
    await waitMembers(ivy, ['hank', 'ivy']);

    await send(hank, 'history', 'after reload');
    await waitMessage(ivy, 'history', (m) => m.text === 'after reload');
    const seqs = (await messages(ivy, 'history')).map((m) => m.seq);
    assert.deepEqual(seqs, [1, 2, 3, 4], 'every seq once, in order');
    assert.equal(await ivy.$$eval('.line.gap', (n) => n.length), 0, 'no gap marker');
    assertNoPageErrors(hank, ivy);
  }));

  test('nick changes are shown to the room and a taken nick is refused', withShots('nick-change', async (pages) => {
    const jay = await openPage(browser.context, server.url, { label: 'jay' });
    const kim = await openPage(browser.context, server.url, { label: 'kim' });
    pages.push(jay, kim);
    await start(jay, 'jay', 'nicks');
    await start(kim, 'kim', 'nicks');
    await jay.bringToFront();
    await jay.fill('#nick-input', 'jay2');
    await jay.press('#nick-input', 'Enter');
    await waitFor(kim, '.messages[data-room="nicks"] .line.system.renamed');
    assert.equal(await kim.textContent('.messages[data-room="nicks"] .line.system.renamed .text'), 'jay is now known as jay2');
    await waitMembers(kim, ['jay2', 'kim']);
    await kim.bringToFront();
    await kim.fill('#nick-input', 'JAY2');
    await kim.press('#nick-input', 'Enter');
    await waitFor(kim, '#notice:not([hidden])');
    assert.match(await kim.textContent('#notice'), /taken/);
    assert.equal(await kim.evaluate(() => window.roomcast.nick), 'kim');
    assertNoPageErrors(jay, kim);
  }));
});
