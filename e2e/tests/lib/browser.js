// Debian's Chromium, headless, driven by playwright-core, with a fresh profile per launch; plus the
// page helpers the tests share.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS_DIR } from './server.js';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launchBrowser() {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'roomcast-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 680 },
  });
  context.setDefaultTimeout(10000);
  for (const p of context.pages()) await p.close(); // the blank start page
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the chat page. `noWebSocket` deletes window.WebSocket before any script runs (a browser
 * without WebSocket); `query` is added to the URL (e.g. "?transport=xhr-polling"); `prepare(page)`
 * runs before the page loads (to install Playwright routes on its traffic).
 */
export async function openPage(context, baseUrl, {
  noWebSocket = false, failingWebSocket = false, query = '', label = 'page', prepare,
} = {}) {
  const page = await context.newPage();
  page.label = label;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  if (noWebSocket) {
    await page.addInitScript(() => {
      delete window.WebSocket;
      if ('WebSocket' in window) window.WebSocket = undefined;
    });
  }
  if (failingWebSocket) {
    // A WebSocket that never opens, as behind a proxy that refuses upgrades.
    await page.addInitScript(() => {
      window.WebSocket = class FailingWebSocket extends EventTarget {
        constructor(url) {
          super();
          this.url = url;
          this.readyState = 0;
          setTimeout(() => {
            this.readyState = 3;
            const err = new Event('error');
            this.onerror?.(err);
            this.dispatchEvent(err);
            const close = Object.assign(new Event('close'), { code: 1006, reason: '', wasClean: false });
            this.onclose?.(close);
            this.dispatchEvent(close);
          }, 50);
        }
        send() { throw new Error('not open'); }
        close() {}
      };
      Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    });
  }
  if (prepare) await prepare(page);
  await page.goto(baseUrl + '/' + query);
  return page;
}

/** Picks a nick and a first room on the start card, and waits until the room is joined. */
export async function start(page, nick, room) {
  await page.bringToFront();
  await waitState(page, 'connected');
  await page.fill('#start-nick', nick);
  await page.fill('#start-room', room);
  await page.click('#start-button');
  await waitJoined(page, room);
  await page.waitForFunction((n) => window.roomcast.nick === n, nick, POLL);
}

// Pages of one browser share a window, so all but one are background tabs, where
// requestAnimationFrame (Playwright's default polling) barely runs: poll on a timer instead.
const POLL = { polling: 50 };

/** Waits until a selector matches (attached, visible or not). */
export async function waitFor(page, selector, timeout = 10000) {
  await page.waitForFunction((sel) => !!document.querySelector(sel), selector, { ...POLL, timeout });
}

export async function waitState(page, state, timeout = 10000) {
  await waitFor(page, `#status[data-state="${state}"]`, timeout);
}

export async function waitJoined(page, room, timeout = 10000) {
  await waitFor(page, `#tabs .tab[data-room="${room}"][data-joined="true"]`, timeout);
}

export async function joinRoom(page, room) {
  await page.bringToFront();
  await page.fill('#room-input', room);
  await page.press('#room-input', 'Enter');
  await waitJoined(page, room);
}

/**
 * Types a message and presses Enter; resolves once it is shown (server-confirmed) on this page, and
 * checks that its pending ("sending…") line went away then.
 */
export async function send(page, room, text) {
  await page.bringToFront();
  await page.fill('#message-input', text);
  await page.press('#message-input', 'Enter');
  await waitMessage(page, room, (m, t) => m.text === t, text);
  const left = (await pendingLines(page, room)).filter((p) => p.text === text);
  assert.deepEqual(left, [], `${page.label}: a pending line is left next to the stored message`);
}

/** Clicks like a user: the page comes to the front first (a background tab's clicks wait for frames). */
export async function click(page, selector) {
  await page.bringToFront();
  await page.click(selector);
}

/** Stored messages: message lines that are not pending sends ("sending…"). */
const STORED = '.line.message:not(.pending)';

/** Waits for a (stored) message line in `room` that satisfies `pred(m, arg)`, m = {seq, from, text}. */
export async function waitMessage(page, room, pred, arg, timeout = 10000) {
  await page.waitForFunction(([room, src, arg, stored]) => {
    const pred = new Function('return ' + src)();
    return [...document.querySelectorAll(`.messages[data-room="${room}"] ${stored}`)]
      .some((li) => pred({ seq: Number(li.dataset.seq), from: li.dataset.from, text: li.querySelector('.text').textContent }, arg));
  }, [room, pred.toString(), arg, STORED], { ...POLL, timeout });
}

export async function waitText(page, selector, text, timeout = 10000) {
  await page.waitForFunction(([sel, text]) => {
    return [...document.querySelectorAll(sel)].some((e) => e.textContent.includes(text));
  }, [selector, text], { ...POLL, timeout });
}

/** page.waitForFunction with timer polling. */
export function waitUntil(page, fn, arg, timeout = 10000) {
  return page.waitForFunction(fn, arg, { ...POLL, timeout });
}

