package io.roomcast.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;

/**
 * The Netty channel under a Vert.x connection, for what Vert.x has no public API for: writing shared
 * bytes without a flush per frame, reading how much output is queued, and dropping a connection
 * without waiting for its queued writes. Vert.x's server connections are {@code ConnectionBase}s.
 */
final class Channels {
  private Channels() {
  }

  /** The connection's channel, or null if Vert.x ever hands out another kind of connection. */
  static Channel of(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }

  /**
   * Drops the TCP socket at once. The close is started at the head of the pipeline so that Vert.x's
   * own handler does not turn it back into a graceful close (which would queue behind unread data).
   */
  static void abort(Channel channel) {
    ChannelHandlerContext first = channel.pipeline().firstContext();
    if (first != null) {
      first.close();
    } else {
      channel.close();
    }
  }

  /** The channel's peer as {@code address:port}, for logs. */
  static String remote(Channel channel) {
    return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(channel.remoteAddress());
  }
}
