package io.roomcast.e2e.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** A native WebSocket at {@code /ws} through nginx. */
final class WsLink implements Link {
  private final WebSocketClient client;
  private final ClientWebSocket ws;
  /** The node nginx sent this link to; known once the upgrade is answered. */
  private String holder;
  private final Events events;
  private boolean over;
  private String closeReason;

  private WsLink(WebSocketClient client, ClientWebSocket ws, Events events) {
    this.client = client;
    this.ws = ws;
    this.events = events;
  }

  static Future<Link> open(Vertx vertx, int port, String nick, Events events) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setConnectTimeout(3_000)
        .setMaxFrameSize(16 * 1024 * 1024)
        .setMaxMessageSize(16 * 1024 * 1024));
    String uri = "/ws?nick=" + URLEncoder.encode(nick, StandardCharsets.UTF_8);
    // Handlers before the connect, or the welcome may be dropped (see support.WsClient).
    ClientWebSocket ws = client.webSocket();
    WsLink link = new WsLink(client, ws, events);
    ws.frameHandler(f -> events.onActivity());
    ws.textMessageHandler(events::onText);
    ws.exceptionHandler(e -> link.ended("error: " + e));
    ws.closeHandler(v -> link.ended("closed, code " + ws.closeStatusCode() + " " + ws.closeReason()));
    return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri).setTimeout(5_000))
        .map(w -> {
          link.holder = Link.lastUpstream(w.headers().get(Nginx.UPSTREAM_HEADER));
          return (Link) link;
        })
        .onFailure(e -> client.close());
  }

  @Override
  public String holder() {
    return holder;
  }

  @Override
  public Set<String> servedBy() {
    return Set.of(holder);
  }

  @Override
  public void send(String text) {
    if (!over) {
      ws.writeTextMessage(text);
    }
  }

  @Override
  public void close(String why) {
    if (closeReason == null) {
      closeReason = why;
    }
    ws.close().onComplete(ar -> ended(why));
    // A peer that does not answer the close handshake must not hold us up.
    client.close();
  }

  private void ended(String why) {
    if (over) {
      return;
    }
    over = true;
    client.close();
    events.onClosed(closeReason != null ? closeReason : why);
  }
}
