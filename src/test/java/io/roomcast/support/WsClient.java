package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link ChatClient} over a native WebSocket at {@code /ws}, with a few WebSocket-only extras. */
public final class WsClient extends TestClient {
  /** Held for the client's lifetime: Vert.x 5 closes a client nothing references once GC runs. */
  private final WebSocketClient client;
  private final AtomicInteger pings = new AtomicInteger();
  /** When the welcome and the first ping arrived ({@link System#nanoTime}, 0 until then). */
  private volatile long welcomedAt;
  private volatile long firstPingAt;
  private ClientWebSocket ws;

  private WsClient(Vertx vertx) {
    super(vertx, Transport.WS);
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setConnectTimeout(5_000)
        .setMaxFrameSize(16 * 1024 * 1024)
        .setMaxMessageSize(16 * 1024 * 1024));
  }

  /** Connects to {@code /ws} (with {@code ?nick=} when {@code nick} is not null) and waits for the welcome. */
  public static Future<WsClient> connect(Vertx vertx, int port, String nick) {
    WsClient c = new WsClient(vertx);
    String uri = nick == null ? "/ws" : "/ws?nick=" + URLEncoder.encode(nick, StandardCharsets.UTF_8);
    // Handlers go on before the connect: Vert.x resumes the WebSocket that WebSocketClient.connect
    // returns before its caller can set handlers, and now and then drops a first frame (the welcome).
    ClientWebSocket ws = c.client.webSocket();
    ws.frameHandler(frame -> {
      if (frame.type() == WebSocketFrameType.PING && c.pings.incrementAndGet() == 1) {
        c.firstPingAt = System.nanoTime();
      }
    });
    ws.textMessageHandler(c::onText);
    ws.closeHandler(v -> c.onClosed(ws.closeStatusCode() == null ? null : (int) ws.closeStatusCode()));
    c.ws = ws;
    return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .compose(w -> c.whenWelcomed(DEFAULT_TIMEOUT_MS))
        .map(x -> {
          c.welcomedAt = System.nanoTime();
          return c;
        });
  }

  @Override
  protected void write(String text) {
    ws.writeFinalTextFrame(text);
  }

  @Override
  protected Future<Void> closeTransport() {
    return ws.close().eventually(client::close);
  }

  /** Sends a binary message (the protocol only accepts text). */
  public Future<Void> sendBinary(Buffer data) {
    return ws.writeBinaryMessage(data);
  }

  /** Sends one raw WebSocket frame, for frame-size and fragmentation tests. */
  public Future<Void> sendFrame(WebSocketFrame frame) {
    return ws.writeFrame(frame);
  }

  /** Milliseconds from the welcome to the first ping, or -1 before the first ping. */
  public long firstPingAfterMs() {
    return firstPingAt == 0 ? -1 : (firstPingAt - welcomedAt) / 1_000_000;
  }

  /** How many pings the server has sent (Vert.x answers each with a pong by itself). */
  public int pingsReceived() {
    return pings.get();
  }
}
