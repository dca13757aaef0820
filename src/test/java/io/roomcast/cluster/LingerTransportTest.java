package io.roomcast.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vertx.core.impl.transports.NioTransport;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a node sends another node waits for the linger, then leaves together and in order. */
class LingerTransportTest {
  private static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);

  @Test
  void flushesWithinTheLingerLeaveTogetherWhenItEnds() {
    EmbeddedChannel ch = frozen();
    ch.writeAndFlush(text("first"));
    ch.advanceTimeBy(500, TimeUnit.MICROSECONDS);
    ch.runScheduledPendingTasks();
    ch.writeAndFlush(text("second"));
    assertNull(ch.readOutbound(), "nothing leaves before the linger is over");

    ch.advanceTimeBy(500, TimeUnit.MICROSECONDS);
    ch.runScheduledPendingTasks();
    assertEquals("first", read(ch));
    assertEquals("second", read(ch));
    assertNull(ch.readOutbound());

    // The next flush starts a new linger.
    ch.writeAndFlush(text("third"));
    assertNull(ch.readOutbound());
    ch.advanceTimeBy(1000, TimeUnit.MICROSECONDS);
    ch.runScheduledPendingTasks();
    assertEquals("third", read(ch));
    ch.finishAndReleaseAll();
  }

  @Test
  void closingFlushesWhatWaits() {
    EmbeddedChannel ch = frozen();
    ch.writeAndFlush(text("last words"));
    assertNull(ch.readOutbound());
    ch.close();
    assertEquals("last words", read(ch));
    ch.finishAndReleaseAll();
  }

  @Test
  void onlyOpenedConnectionsLinger() {
    var nio = NioTransport.INSTANCE;
    LingerTransport t = new LingerTransport(nio, 1000);
    Channel opened = t.channelFactory(false).newChannel();
    Channel server = t.serverChannelFactory(false).newChannel();
    try {
      assertInstanceOf(LingerTransport.Linger.class, opened.pipeline().first());
      assertNull(server.pipeline().first(), "accepted connections flush at once");
    } finally {
      opened.unsafe().closeForcibly();
      server.unsafe().closeForcibly();
    }
    assertSame(nio, LingerTransport.unwrap(t));
    assertSame(nio, LingerTransport.unwrap(nio));
  }

  /**
   * A channel whose clock moves only when the test says so: an embedded channel's clock otherwise
   * runs on with real time, and a slow moment would let a flush go before the test's linger is over.
   */
  private static EmbeddedChannel frozen() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.freezeTime();
    ch.pipeline().addFirst(new LingerTransport.Linger(LINGER_NANOS));
    return ch;
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  private static String read(EmbeddedChannel ch) {
    ByteBuf b = ch.readOutbound();
    try {
      return b.toString(StandardCharsets.UTF_8);
    } finally {
      b.release();
    }
  }
}
