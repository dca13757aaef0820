// Starts and stops the Roomcast fat jar for the browser tests. Every process started here is killed
// when the test process ends, whatever happens (test failure, exception, Ctrl-C).

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_DIR = path.resolve(E2E_DIR, '..');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');
/** The jar under test: target/roomcast.jar unless ROOMCAST_JAR names another. */
export const JAR = process.env.ROOMCAST_JAR || path.join(REPO_DIR, 'target', 'roomcast.jar');

const alive = new Set();
function killAll() {
  for (const child of alive) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killAll(); process.exit(130); });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export class RoomcastServer {
  /** `port` fixed so that a restart comes back on the same address; `env` adds ROOMCAST_* settings. */
  constructor({ port, env = {}, name = 'server' } = {}) {
    this.port = port;
    this.env = env;
    this.name = name;
    this.child = null;
    this.output = '';
    this.starts = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start({ timeoutMs = 30000 } = {}) {
    if (!this.port) this.port = await freePort();
    this.starts++;
    // The working directory is e2e/, which has no conf/config.json: built-in defaults, then the env.
    // The webroot is the work tree's, so UI edits are tested without rebuilding the jar.
    const child = spawn('java', ['-jar', JAR], {
      cwd: E2E_DIR,
      env: {
        ...process.env,
        ROOMCAST_HTTP_HOST: '127.0.0.1',
        ROOMCAST_HTTP_PORT: String(this.port),
        ROOMCAST_HTTP_WEBROOT: path.join(REPO_DIR, 'webroot'),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    alive.add(child);
    // Never keep the test process alive for the server's sake: if a test forgets to stop it, the
    // process still ends and the exit hook kills the server.
    child.unref();
    child.stdout.unref();
    child.stderr.unref();
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      alive.delete(child);
      this.output += `[roomcast e2e] server pid ${child.pid} exited: code ${code}, signal ${signal}\n`;
      resolve({ code, signal });
    }));
    child.exited = exited;
    await new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => finish(new Error(`server did not say "listening on" within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        err ? reject(err) : resolve();
      };
      const onData = (chunk) => {
        this.output += chunk.toString();
        if (/listening on/i.test(this.output.split('\n').slice(-20).join('\n'))) finish();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then(({ code, signal }) => finish(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n${this.output}`)));
    });
    return this;
  }

  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash) and waits until it is gone. */
  async stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await child.exited;
      clearTimeout(timer);
    }
    this.saveLog();
  }

  saveLog() {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(path.join(ARTIFACTS_DIR, `${this.name}.log`), this.output);
  }

  /** GET a path on the server; resolves with the status code (0 when unreachable). */
  async status(pathname) {
    try {
      const res = await fetch(this.url + pathname);
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }
}
