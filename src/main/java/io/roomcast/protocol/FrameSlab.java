package io.roomcast.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;

/**
 * Direct memory for broadcast frames: small frames are carved, one after the other, out of a 64 KB
 * block of the current thread, and a block is freed by the garbage collector once no frame cut from
 * it is left.
 *
 * <p>Why not one direct buffer per frame: each comes with a cleaner that the collector must find and
 * process, and that stays reachable (and is copied at every young collection) until its buffer has
 * been collected: for a chat at 1,000 messages/s that was tens of thousands of objects per young
 * collection and milliseconds of its pause. A block costs one cleaner for hundreds of frames. Why
 * not Netty's pooled allocator: a broadcast frame has no single owner to release it (every
 * recipient writes its own view, and another event loop may ask for it later), so its memory must
 * go with the collector.
 *
 * <p>The price: a block lives as long as its longest-lived frame. A frame lives as long as some
 * socket still queues it, and a socket's queue is capped ({@code limits.maxQueueBytes}); history
 * keeps frames as heap bytes, not in blocks.
 */
final class FrameSlab {
  static final int BLOCK_BYTES = 64 * 1024;
  /** Larger frames get memory of their own: a block holds at least 32 of these. */
  static final int MAX_CARVED = 2048;
  private static final FastThreadLocal<FrameSlab> SLABS = new FastThreadLocal<>() {
    @Override
    protected FrameSlab initialValue() {
      return new FrameSlab();
    }
  };

  /** The current block: never released, so the frames cut from it can be retained and released freely. */
  private ByteBuf block;

  private FrameSlab() {
  }

  /** An empty buffer of exactly {@code size} bytes to write one frame into. */
  static ByteBuf allocate(int size) {
    return size > MAX_CARVED ? direct(size) : SLABS.get().carve(size);
  }

  private ByteBuf carve(int size) {
    if (block == null || block.writableBytes() < size) {
      block = direct(BLOCK_BYTES);
    }
    int at = block.writerIndex();
    block.writerIndex(at + size);
    return block.slice(at, size).clear();
  }

  private static ByteBuf direct(int size) {
    return Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(size)).clear();
  }
}
