package io.roomcast.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.internal.ContextInternal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link Transport} over a native WebSocket at the ws path: the Netty handler behind the frame codec
 * that {@link WebSocketUpgrade} installs. It reassembles messages, answers pings and the close
 * handshake, and hands the chat's frames, encoded once, to its {@link FrameWriter}. All of it runs on
 * the channel's event loop.
 */
final class WebSocketTransport extends ChannelInboundHandlerAdapter implements Transport {
  /**
   * How long a close we started may wait for the peer's close frame. Ours queues behind whatever the
   * peer has not read: a peer that never reads again (a slow consumer, a vanished host) would
   * otherwise keep its connection, slot and room memberships until the TCP stack gives up.
   */
  static final long FORCE_CLOSE_AFTER_MS = 5_000;
  private static final byte[] PING = {(byte) 0x89, 0};
  private final Channel channel;
  /** The gateway's context, entered for the session's work (see {@link Gateway#context()}). */
  private final ContextInternal context;
  private final FrameWriter writer;
  private final int maxMessageBytes;
  private ClientSession session;
  private boolean closeStarted;
  private ScheduledFuture<?> forceClose;
  /** The fragments of the message being received (null between messages). */
  private ByteBuf message;
  private boolean messageIsText;

  WebSocketTransport(Channel channel, Gateway gateway, int maxMessageBytes) {
    this.channel = channel;
    this.context = gateway.context();
    this.writer = new FrameWriter(channel, gateway.flusher());
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Feeds the socket's input to the session. */
  void bind(ClientSession session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ContextInternal previous = context.beginDispatch();
    try {
      if (msg instanceof WebSocketFrame frame && session != null) {
        onFrame(ctx, frame);
      }
      // Anything else is what is left of the upgrade request (its empty last content).
    } finally {
      context.endDispatch(previous);
      ReferenceCountUtil.release(msg);
    }
  }

  /** Netty's decoder has already refused out-of-sequence fragments (1002) and over-long frames (1009). */
  private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
        || frame instanceof ContinuationWebSocketFrame) {
      onData(frame);
    } else if (frame instanceof PingWebSocketFrame) {
      session.touch();
      if (!closeStarted) {
        writer.writeAndFlush(ctx, new PongWebSocketFrame(frame.content().retain()));
      }
    } else if (frame instanceof PongWebSocketFrame) {
      session.touch();
    } else if (frame instanceof CloseWebSocketFrame close) {
      onCloseFrame(ctx, close);
    }
  }

  private void onData(WebSocketFrame frame) {
    ByteBuf data = frame.content();
    if (!(frame instanceof ContinuationWebSocketFrame)) {
      if (frame.isFinalFragment()) { // the usual case: a whole message in one frame
        deliver(frame instanceof TextWebSocketFrame, data);
        return;
      }
      message = Unpooled.buffer(data.readableBytes());
      messageIsText = frame instanceof TextWebSocketFrame;
    } else if (message == null) {
      return;
    }
    if (message.readableBytes() + data.readableBytes() > maxMessageBytes) {
      message = null;
      close(1009, "message too big");
      return;
    }
    message.writeBytes(data);
    if (frame.isFinalFragment()) {
      ByteBuf complete = message;
      message = null;
      deliver(messageIsText, complete);
    }
  }

  /** Invalid UTF-8 becomes U+FFFD, as docs/PROTOCOL.md states, rather than a 1007 close. */
  private void deliver(boolean text, ByteBuf data) {
    if (text) {
      session.onText(data.toString(StandardCharsets.UTF_8));
    } else {
      session.onBinary();
    }
  }

  /** The peer's close: the answer to ours (so the TCP connection ends), or its own, which we echo. */
  private void onCloseFrame(ChannelHandlerContext ctx, CloseWebSocketFrame close) {
    if (closeStarted) {
      channel.close();
      return;
    }
    int code = close.statusCode();
    closeNow(ctx, code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, null));
  }

  /** Writes a last close frame, after everything written before it, and ends the TCP connection. */
  private void closeNow(ChannelHandlerContext ctx, CloseWebSocketFrame close) {
    closeStarted = true;
    writer.writeAndFlush(ctx, close).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeStarted = true; // nothing more is written
    if (forceClose != null) {
      forceClose.cancel(false);
    }
    message = null;
    writer.discard();
    if (session != null) {
      ContextInternal previous = context.beginDispatch();
      try {
        session.onClose();
      } finally {
        context.endDispatch(previous);
      }
    }
    ctx.fireChannelInactive(); // Vert.x's connection, behind, does its own bookkeeping
  }

  /**
   * A protocol violation found by the decoder (which reads nothing more) ends the connection with its
   * code (1002, or 1009 for an over-long frame) and the documented reason; anything else is a
   * transport fault. Either way quietly: client mistakes are not logged with stack traces.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException e && !closeStarted && channel.isActive()) {
      closeNow(ctx, new CloseWebSocketFrame(e.closeStatus()));
    } else {
      channel.close();
    }
  }

  /**
   * Writes one frame for this client alone (welcome, ack, error, direct message). It goes to the
   * channel with the broadcasts and leaves with them at this turn's flush, so a client's frames keep
   * the order they were written in and several leave in one system call.
   */
  @Override
  public void send(EncodedFrame frame) {
    if (onLoop(() -> send(frame)) && !closeStarted) {
      writer.send(frame.webSocketFrame(channel.alloc()));
    }
  }

  @Override
  public void broadcast(EncodedFrame frame) {
    if (onLoop(() -> broadcast(frame)) && !closeStarted) {
      writer.broadcast(frame);
    }
  }

  /**
   * True when the caller is on the channel's event loop, where all of this class runs. A call from
   * another thread (never seen: Vert.x serves a connection on the event loop of the verticle that
   * accepted it) is handed to the loop instead, and false tells the caller to stop there.
   */
  private boolean onLoop(Runnable again) {
    if (channel.eventLoop().inEventLoop()) {
      return true;
    }
    channel.eventLoop().execute(again);
    return false;
  }

  @Override
  public long queuedBytes() {
    return writer.queuedBytes();
  }

  @Override
  public void ping() {
    if (onLoop(this::ping) && !closeStarted) {
      writer.send(Unpooled.wrappedBuffer(PING));
    }
  }

  /**
   * Starts the close handshake: the close frame leaves after everything written before it, and the
   * TCP connection ends when the peer answers, or after {@link #FORCE_CLOSE_AFTER_MS} at the latest.
   */
  @Override
  public void close(int code, String reason) {
    if (!onLoop(() -> close(code, reason)) || closeStarted || !channel.isActive()) {
      return;
    }
    closeStarted = true;
    ChannelHandlerContext self = channel.pipeline().context(this);
    if (self == null) {
      channel.close();
      return;
    }
    writer.writeAndFlush(self, new CloseWebSocketFrame(code, reason));
    forceClose = channel.eventLoop().schedule(() -> Channels.abort(channel), FORCE_CLOSE_AFTER_MS,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public String remoteAddress() {
    return Channels.remote(channel);
  }
}
