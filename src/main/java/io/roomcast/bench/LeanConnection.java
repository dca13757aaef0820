package io.roomcast.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection of {@link LeanFleet}: the HTTP upgrade, then WebSocket frames parsed by hand (a
 * server's frames are unmasked: a 2-byte header, and a 2- or 8-byte length when long). It waits for
 * the welcome, sends its join (masked with a zero key, as a client must mask) and completes
 * {@link #joined()} on the join's ack; later frames are read and dropped, pings answered.
 */
final class LeanConnection extends ChannelInboundHandlerAdapter {
  private static final int UPGRADING = 0;
  private static final int WELCOMING = 1;
  private static final int JOINING = 2;
  private static final int JOINED = 3;
  private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

  private final URI url;
  private final String room;
  private final long timeoutMs;
  private final AtomicLong lost;
  private final CompletableFuture<Channel> joined = new CompletableFuture<>();
  private ByteBuf in;
  private String hostHeader;
  private int state = UPGRADING;
  private ScheduledFuture<?> timer;

  LeanConnection(URI url, String room, long timeoutMs, AtomicLong lost) {
    this.url = url;
    this.room = room;
    this.timeoutMs = timeoutMs;
    this.lost = lost;
  }

  /** Completes with the channel once the join is acknowledged; fails on anything else. */
  CompletableFuture<Channel> joined() {
    return joined;
  }

  long timeoutMs() {
    return timeoutMs;
  }

  void fail(Throwable e) {
    joined.completeExceptionally(e);
  }

  ChannelInitializer<Channel> initializer(SslContext tls, String host, int port) {
    hostHeader = host + ":" + port;
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        if (tls != null) {
          ch.pipeline().addLast(tls.newHandler(ch.alloc(), host, port));
        }
        ch.pipeline().addLast(LeanConnection.this);
      }
    };
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timer = ctx.executor().schedule(() -> {
      if (joined.completeExceptionally(new IllegalStateException("no welcome and join ack within " + timeoutMs + " ms"))) {
        ctx.close();
      }
    }, timeoutMs, TimeUnit.MILLISECONDS);
    in = ctx.alloc().buffer(1024);
    String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    ctx.writeAndFlush(Unpooled.wrappedBuffer(request.getBytes(US_ASCII)));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf b = (ByteBuf) msg;
    try {
      in.writeBytes(b);
    } finally {
      b.release();
    }
    if (state == UPGRADING && !upgrade(ctx)) {
      return;
    }
    while (frame(ctx)) {
      // every complete frame in the buffer
    }
    in.discardReadBytes();
  }

  /** Reads the upgrade's answer; false while it is incomplete (or refused: the connection is closed). */
  private boolean upgrade(ChannelHandlerContext ctx) {
    int end = FrameScan.indexOf(BufferInternal.buffer(in.slice()), HEAD_END, 0);
    if (end < 0) {
      return false;
    }
    String head = in.toString(in.readerIndex(), end, US_ASCII);
    in.skipBytes(end + HEAD_END.length);
    if (!head.startsWith("HTTP/1.1 101")) {
      int eol = head.indexOf('\r');
      String status = eol < 0 ? head : head.substring(0, eol);
      boolean caps = status.contains(" 429") || status.contains(" 503");
      failAndClose(ctx, "upgrade refused: " + status + (caps ? Fleet.CAPS_HINT : ""));
      return false;
    }
    state = WELCOMING;
    return true;
  }

  /** Handles one complete frame from the buffer; false when none is complete. */
  private boolean frame(ChannelHandlerContext ctx) {
    int start = in.readerIndex();
    if (in.readableBytes() < 2) {
      return false;
    }
    int opcode = in.getByte(start) & 0x0F;
    int len = in.getByte(start + 1) & 0x7F;
    int header = 2;
    if (len == 126) {
      header = 4;
      len = in.readableBytes() < header ? -1 : in.getUnsignedShort(start + 2);
    } else if (len == 127) {
      header = 10;
      len = in.readableBytes() < header ? -1 : (int) in.getLong(start + 2);
    }
    if (len < 0 || in.readableBytes() < header + len) {
      return false;
    }
    int payload = start + header;
    in.readerIndex(payload + len);
    if (opcode == 0x1) {
      onText(ctx, BufferInternal.buffer(in.slice(payload, len)));
    } else if (opcode == 0x9) {
      ctx.writeAndFlush(clientFrame(0x8A, in.slice(payload, len))); // pong with the ping's data
    } else if (opcode == 0x8) {
      ctx.close();
    }
    return true;
  }

  /** The welcome, then the join's answer: the only request this client sends, so any ack or error with an id. */
  private void onText(ChannelHandlerContext ctx, Buffer frame) {
    int type = FrameScan.type(frame);
    if (state == WELCOMING && type == FrameScan.WELCOME) {
      state = JOINING;
      String join = "{\"type\":\"join\",\"id\":\"j\",\"room\":\"" + room + "\"}";
      ctx.writeAndFlush(clientFrame(0x81, Unpooled.wrappedBuffer(join.getBytes(UTF_8))));
    } else if (state == JOINING && type == FrameScan.ACK && FrameScan.hasId(frame)) {
      state = JOINED;
      timer.cancel(false);
      joined.complete(ctx.channel());
    } else if (state == JOINING && type == FrameScan.ERROR && FrameScan.hasId(frame)) {
      failAndClose(ctx, "server refused the join: " + frame);
    }
  }

  /** A client frame: FIN and opcode, the mask bit, a zero mask key (so the payload is as is). */
  private static ByteBuf clientFrame(int finAndOpcode, ByteBuf payload) {
    int len = payload.readableBytes();
    ByteBuf f = Unpooled.buffer(len + 14);
    f.writeByte(finAndOpcode);
    if (len < 126) {
      f.writeByte(0x80 | len);
    } else if (len <= 0xFFFF) {
      f.writeByte(0x80 | 126).writeShort(len);
    } else {
      f.writeByte(0x80 | 127).writeLong(len);
    }
    return f.writeInt(0).writeBytes(payload);
  }

  /** A normal close (1000), as the bench ends the run. */
  static ByteBuf closeFrame() {
    return clientFrame(0x88, Unpooled.buffer(2).writeShort(1000));
  }

  private void failAndClose(ChannelHandlerContext ctx, String why) {
    joined.completeExceptionally(new IllegalStateException(why));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false);
    }
    if (in != null) {
      in.release();
      in = null;
    }
    if (state == JOINED && !closing(ctx.channel())) {
      lost.incrementAndGet();
    }
    joined.completeExceptionally(new IllegalStateException("closed by the server"));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failAndClose(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
  }

  private static boolean closing(Channel ch) {
    return Boolean.TRUE.equals(ch.attr(LeanFleet.CLOSING).get());
  }
}
