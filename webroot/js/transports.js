// Transports carry protocol v1's JSON text frames, one frame per message, and nothing else: the
// native WebSocket to the ws path, or the SockJS client (loaded by a plain script tag from
// js/vendor/sockjs.min.js) to the SockJS path when WebSocket is missing, fails, or is refused by
// ?transport=sockjs / ?transport=xhr-polling.
//
// Every transport is an object { name, send(text), close() } created with handlers
// { onopen(), onmessage(text), onclose({code, reason, opened}) }; onclose fires exactly once.

/** How long an opening WebSocket may take before it counts as failed (a proxy that hangs the upgrade). */
const OPEN_TIMEOUT_MS = 8000;

/** The transport plan for this page: what to try first, what to fall back to, SockJS options. */
export function transportPlan(win = window) {
  const forced = new URLSearchParams(win.location.search).get('transport');
  const hasWebSocket = typeof win.WebSocket === 'function';
  const hasSockJs = typeof win.SockJS === 'function';
  const sockjsTransports = forced === 'xhr-polling' ? ['xhr-polling'] : undefined;
  let order;
  if (forced === 'sockjs' || forced === 'xhr-polling') {
    order = ['sockjs'];
  } else if (forced === 'websocket') {
    order = ['websocket'];
  } else {
    order = [hasWebSocket ? 'websocket' : null, hasSockJs ? 'sockjs' : null].filter(Boolean);
  }
  return { order: order.filter((t) => (t === 'websocket' ? hasWebSocket : hasSockJs)), sockjsTransports, forced };
}

export function wsUrl(path, loc = window.location) {
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + path;
}

export function openWebSocket(url, handlers) {
  const ws = new WebSocket(url);
  let opened = false;
  let done = false;
  const finish = (code, reason) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    handlers.onclose({ code, reason, opened });
  };
  const timer = setTimeout(() => {
    try { ws.close(); } catch { /* already closing */ }
    finish(4901, 'open timed out');
  }, OPEN_TIMEOUT_MS);
  ws.onopen = () => {
    opened = true;
    clearTimeout(timer);
    handlers.onopen();
  };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') handlers.onmessage(e.data);
  };
  ws.onclose = (e) => finish(e.code, e.reason);
  // onerror is always followed by onclose
  return {
    name: 'websocket',
    send: (text) => ws.readyState === WebSocket.OPEN && (ws.send(text), true),
    close: () => {
      try { ws.close(1000, 'bye'); } catch { /* ignore */ }
      finish(1000, 'closed by client');
    },
  };
}

export function openSockJs(url, sockjsTransports, handlers) {
  const sock = new window.SockJS(url, null, sockjsTransports ? { transports: sockjsTransports } : {});
  let opened = false;
  let done = false;
  const transport = {
    name: 'sockjs',
    send: (text) => sock.readyState === 1 && (sock.send(text), true),
    close: () => {
      try { sock.close(1000, 'bye'); } catch { /* ignore */ }
      finish(1000, 'closed by client');
    },
  };
  const finish = (code, reason) => {
    if (done) return;
    done = true;
    sock.onopen = sock.onmessage = sock.onclose = null;
    handlers.onclose({ code, reason, opened });
  };
  sock.onopen = () => {
    opened = true;
    // the SockJS sub-transport actually in use, e.g. "sockjs:xhr-polling"
    transport.name = 'sockjs:' + (sock.transport || 'unknown');
    handlers.onopen();
  };
  sock.onmessage = (e) => {
    if (typeof e.data === 'string') handlers.onmessage(e.data);
  };
  sock.onclose = (e) => finish(e.code, e.reason);
  return transport;
}
