// The connection to the Roomcast server: picks a transport (see transports.js), reconnects by itself
// with capped, jittered exponential backoff, matches replies to requests by id, and pings the server
// so that a dead connection is noticed. It knows protocol v1's envelope (welcome, ack, error, id) but
// nothing about rooms: after every (re)connect it awaits the `setup` callback (the UI re-applies its
// nick and rejoins its rooms there) before it reports "connected".
//
// States: "connecting" (first attempt), "connected", "reconnecting" (after a drop or a failed
// attempt, retrying), "offline" (the browser is offline, no usable transport, or stopped).
//
// Events (EventTarget, detail in e.detail): "state" {state, transport, retryInMs, attempt},
// "frame" (every server frame that is not the reply to a request), "welcome" (the welcome frame).

import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { openSockJs, openWebSocket, transportPlan, wsUrl } from './transports.js';

/** A refused request: the server's error frame (code, message), or a local code such as "disconnected". */
export class RequestError extends Error {
  constructor(code, message, frame = null) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.frame = frame;
  }
}

const WELCOME_TIMEOUT_MS = 10000;
const PING_TIMEOUT_MS = 10000;
/** A session that lived at least this long resets the backoff. */
const STABLE_MS = 5000;
const WS_FAILS_BEFORE_FALLBACK = 3;

