package io.roomcast.http;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.websocket.WebSocketFrameImpl;
import io.vertx.core.http.ServerWebSocket;

/** {@link Transport} over a native WebSocket at the ws path. */
final class WebSocketTransport implements Transport, Flusher.Flushable {
  private static final Buffer EMPTY = Buffer.buffer();
  /**
   * How long a close we started may wait for the peer. The close frame queues behind whatever the
   * peer has not read, and Vert.x starts its own closing timeout only once that frame is written: a
   * peer that never reads again (a slow consumer, a vanished host) would otherwise keep its
   * connection, slot and room memberships until the HTTP idle timeout.
   */
  static final long FORCE_CLOSE_AFTER_MS = 5_000;
  private final Vertx vertx;
  private final ServerWebSocket ws;
  /** The socket's channel: frames are written to it directly and flushed by the {@link Flusher}. */
  private final Channel channel;
  private final Flusher flusher;
  private final boolean rawFrames;
  /** Bytes written to the channel this turn and not flushed yet: waiting for the flush, not for the client. */
  private long unflushed;
  private boolean flushPending;
  /**
   * This turn's first broadcast, not written anywhere yet. If it stays the only frame of the turn it
   * goes to the socket in one system call at the flush, past Netty's outbound path (which costs
   * about as much again as the system call itself); a second frame, or any other write, first puts
   * it in the channel so that order is kept.
   */
  private EncodedFrame deferred;
  /** Frames written through Vert.x whose write has not completed yet. */
  private int throughVertx;
  /**
   * Set once every frame written through Vert.x so far is out, the first of them being the welcome:
   * the upgrade's writes are done and the pipeline is a WebSocket one, so frames may go straight to
   * the channel from then on.
   */
  private boolean upgraded;
  private final int maxMessageBytes;
  private boolean closeStarted;
  private long forceCloseTimer = -1;
  /** The fragments of the message being received (null between messages). */
  private Buffer message;
  private boolean messageIsText;

