package io.roomcast.http;

import io.roomcast.protocol.EncodedFrame;

/**
 * One client connection as the protocol sees it, whatever carries it (a WebSocket at {@code /ws}, or
 * a SockJS session). Every transport feeds the same {@link ClientSession}.
 */
public interface Transport {
  /** Writes one text frame; the bytes are shared with other recipients and must not be modified. */
  void send(EncodedFrame frame);

  /**
   * Writes one frame of a room broadcast: the same frame goes to every member, so a transport may
   * write a form of it encoded once for all.
   */
  default void broadcast(EncodedFrame frame) {
    send(frame);
  }

  /** Bytes written but not yet handed to the network (the client is not reading fast enough). */
  long queuedBytes();

  /** Sends a transport-level heartbeat, if the transport has one of its own to send. */
  void ping();

  /**
   * True when the transport ends dead sessions by itself (SockJS session timeouts), so the idle
   * timeout must not close a client that is merely quiet.
   */
  default boolean ownLiveness() {
    return false;
  }

  /** Closes with a close code and reason (WebSocket semantics). */
  void close(int code, String reason);

  /** The client's address, for logs. */
  String remoteAddress();
}