/** Every stored message line of a room (pending sends left out): {seq, epoch, from, text, time}. */
export function messages(page, room) {
  return page.$$eval(`.messages[data-room="${room}"] ${STORED}`, (lis) => lis.map((li) => ({
    seq: Number(li.dataset.seq),
    epoch: Number(li.dataset.epoch),
    from: li.dataset.from,
    text: li.querySelector('.text').textContent,
    time: li.querySelector('.time').textContent,
  })));
}

/**
 * The pending lines of a room (our sends the server has not stored yet), top to bottom: {key, from,
 * text, marker (the "sending…" text), seq (none expected), visible, opacity, atBottom (only pending
 * lines after it)}.
 */
export function pendingLines(page, room) {
  return page.$$eval(`.messages[data-room="${room}"] .line.message.pending`, (lis) => lis.map((li) => {
    let next = li.nextElementSibling;
    while (next && next.classList.contains('pending')) next = next.nextElementSibling;
    return {
      key: li.dataset.key,
      from: li.dataset.from,
      text: li.querySelector('.text').textContent,
      marker: li.querySelector('.sending')?.textContent ?? '',
      seq: li.dataset.seq ?? null,
      visible: li.checkVisibility(),
      opacity: Number(getComputedStyle(li).opacity),
      atBottom: !next,
    };
  }));
}

/** The pending ("sending…") lines of `page` in `room`, as [text, marker]. */
export async function pendingTexts(page, room) {
  return (await pendingLines(page, room)).map((p) => [p.text, p.marker]);
}

/** Types a message and presses Enter, without waiting for anything. */
export async function typeAndSend(page, text) {
  await page.bringToFront();
  await page.fill('#message-input', text);
  await page.press('#message-input', 'Enter');
}

/** What the message input holds. */
export const messageInput = (page) => page.inputValue('#message-input');

/** The notice shown at the moment ('' when none). */
export const shownNotice = (page) => page.$eval('#notice', (n) => (n.hidden ? '' : n.textContent));

/** How many gap markers ("some messages may be missing") a room shows. */
export const gapMarkers = (page, room) => page.$$eval(`.messages[data-room="${room}"] .line.gap`, (n) => n.length);

/**
 * Watches, from now on, what the user of `page` sees of the message `text` in `room`, at every DOM
 * change: `mostShown`, the most message lines with it at one moment (stored or pending, so 2 means the
 * user saw it twice, e.g. the message next to its own "sending…" line); and `notices`, every notice
 * the page showed meanwhile. `read()` gives {mostShown, notices}.
 */
export async function watchMessage(page, room, text) {
  const id = await page.evaluate(([room, text]) => {
    const seen = { mostShown: 0, notices: [] };
    const notice = document.querySelector('#notice');
    let lastNotice = '';
    const check = () => {
      const shown = [...document.querySelectorAll(`.messages[data-room="${room}"] .line.message`)]
        .filter((li) => li.querySelector('.text')?.textContent === text).length;
      seen.mostShown = Math.max(seen.mostShown, shown);
      const now = notice.hidden ? '' : notice.textContent;
      if (now && now !== lastNotice) seen.notices.push(now);
      lastNotice = now;
    };
    new MutationObserver(check).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'],
    });
    check();
    window.__watched = window.__watched || [];
    return window.__watched.push(seen) - 1;
  }, [room, text]);
  return { read: () => page.evaluate((i) => window.__watched[i], id) };
}

/** System lines of a room: {kind, nick, text, color}. */
export function systemLines(page, room) {
  return page.$$eval(`.messages[data-room="${room}"] .line.system`, (lis) => lis.map((li) => ({
    kind: li.dataset.kind,
    nick: li.dataset.nick,
    text: li.querySelector('.text').textContent,
    color: getComputedStyle(li).color,
  })));
}

export function members(page) {
  return page.$$eval('#members .member', (lis) => lis.map((li) => li.dataset.nick));
}

export async function waitMembers(page, expected, timeout = 10000) {
  const want = [...expected].sort();
  try {
    await page.waitForFunction((want) => {
      const got = [...document.querySelectorAll('#members .member')].map((li) => li.dataset.nick).sort();
      return JSON.stringify(got) === JSON.stringify(want);
    }, want, { ...POLL, timeout });
  } catch (e) {
    assert.deepEqual((await members(page)).sort(), want, 'member list');
    throw e;
  }
}

/** Screenshots every page of the test into e2e/artifacts/<test>-<label>.png. */
export async function screenshots(name, pages) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  for (const p of pages) {
    if (!p || p.isClosed()) continue;
    await p.screenshot({ path: path.join(ARTIFACTS_DIR, `${safe}-${p.label}.png`) }).catch(() => {});
  }
}

export function assertNoPageErrors(...pages) {
  for (const p of pages) assert.deepEqual(p.errors, [], `uncaught errors on ${p.label}`);
}

/** Runs `fn(pages)` and always screenshots the pages it opened, also when it fails. */
export function withShots(name, fn) {
  return async (t) => {
    const pages = [];
    try {
      await fn(pages, t);
    } finally {
      await screenshots(name, pages);
      for (const p of pages) await p.close().catch(() => {});
    }
  };
}
