package io.roomcast.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.roomcast.protocol.EncodedFrame;
import java.io.IOException;

/**
 * Writes a WebSocket's outgoing frames, already encoded, straight to the head of its channel (Roomcast
 * serves plain HTTP: no handler below would change them), flushed once per event-loop turn by the
 * gateway's {@link Flusher}. Runs on the channel's event loop only.
 *
 * <p>A broadcast touches every member's writer once to queue a frame and once to flush it, and with
 * a thousand members each touch is likely a cache miss (the kernel's socket work in between evicts
 * them). So the writer keeps what those two steps need in its own fields, rather than reaching it
 * through the channel, its unsafe and its socket every time.
 */
final class FrameWriter implements Flusher.Flushable {
  private final Channel channel;
  private final Flusher flusher;
  private final EventLoop loop;
  /** The channel's outbound buffer: Netty keeps the same one until the channel closes. */
  private final ChannelOutboundBuffer out;
  /**
   * The socket, for a write straight from a frame's memory; epoll only. Under io_uring a write of
   * our own would be one system call per socket, where the channel's write joins the turn's single
   * submission; under NIO there is no descriptor.
   */
  private final FileDescriptor fd;
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

  FrameWriter(Channel channel, Flusher flusher) {
    this.channel = channel;
    this.flusher = flusher;
    this.loop = channel.eventLoop();
    this.out = channel.unsafe().outboundBuffer();
    this.fd = channel instanceof EpollSocketChannel epoll ? epoll.fd() : null;
  }

  /** Writes a frame of this client's alone; it leaves at this turn's flush, after every frame before it. */
  void send(ByteBuf frame) {
    undefer();
    writeToHead(frame);
    flushThisTurn();
  }

  /**
   * Writes a broadcast's WebSocket frame, encoded once for every recipient. The turn's first frame
   * waits for the flush (see {@link #deferred}); later ones go to the head of the pipeline.
   */
  void broadcast(EncodedFrame frame) {
    if (!flushPending) {
      deferred = frame;
      flushThisTurn();
      return;
    }
    undefer();
    writeToHead(frame.webSocketFrame());
  }

  /**
   * Writes a control frame (pong, close) through the pipeline from {@code ctx}, where the WebSocket
   * encoder turns it into bytes, and flushes at once: everything written before it goes first.
   */
  ChannelFuture writeAndFlush(ChannelHandlerContext ctx, WebSocketFrame frame) {
    undefer();
    ChannelFuture written = ctx.writeAndFlush(frame);
    unflushed = 0; // that flush took everything written so far
    return written;
  }

  /** The connection is gone: a deferred frame will not be written. */
  void discard() {
    deferred = null;
  }

  /** Queues this socket for the flush at the end of the turn (once per turn). */
  private void flushThisTurn() {
    if (!flushPending) {
      flushPending = true;
      flusher.written(this, loop);
    }
  }

  /** Puts the deferred broadcast in the channel, ahead of whatever is written next. */
  private void undefer() {
    EncodedFrame frame = deferred;
    if (frame != null) {
      deferred = null;
      writeToHead(frame.webSocketFrame());
    }
  }

  /**
   * Writes a complete WebSocket frame at the head of the pipeline: no encoder or other handler has
   * anything to add.
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
      ByteBuf shared = frame.sharedWebSocketFrame();
      int sent = writeToSocket(shared);
      if (sent == shared.readableBytes()) {
        return; // nothing else was written this turn: any other write would have put the frame in the channel
      }
      ByteBuf rest = frame.webSocketFrame();
      rest.skipBytes(sent);
      writeToHead(rest);
    }
    unflushed = 0;
    channel.flush();
  }

  /**
   * Writes the frame with one system call, straight from its shared memory, when nothing is queued
   * ahead of it; returns how many bytes went (0 when it could not be written this way). An error is
   * left for Netty's own write of the rest to meet and handle as it always does.
   */
  private int writeToSocket(ByteBuf shared) {
    // Checked before every write: once the channel is closed, its descriptor number may be another socket's.
    if (fd == null || !channel.isActive() || out == null || out.totalPendingWriteBytes() != 0
        || !shared.hasMemoryAddress()) {
      return 0;
    }
    try {
      return Math.max(0, fd.writeAddress(shared.memoryAddress(), shared.readerIndex(), shared.writerIndex()));
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * What the client has left unread: bytes flushed to the channel that the kernel has not taken yet
   * (Netty counts them as it goes). Frames still waiting for this turn's flush are not the client's
   * doing and do not count.
   */
  long queuedBytes() {
    return out == null ? 0 : Math.max(0, out.totalPendingWriteBytes() - unflushed);
  }

}
