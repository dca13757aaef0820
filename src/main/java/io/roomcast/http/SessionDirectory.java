package io.roomcast.http;

import io.vertx.core.Future;

/**
 * Which node holds each SockJS session, cluster-wide. vertx-web keeps a SockJS session in the memory
 * of the node that opened it, but behind a round-robin load balancer the session's later HTTP
 * requests (polls, sends) land on any node; those are forwarded to the holder found here. Addresses
 * are the holder's HTTP {@code host:port}.
 */
public interface SessionDirectory {
  /**
   * Records this node as the holder of {@code session} unless a live node already holds it. Succeeds
   * with null when this node now holds it, or with the live holder's address.
   */
  Future<String> claim(String session);

  /** The address of the live node holding {@code session}, or null when no live node does. */
  Future<String> lookup(String session);

  /** Forgets a session this node held (it closed). */
  void release(String session);

  /** This node's own address, as other nodes reach it. */
  String self();
}
