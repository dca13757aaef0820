package io.roomcast.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The clients of the {@code connections} scenario: protocol v1 on a minimal WebSocket client written
 * on Netty ({@link LeanConnection}), so that opening a connection costs the bench a small part of
 * what it costs the server, and the rate measured is the server's. With Vert.x's WebSocket client
 * the bench spent more CPU per connection than the server and was the limit.
 *
 * <p>On loopback, connections spread over the source addresses 127.0.0.1 to 127.0.0.16: from one
 * address the kernel's search for a free ephemeral port in {@code connect()} grows with the
 * connections open and in TIME_WAIT, and at 19,000 connections it was the bench's largest cost. The
 * server then sees 16 client addresses. Only the main thread calls it.
 */
final class LeanFleet implements AutoCloseable {
  private static final int LOOPBACK_SOURCES = 16;
  /** Set on a channel the bench is closing: its end is not a lost connection. */
  static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("roomcast.bench.closing");

  private final EventLoopGroup group;
  private final Class<? extends Channel> channelType;
  private final List<URI> urls;
  private final SslContext tls;
  /** Every connection that completed its join, to close at the end. */
  private final Queue<Channel> joined = new ConcurrentLinkedQueue<>();
  private final AtomicLong lost = new AtomicLong();
  private int nextSource;

  LeanFleet(List<URI> urls, int threads) {
    this.urls = urls;
    boolean epoll = Epoll.isAvailable();
    group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    try {
      tls = urls.stream().anyMatch(u -> u.getScheme().equals("wss"))
          ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build() : null;
    } catch (SSLException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw BenchException.failed("cannot set up TLS: " + e.getMessage());
    }
  }

  /**
   * Opens {@code n} connections, connection i joining room i / {@code members} (named
   * {@code roomPrefix} + room), at most {@code concurrency} at a time; returns once every one has
   * its join ack. Throws a one-line failure on the first connection that fails.
   */
  void connectAll(int n, int members, String roomPrefix, int concurrency, long timeoutMs) {
    Semaphore slots = new Semaphore(concurrency);
    AtomicReference<String> failure = new AtomicReference<>();
    AtomicLong done = new AtomicLong();
    for (int i = 0; i < n && failure.get() == null; i++) {
      acquire(slots, 1, timeoutMs * 2, "open connection " + (i + 1) + " of " + n);
      int index = i;
      URI url = urls.get(i % urls.size());
      LeanConnection c = new LeanConnection(url, roomPrefix + (i / members), timeoutMs, lost);
      open(url, c).addListener(f -> {
        if (!f.isSuccess()) {
          c.fail(f.cause());
        }
      });
      c.joined().whenComplete((ch, e) -> {
        if (e != null) {
          failure.compareAndSet(null, Fleet.failedConnection(index, done.get(), n, url, Fleet.reason(e)));
        } else {
          joined.add(ch);
          done.incrementAndGet();
        }
        slots.release();
      });
    }
    acquire(slots, concurrency, timeoutMs * 2, "finish opening " + n + " connections");
    if (failure.get() != null) {
      throw BenchException.failed(failure.get());
    }
  }

  /** Connections the server closed after their join. */
  long lost() {
    return lost.get();
  }

  private ChannelFuture open(URI url, LeanConnection c) {
    String host = url.getHost();
    boolean secure = url.getScheme().equals("wss");
    int port = url.getPort() > 0 ? url.getPort() : secure ? 443 : 80;
    Bootstrap b = new Bootstrap().group(group).channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) c.timeoutMs())
        .handler(c.initializer(secure ? tls : null, host, port));
    InetSocketAddress remote = new InetSocketAddress(host, port);
    if (remote.getAddress() != null && remote.getAddress().isLoopbackAddress() && host.startsWith("127.")) {
      int source = 1 + nextSource++ % LOOPBACK_SOURCES;
      return b.connect(remote, new InetSocketAddress("127.0.0." + source, 0));
    }
    return b.connect(remote);
  }

  private static void acquire(Semaphore s, int permits, long timeoutMs, String what) {
    try {
      if (!s.tryAcquire(permits, timeoutMs, TimeUnit.MILLISECONDS)) {
        throw BenchException.failed("could not " + what + " within " + timeoutMs + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BenchException.failed("interrupted while waiting to " + what);
    }
  }

  /**
   * Closes every connection with a normal WebSocket close, so the server ends the TCP connection
   * (and keeps its TIME_WAIT), then the event loops; a connection not closed within 5 s is dropped.
   */
  @Override
  public void close() {
    for (Channel ch : joined) {
      ch.attr(CLOSING).set(Boolean.TRUE);
      ch.writeAndFlush(LeanConnection.closeFrame());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Channel ch : joined) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!ch.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        ch.close();
      }
    }
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
