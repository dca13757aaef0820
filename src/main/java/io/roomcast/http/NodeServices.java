package io.roomcast.http;

import io.roomcast.config.RoomcastConfig;

/**
 * What the HTTP verticles of one node share: admission control, the refusal counters and the start
 * time. Thread-safe by construction (atomics and adders), because each verticle runs on its own event
 * loop.
 */
public record NodeServices(ConnectionGuard guard, Refusals refusals, long startedAt) {
  public static NodeServices create(RoomcastConfig config) {
    return new NodeServices(new ConnectionGuard(config), new Refusals(), System.currentTimeMillis());
  }
}