export class Connection extends EventTarget {
  constructor({
    wsPath = '/ws',
    sockjsPath = '/sockjs',
    plan = transportPlan(),
    backoff = DEFAULT_BACKOFF,
    requestTimeoutMs = 15000,
    setup = async () => {},
  } = {}) {
    super();
    this.wsPath = wsPath;
    this.sockjsPath = sockjsPath;
    this.plan = plan;
    this.backoff = backoff;
    this.requestTimeoutMs = requestTimeoutMs;
    this.setup = setup;
    this.state = 'offline';
    this.transport = null; // name of the open transport, e.g. "websocket" or "sockjs:xhr-polling"
    this.welcome = null;
    this.attempt = 0;
    this.preferred = plan.order[0] || null;
    this._current = null; // the transport object of the live attempt
    this._gen = 0; // bumps on every attempt; callbacks of an older attempt are ignored
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, timer}
    this._retryTimer = null;
    this._pingTimer = null;
    this._welcomeTimer = null;
    this._connectedAt = 0;
    this._stopped = true;
    this._everConnected = false;
    this._wsEverOpened = false;
    this._wsFails = 0; // WebSocket opens that failed in a row
    this._openKind = null; // the kind of transport of the live attempt once it opened
    // Back online: retry now rather than at the end of the backoff.
    this._onOnline = () => {
      if (!this._stopped && (this.state === 'offline' || this.state === 'reconnecting') && !this._current) this._connect();
    };
    // Gone offline: a socket may look open but be dead; a quick ping tells.
    this._onOffline = () => {
      if (!this.sessionOpen) return;
      const current = this._current;
      this.request({ type: 'ping' }, { timeoutMs: 5000 }).catch((e) => {
        if (e.code === 'timeout' && this._current === current) current.close();
      });
    };
  }

  start() {
    if (!this._stopped) return;
    this._stopped = false;
    window.addEventListener('online', this._onOnline);
    window.addEventListener('offline', this._onOffline);
    this._connect();
  }

  stop() {
    this._stopped = true;
    window.removeEventListener('online', this._onOnline);
    window.removeEventListener('offline', this._onOffline);
    clearTimeout(this._retryTimer);
    this._drop('stopped');
    this._setState('offline');
  }

  /** True from the welcome on (requests can be sent), also while `setup` is still running. */
  get sessionOpen() {
    return !!this._current && !!this.welcome;
  }

  /** Sends a frame with a fresh id; resolves with the ack, rejects with a RequestError. */
  request(frame, { timeoutMs = this.requestTimeoutMs } = {}) {
    if (!this._current || !this.welcome) {
      return Promise.reject(new RequestError('disconnected', 'not connected'));
    }
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new RequestError('timeout', `no reply to ${frame.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      if (!this._current.send(JSON.stringify({ ...frame, id }))) {
        clearTimeout(timer);
        this._pending.delete(id);
        reject(new RequestError('disconnected', 'not connected'));
      }
    });
  }

  /** Sends a frame without id (no ack wanted); false when not connected. */
  notify(frame) {
    return this.state === 'connected' && !!this._current && this._current.send(JSON.stringify(frame));
  }

  // --- internals ---------------------------------------------------------------------------------

  _setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', {
      detail: { state, transport: this.transport, attempt: this.attempt, ...extra },
    }));
  }

  _order() {
    const order = [...this.plan.order];
    const i = order.indexOf(this.preferred);
    if (i > 0) order.unshift(...order.splice(i, 1));
    return order;
  }

  _connect() {
    clearTimeout(this._retryTimer);
    if (this._stopped) return;
    if (navigator.onLine === false) {
      this._setState('offline', { reason: 'browser offline' });
      return;
    }
    const order = this._order();
    if (order.length === 0) {
      this._setState('offline', { reason: 'no usable transport (WebSocket and SockJS both missing)' });
      return;
    }
    this._setState(this._everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    this._try(order, 0);
  }

  /**
   * Opens order[i]; if it fails before opening, goes on to order[i + 1] at once, then backs off.
   * A page whose WebSocket has worked before only falls back after WS_FAILS_BEFORE_FALLBACK
   * attempts in a row could not open it: one failed open then most likely means the server is down.
   */
  _try(order, i) {
    const gen = ++this._gen;
    const kind = order[i];
    const handlers = {
      onopen: () => {
        if (gen !== this._gen) return;
        this._openKind = kind;
        this._welcomeTimer = setTimeout(() => {
          if (gen === this._gen) this._current && this._current.close();
        }, WELCOME_TIMEOUT_MS);
      },
      onmessage: (text) => {
        if (gen === this._gen) this._onText(text, gen);
      },
      onclose: ({ opened }) => {
        if (gen !== this._gen) return;
        this._current = null;
        if (!opened && kind === 'websocket') this._wsFails++;
        const fallBack = !opened && i + 1 < order.length
          && (kind !== 'websocket' || !this._wsEverOpened || this._wsFails >= WS_FAILS_BEFORE_FALLBACK);
        if (fallBack) {
          this._try(order, i + 1); // e.g. WebSocket refused by a proxy: try SockJS now
          return;
        }
        this._afterClose();
      },
    };
    this._current = kind === 'websocket'
      ? openWebSocket(wsUrl(this.wsPath), handlers)
      : openSockJs(this.sockjsPath, this.plan.sockjsTransports, handlers);
  }

  _onText(text, gen) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      console.warn('roomcast: ignoring a frame that is not JSON', text);
      return;
    }
    if (frame === null || typeof frame !== 'object') return;
    if (frame.type === 'welcome' && !this.welcome) {
      this._onWelcome(frame, gen);
      return;
    }
    if ((frame.type === 'ack' || frame.type === 'error') && frame.id != null && this._pending.has(frame.id)) {
      const p = this._pending.get(frame.id);
      this._pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.type === 'ack') p.resolve(frame);
      else p.reject(new RequestError(frame.code, frame.message, frame));
      return;
    }
    this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
  }

  async _onWelcome(welcome, gen) {
    clearTimeout(this._welcomeTimer);
    this.welcome = welcome;
    this.transport = this._current ? this._current.name : null;
    // A session was established (the transport opened AND the server welcomed us, so a refusal such
    // as 4429 does not count). Stay on SockJS only where WebSocket never worked.
    if (this._openKind === 'websocket') {
      this._wsEverOpened = true;
      this._wsFails = 0;
    }
    if (this._openKind === 'websocket' || !this._wsEverOpened) this.preferred = this._openKind;
    this.dispatchEvent(new CustomEvent('welcome', { detail: welcome }));
    this._startPings(welcome.heartbeatMs, gen);
    try {
      await this.setup(welcome);
    } catch (e) {
      console.warn('roomcast: session setup failed', e);
    }
    if (gen !== this._gen || !this._current) return; // dropped during setup
    this._everConnected = true;
    this._connectedAt = Date.now();
    this._setState('connected');
  }

  _startPings(heartbeatMs, gen) {
    clearInterval(this._pingTimer);
    const every = Math.max(5000, Number(heartbeatMs) || 25000);
    this._pingTimer = setInterval(() => {
      if (gen !== this._gen || !this._current) return;
      this.request({ type: 'ping' }, { timeoutMs: PING_TIMEOUT_MS }).catch((e) => {
        if (e.code === 'timeout' && gen === this._gen && this._current) {
          console.warn('roomcast: no reply to ping, reconnecting');
          this._current.close();
        }
      });
    }, every);
  }

  /** Forgets the live session: rejects pending requests, stops timers, closes the transport. */
  _drop(reason) {
    this._gen++;
    clearInterval(this._pingTimer);
    clearTimeout(this._welcomeTimer);
    const current = this._current;
    this._current = null;
    this.welcome = null;
    this.transport = null;
    for (const [, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError('disconnected', reason));
    }
    this._pending.clear();
    if (current) current.close();
  }

  _afterClose() {
    const lived = this._connectedAt ? Date.now() - this._connectedAt : 0;
    this._connectedAt = 0;
    this._drop('connection closed');
    if (this._stopped) {
      this._setState('offline');
      return;
    }
    if (lived >= STABLE_MS) this.attempt = 0;
    this.attempt++;
    if (navigator.onLine === false) {
      this._setState('offline', { reason: 'browser offline' });
      return;
    }
    const delay = backoffDelay(this.attempt, this.backoff);
    this._setState('reconnecting', { retryInMs: delay });
    this._retryTimer = setTimeout(() => this._connect(), delay);
  }
}
