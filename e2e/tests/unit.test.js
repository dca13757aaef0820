// Plain Node checks of the web UI's pure modules and of what webroot/ ships (no browser needed).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { E2E_DIR, REPO_DIR } from './lib/server.js';

const WEBROOT = path.join(REPO_DIR, 'webroot');

// webroot/ has no package.json saying "type": "module", so import the (dependency-free) browser
// modules from their source text, which works on every Node version.
const load = (file) => import('data:text/javascript;base64,'
  + readFileSync(path.join(WEBROOT, 'js', file)).toString('base64'));
const { backoffDelay, DEFAULT_BACKOFF } = await load('backoff.js');
const { cleanRoomName, NICK_RE, ROOM_RE, typingText } = await load('format.js');

test('backoff grows exponentially, is jittered and capped', () => {
  const { baseMs, capMs } = DEFAULT_BACKOFF;
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 0), baseMs / 2);
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 1), baseMs);
  assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 1), baseMs * 4);
  for (let attempt = 1; attempt <= 40; attempt++) {
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
      assert.ok(d >= Math.min(capMs, baseMs * 2 ** (attempt - 1)) / 2 && d <= capMs, `attempt ${attempt}: ${d}`);
    }
  }
  assert.equal(backoffDelay(40, DEFAULT_BACKOFF, () => 1), capMs);
});

test('typing line and name checks', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['ann']), 'ann is typing…');
  assert.equal(typingText(['ann', 'bo']), 'ann and bo are typing…');
  assert.equal(typingText(['a', 'b', 'c', 'd']), 'several people are typing…');
  assert.equal(cleanRoomName(' #Lobby '), 'Lobby');
  assert.ok(ROOM_RE.test('a.b_c-1') && !ROOM_RE.test('no spaces') && !ROOM_RE.test('x'.repeat(65)));
  assert.ok(NICK_RE.test('alice') && !NICK_RE.test('') && !NICK_RE.test('x'.repeat(33)));
});

test('webroot ships sockjs-client 1.6.1 unchanged from the npm package', () => {
  const pkg = JSON.parse(readFileSync(path.join(E2E_DIR, 'package.json'), 'utf8'));
  assert.equal(pkg.devDependencies['sockjs-client'], '1.6.1');
  const installed = JSON.parse(readFileSync(path.join(E2E_DIR, 'node_modules/sockjs-client/package.json'), 'utf8'));
  assert.equal(installed.version, '1.6.1');
  const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
  assert.equal(sha(path.join(WEBROOT, 'js/vendor/sockjs.min.js')),
    sha(path.join(E2E_DIR, 'node_modules/sockjs-client/dist/sockjs.min.js')));
});

test('the web UI loads nothing from other hosts and never writes HTML from strings', () => {
  const html = readFileSync(path.join(WEBROOT, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no CDN');
  for (const f of readdirSync(path.join(WEBROOT, 'js')).filter((n) => n.endsWith('.js'))) {
    const src = readFileSync(path.join(WEBROOT, 'js', f), 'utf8');
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, f);
  }
});
