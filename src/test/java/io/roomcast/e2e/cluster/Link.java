package io.roomcast.e2e.cluster;

import java.util.Set;

/**
 * One connection of a {@link RoomClient} through the load balancer: a WebSocket ({@link WsLink}) or a
 * SockJS xhr-polling session ({@link XhrPollingLink}). Every method is called on the client's event
 * loop, and every {@link Events} callback runs there.
 */
interface Link {
  /** What a link reports to its client. */
  interface Events {
    /** One protocol frame (a text message) from the server. */
    void onText(String text);

    /** Anything at all arrived (also pings and SockJS heartbeats): the connection is alive. */
    void onActivity();

    /** The connection is over (reported once, whoever ended it). */
    void onClosed(String why);

    /** Something went wrong that the link got over by itself (such as one failed poll, retried). */
    void onTrouble(String what);
  }

  /** The node ({@code host:port}) that holds this connection, as nginx reported it when it was opened. */
  String holder();

  /** Every node that answered one of this link's HTTP requests with 2xx (just the holder for a WebSocket). */
  Set<String> servedBy();

  /** Sends one protocol frame. */
  void send(String text);

  /** Ends the connection; {@link Events#onClosed} follows with {@code why}. */
  void close(String why);

  /** The node that answered, from nginx's {@code $upstream_addr} ("a, b" when b was tried after a). */
  static String lastUpstream(String header) {
    if (header == null || header.isBlank()) {
      return "?";
    }
    String[] tried = header.split("\\s*,\\s*|\\s+:\\s+");
    return tried[tried.length - 1].trim();
  }
}
