package io.roomcast.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.spi.transport.Transport;
import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A transport whose outgoing connections hold each flush back for a short while (the linger), so
 * that what a node sends another within that time leaves in one system call and wakes the other
 * node once. A clustered node's outgoing connections are its event bus links to the other nodes;
 * the HTTP server's connections are accepted, not opened, and are not touched.
 */
final class LingerTransport implements Transport {
  private final Transport delegate;
  private final long lingerNanos;

  LingerTransport(Transport delegate, long lingerMicros) {
    this.delegate = delegate;
    this.lingerNanos = TimeUnit.MICROSECONDS.toNanos(lingerMicros);
  }

  /** The transport underneath, if {@code t} is a lingering one. */
  static Transport unwrap(Transport t) {
    return t instanceof LingerTransport l ? l.delegate : t;
  }

  @Override
  public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
    ChannelFactory<? extends Channel> inner = delegate.channelFactory(domainSocket);
    return () -> {
      Channel ch = inner.newChannel();
      ch.pipeline().addFirst("roomcast-linger", new Linger(lingerNanos));
      return ch;
    };
  }

  /** Defers a flush by the linger; flushes asked for meanwhile ride along. */
  static final class Linger extends ChannelOutboundHandlerAdapter {
    private final long nanos;
    private ChannelHandlerContext ctx;
    private boolean scheduled;
    private final Runnable flushNow = () -> {
      scheduled = false;
      ctx.flush();
    };

    Linger(long nanos) {
      this.nanos = nanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      if (!scheduled) {
        scheduled = true;
        ctx.executor().schedule(flushNow, nanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
      ctx.flush();
      ctx.close(promise);
    }
  }

  @Override
  public boolean supportsDomainSockets() {
    return delegate.supportsDomainSockets();
  }

  @Override
  public boolean supportFileRegion() {
    return delegate.supportFileRegion();
  }

  @Override
  public boolean isAvailable() {
    return delegate.isAvailable();
  }

  @Override
  public Throwable unavailabilityCause() {
    return delegate.unavailabilityCause();
  }

  @Override
  public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
    return delegate.convert(address);
  }

  @Override
  public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
    return delegate.convert(address);
  }

  @Override
  public IoHandlerFactory ioHandlerFactory() {
    return delegate.ioHandlerFactory();
  }

  @Override
  public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory factory, int ioRatio) {
    return delegate.eventLoopGroup(type, threads, factory, ioRatio);
  }

  @Override
  public DatagramChannel datagramChannel(InternetProtocolFamily family) {
    return delegate.datagramChannel(family);
  }

  @Override
  public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
    return delegate.datagramChannelFactory();
  }

  @Override
  public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
    return delegate.serverChannelFactory(domainSocket);
  }

  @Override
  public void configure(DatagramChannel channel, DatagramSocketOptions options) {
    delegate.configure(channel, options);
  }

  @Override
  public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
    delegate.configure(config, domainSocket, bootstrap);
  }

  @Override
  public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
    delegate.configure(config, domainSocket, bootstrap);
  }
}
