package io.roomcast.http;

import io.roomcast.chat.ClusterView;
import io.roomcast.chat.LocalChat;
import io.roomcast.config.RoomcastConfig;

/**
 * What the HTTP verticles of one node share: admission control, the refusal counters, the start
 * time, the view of the cluster, the way to the chat verticle while it runs on this node, and in a cluster
 * the SockJS session directory. Thread-safe by
 * construction (atomics and adders), because each verticle runs on its own event loop.
 */
public record NodeServices(ConnectionGuard guard, Refusals refusals, long startedAt, ClusterView cluster,
    LocalChat localChat, SessionDirectory sockJsSessions) {
  /** A single node's services: no SockJS session is ever elsewhere. */
  public static NodeServices create(RoomcastConfig config) {
    return create(config, ClusterView.single(), new LocalChat(), null);
  }

  /** {@code sockJsSessions} null means no SockJS request forwarding. */
  public static NodeServices create(RoomcastConfig config, ClusterView cluster, LocalChat localChat,
      SessionDirectory sockJsSessions) {
    return new NodeServices(new ConnectionGuard(config), new Refusals(), System.currentTimeMillis(), cluster,
        localChat, sockJsSessions);
  }
}
