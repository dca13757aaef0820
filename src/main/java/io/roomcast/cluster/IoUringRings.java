package io.roomcast.cluster;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.vertx.core.impl.transports.IoUringTransport;
import io.vertx.core.transport.Transport;

/**
 * Vert.x's io_uring transport with rings sized for fan-out. Netty's default submission ring holds
 * 128 entries: a broadcast to a bigger room fills it many times in one event-loop turn, and each
 * time Netty submits on the spot, in the middle of the turn. Measured with joins into rooms of 1000
 * (each join is a {@code joined} frame to every member), that cost half as much CPU again as epoll
 * per connection and made the kernel's completion queue overflow, which Netty reports with a warning
 * each time. With 4096 entries a turn's writes to up to 4096 sockets go in one submission at its
 * end, and the completion ring has room for two such turns.
 */
final class IoUringRings extends IoUringTransport {
  static final int SUBMISSIONS = 4096;

  /** The transport to hand to {@code Vertx.builder().withTransport(...)}. */
  static final Transport TRANSPORT = Cluster.withImplementation(Transport.IO_URING, IoUringRings::new);

  @Override
  public IoHandlerFactory ioHandlerFactory() {
    return IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
        .setRingSize(SUBMISSIONS).setCqSize(2 * SUBMISSIONS));
  }
}
