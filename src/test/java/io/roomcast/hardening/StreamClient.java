package io.roomcast.hardening;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A lean WebSocket client for load-shaped tests (slow consumer, fuzz, soak): it keeps no log of what it
 * receives (each frame goes to a callback and is then dropped), so thousands of frames cost no heap in
 * the test JVM, and it can stop reading ({@link #pause()}) like a client that no longer drains its
 * socket. Frames arrive on the client's event loop; callbacks must not block.
 */
public final class StreamClient {
  /** Held for the client's lifetime: Vert.x 5 closes a client nothing references once GC runs. */
  private final WebSocketClient client;
  private final Promise<JsonObject> welcome = Promise.promise();
  private final Promise<Short> closed = Promise.promise();
  private final AtomicLong receivedChars = new AtomicLong();
  private volatile Consumer<JsonObject> onFrame = f -> { };
  private volatile String closeReason;
  private ClientWebSocket ws;

  private StreamClient(Vertx vertx) {
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(5_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
  }

  /** Connects to {@code /ws}, handing every frame after the welcome to {@code onFrame}. */
  public static Future<StreamClient> connect(Vertx vertx, int port, Consumer<JsonObject> onFrame) {
    return connect(vertx, port, "/ws", Map.of(), onFrame);
  }

  public static Future<StreamClient> connect(Vertx vertx, int port, String uri, Map<String, String> headers,
      Consumer<JsonObject> onFrame) {
    StreamClient c = new StreamClient(vertx);
    c.onFrame = onFrame;
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(options::addHeader);
    // Handlers before the connect, or the welcome may be dropped (see support.WsClient).
    ClientWebSocket ws = c.client.webSocket();
    c.ws = ws;
    ws.textMessageHandler(text -> {
      c.receivedChars.addAndGet(text.length());
      JsonObject f = new JsonObject(text);
      if (!c.welcome.future().isComplete()) {
        c.welcome.complete(f);
      } else {
        c.onFrame.accept(f);
      }
    });
    ws.closeHandler(v -> {
      c.closeReason = ws.closeReason();
      c.closed.tryComplete(ws.closeStatusCode());
    });
    return ws.connect(options)
        .compose(w -> c.welcome.future().timeout(5, java.util.concurrent.TimeUnit.SECONDS))
        .map(w -> c)
        .recover(e -> c.client.close().transform(ar -> Future.failedFuture(e)));
  }

  public JsonObject welcome() {
    return welcome.future().result();
  }

  public String nick() {
    return welcome().getString("nick");
  }

  public void send(JsonObject frame) {
    ws.writeFinalTextFrame(frame.encode());
  }

  public void sendText(String text) {
    ws.writeFinalTextFrame(text);
  }

  public void sendBinary(io.vertx.core.buffer.Buffer data) {
    ws.writeBinaryMessage(data);
  }

  /** Stops reading from the socket: frames pile up in the kernel buffers and then on the server. */
  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  /** Characters of text frames handled so far (the welcome included). */
  public long receivedChars() {
    return receivedChars.get();
  }

  public int localPort() {
    return ws.localAddress().port();
  }

  /** Completes with the close status code (1006 when the connection ended without a close frame). */
  public Future<Short> closeFuture() {
    return closed.future();
  }

  public String closeReason() {
    return closeReason;
  }

  public boolean isClosed() {
    return closed.future().isComplete();
  }

  /** Closes normally (if still open) and releases the client. */
  public Future<Void> close() {
    if (ws != null) {
      ws.resume(); // a paused client would never see the end of its close handshake
    }
    Future<Void> f = ws == null || isClosed() ? Future.succeededFuture()
        : ws.close().recover(e -> Future.succeededFuture()).timeout(5, java.util.concurrent.TimeUnit.SECONDS)
            .recover(e -> Future.succeededFuture());
    return f.eventually(client::close);
  }
}
