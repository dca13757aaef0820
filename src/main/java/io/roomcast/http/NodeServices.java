package io.roomcast.http;

import io.roomcast.config.RoomcastConfig;

/**
 * What the HTTP verticles of one node share: admission control, the refusal counters and the start
 * time, and in a cluster the SockJS session directory. Thread-safe by construction (atomics and adders), because each verticle runs on its own event
 * loop.
 */
public record NodeServices(ConnectionGuard guard, Refusals refusals, long startedAt, SessionDirectory sockJsSessions) {
  /** A single node's services: no SockJS session is ever elsewhere. */
  public static NodeServices create(RoomcastConfig config) {
    return create(config, null);
  }

  /** {@code sockJsSessions} null means single node (no SockJS request forwarding). */
  public static NodeServices create(RoomcastConfig config, SessionDirectory sockJsSessions) {
    return new NodeServices(new ConnectionGuard(config), new Refusals(), System.currentTimeMillis(), sockJsSessions);
  }
}