  WebSocketTransport(Vertx vertx, ServerWebSocket ws, Channel channel, Flusher flusher, int maxMessageBytes) {
    this.vertx = vertx;
    this.ws = ws;
    this.channel = channel;
    this.flusher = flusher;
    this.rawFrames = channel != null && channel.pipeline().get(SslHandler.class) == null;
    if (channel != null && channel.pipeline().get("idle") != null) {
      // The heartbeat sweep ends silent WebSockets; the HTTP idle handler would only add a promise
      // and a listener to every frame written.
      channel.pipeline().remove("idle");
    }
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Wires the socket's input to the session. */
  void bind(ClientSession session) {
    // Fragments are reassembled here rather than by textMessageHandler: Vert.x 5.2's aggregator drops
    // the rest of a message whose first fragment is empty and then throws on every later text frame
    // of the connection (a dead connection and a stack trace in the log per frame).
    ws.frameHandler(frame -> onFrame(session, frame));
    ws.pongHandler(b -> session.touch());
    ws.exceptionHandler(this::onException);
    ws.closeHandler(v -> {
      vertx.cancelTimer(forceCloseTimer);
      session.onClose();
    });
  }

  /** Data frames only: Netty has already refused out-of-sequence fragments (1002) and over-long frames (1009). */
  private void onFrame(ClientSession session, WebSocketFrame frame) {
    WebSocketFrameType type = frame.type();
    if (type == WebSocketFrameType.TEXT || type == WebSocketFrameType.BINARY) {
      message = Buffer.buffer();
      messageIsText = type == WebSocketFrameType.TEXT;
    } else if (type != WebSocketFrameType.CONTINUATION || message == null) {
      return;
    }
    if (message.length() + frame.binaryData().length() > maxMessageBytes) {
      message = null;
      close(1009, "message too big");
      return;
    }
    message.appendBuffer(frame.binaryData());
    if (frame.isFinal()) {
      Buffer complete = message;
      message = null;
      if (messageIsText) {
        session.onText(complete.toString());
      } else {
        session.onBinary();
      }
    }
  }

  /**
   * Protocol violations surface here, not as closes: an over-long frame or a broken fragment sequence
   * (from the decoder). They close with the decoder's code (1009 too big, 1002 protocol error); anything
   * else is a transport fault that the close handler will report.
   */
  private void onException(Throwable e) {
    if (e instanceof CorruptedWebSocketFrameException c) {
      close(c.closeStatus().code(), c.closeStatus().reasonText());
    }
  }

  /**
   * Writes one frame for this client alone (welcome, ack, error, direct message). It goes to the
   * channel with the broadcasts and leaves with them at this turn's flush, so a client's frames keep
   * the order they were written in and several leave in one system call. The first frames go
   * through Vert.x instead, ordered after its own writes of the upgrade; once they are out the socket
   * is a WebSocket for good (see {@link #upgraded}).
   */
  @Override
  public void send(EncodedFrame frame) {
    if (closeStarted || ws.isClosed()) {
      return;
    }
    if (!upgraded || !direct()) {
      writeThroughVertx(frame);
      return;
    }
    undefer();
    writeToHead(frame.webSocketFrame(channel.alloc()));
    flushThisTurn();
  }

  /** The frame wraps the shared bytes: Vert.x's API would build a text frame only from a String. */
  private void writeThroughVertx(EncodedFrame frame) {
    throughVertx++; // nothing is deferred here: only a direct, upgraded socket defers
    ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame.bytes()), true))
        .onComplete(ar -> {
          throughVertx--;
          if (ar.succeeded() && throughVertx == 0) {
            upgraded = true;
          }
        });
  }

  /**
   * True when raw frames may be written to the channel here: it exists, this is its event loop, and
   * no TLS handler sits in the pipeline (raw bytes written below it would leave unencrypted; Roomcast
   * serves plain HTTP and leaves TLS to the load balancer, but a pipeline with TLS stays correct).
   */
  private boolean direct() {
    return rawFrames && channel.eventLoop().inEventLoop();
  }

  /**
   * Writes the broadcast's WebSocket frame, encoded once for every recipient. The turn's first frame
   * waits for the flush (see {@link #deferred}); later ones go to the head of the pipeline.
   */
  @Override
  public void broadcast(EncodedFrame frame) {
    // The flusher belongs to the gateway's event loop: a socket served by another thread (never
    // seen; Vert.x serves a connection on the loop of the verticle that accepted it) takes the
    // thread-safe path, and so do the first frames (see send).
    if (closeStarted || ws.isClosed() || !upgraded || !direct()) {
      send(frame);
      return;
    }
    if (!flushPending) {
      deferred = frame;
      flushThisTurn();
      return;
    }
    undefer();
    writeToHead(frame.webSocketFrame());
  }

  /** Queues this socket for the flush at the end of the turn (once per turn). */
  private void flushThisTurn() {
    if (!flushPending) {
      flushPending = true;
      flusher.written(this, channel.eventLoop());
    }
  }

  /** Puts the deferred broadcast in the channel, ahead of whatever is written next. */
  private void undefer() {
    EncodedFrame frame = deferred;
    if (frame != null && direct()) {
      deferred = null;
      writeToHead(frame.webSocketFrame());
    }
  }

  /**
   * Writes a complete WebSocket frame at the head of the pipeline: no encoder or other handler has
   * anything to add. Vert.x's writes from the tail (pings, the close frame) pass the handlers at once.
   */
  private void writeToHead(ByteBuf frame) {
    ChannelHandlerContext first = channel.pipeline().firstContext();
    if (first != null) {
      unflushed += frame.readableBytes();
      first.write(frame, channel.voidPromise());
    } else {
      frame.release(); // the channel is closing
    }
  }

  @Override
  public void flush() {
    flushPending = false;
    EncodedFrame frame = deferred;
    deferred = null;
    if (frame != null) {
      ByteBuf bytes = frame.webSocketFrame();
      if (writeToSocket(bytes)) {
        return; // nothing else was written this turn: any other write would have put the frame in the channel
      }
      writeToHead(bytes); // what is left of it
    }
    unflushed = 0;
    channel.flush();
  }

  /**
   * Writes the frame with one system call when nothing is queued ahead of it. True when all of it
   * went; otherwise {@code frame}'s reader index is past what went, and the rest must be queued.
   * An error is left for Netty's own write of the rest to meet and handle as it always does.
   */
  private boolean writeToSocket(ByteBuf frame) {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (!(channel instanceof UnixChannel unix) || !channel.isActive() || out == null
        || out.totalPendingWriteBytes() != 0 || !frame.hasMemoryAddress()) {
      return false;
    }
    try {
      int n = unix.fd().writeAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
      frame.skipBytes(n);
      return !frame.isReadable();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * What the client has left unread: bytes flushed to the channel that the kernel has not taken yet
   * (Netty counts them as it goes). Frames still waiting for this turn's flush are not the client's
   * doing and do not count.
   */
  @Override
  public long queuedBytes() {
    if (channel == null) {
      return 0;
    }
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : Math.max(0, out.totalPendingWriteBytes() - unflushed);
  }

  @Override
  public void ping() {
    if (!ws.isClosed()) {
      undefer();
      ws.writePing(EMPTY);
    }
  }

  @Override
  public void close(int code, String reason) {
    if (!ws.isClosed() && !closeStarted) {
      closeStarted = true;
      undefer();
      ws.close((short) code, reason);
      forceCloseTimer = vertx.setTimer(FORCE_CLOSE_AFTER_MS, t -> abort()); // the close handler follows
    }
  }

  /** Drops the TCP connection at once, queued writes and all. */
  private void abort() {
    if (channel != null) {
      Channels.abort(channel);
    } else {
      ws.close();
    }
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(ws.remoteAddress());
  }
}
