/**
 * Test support: a protocol-v1 client that does not care how frames travel, and a per-test node.
 *
 * <ul>
 *   <li>{@link io.roomcast.support.ChatClient} is what scenario tests talk to: {@code send},
 *       {@code request} (the ack or error with the same id), {@code next}/{@code await} (take the oldest
 *       matching frame, waiting if needed), {@code assertNothing} (a bounded negative check) and
 *       {@code closeFuture} (the close code).</li>
 *   <li>{@link io.roomcast.support.TestClient} implements all of that over a frame queue;
 *       {@link io.roomcast.support.WsClient} adds the native WebSocket and
 *       {@link io.roomcast.support.SockJsClient} SockJS xhr-polling as raw HTTP (open, long poll,
 *       xhr_send).</li>
 *   <li>{@link io.roomcast.support.Transport} lists the transports; scenario tests are annotated
 *       {@link io.roomcast.support.AllTransports} and so run once per constant.</li>
 *   <li>{@link io.roomcast.support.RoomcastTestBase} deploys a fresh node on port 0 for every test;
 *       {@link io.roomcast.support.ServerConfig} changes its settings per class or per test.</li>
 * </ul>
 *
 * <p>Adding a transport (as SockJsClient did): write a {@code TestClient}
 * subclass whose static {@code connect(Vertx, int port, String nick)} opens the session, feeds each
 * server frame to {@code onText}, reports the end with {@code onClosed(code)}, implements
 * {@code write} and {@code closeTransport}, and returns {@code whenWelcomed(…)}; then add one constant
 * to {@code Transport}. WebSocket-only behaviour (binary frames, ping/pong, frame sizes) lives in
 * {@code WebSocketTransportTest} and SockJS-only behaviour (its heartbeats, session timeout and close
 * frames) in {@code SockJsTransportTest}; neither is parameterized. {@code MixedTransportTest} puts
 * clients of both transports in one room.
 *
 * <p>SockJS clients end their session by cutting their pending poll, and the test node's
 * {@code sockjs.sessionTimeoutMs} is short ({@link io.roomcast.support.TestServer}), so closing one
 * is about as quick as closing a WebSocket; {@code close()} returns once the server has dropped the
 * session.
 */
package io.roomcast.support;
