package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The ways a client can reach Roomcast. Scenario tests are parameterized over every constant (see
 * {@link AllTransports}), so a new transport is one constant here plus its {@link ChatClient}.
 */
public enum Transport {
  /** Native WebSocket at the ws path. */
  WS(WsClient::connect),
  /** SockJS xhr-polling at the sockjs path, spoken as raw HTTP (open, long poll, xhr_send). */
  SOCKJS(SockJsClient::connect);

  /** Opens a connection and completes once the welcome frame has arrived. */
  @FunctionalInterface
  public interface Connector {
    Future<? extends ChatClient> connect(Vertx vertx, int port, String nick);
  }

  private final Connector connector;

  Transport(Connector connector) {
    this.connector = connector;
  }

  /** Connects; {@code nick} (may be null) is asked for up front with {@code ?nick=}. */
  public Future<ChatClient> connect(Vertx vertx, int port, String nick) {
    return connector.connect(vertx, port, nick).map(c -> (ChatClient) c);
  }
}
