package io.roomcast.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One server frame, encoded once as UTF-8 JSON. A broadcast is encoded by the chat and the same
 * bytes are written to every recipient: no per-recipient JSON or UTF-8 encoding. Immutable, so it is
 * safe to share across event loops.
 */
public final class EncodedFrame {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final byte[] utf8;
  /**
   * The whole WebSocket text frame as a server sends it (header and payload, no mask), in direct
   * memory: made on first use and then written as is to every recipient. Benign race: two event
   * loops may both build it; either copy is right.
   */
  private volatile ByteBuf webSocketFrame;

  private EncodedFrame(byte[] utf8) {
    this.utf8 = utf8;
  }

  /**
   * Encodes with Vert.x's streaming Jackson codec straight into one byte array: {@code toBuffer()}
   * goes through jackson-databind (a serializer provider per call) and copies the bytes twice more,
   * which made this the largest allocator per message.
   */
  public static EncodedFrame of(JsonObject frame) {
    // The recycler comes from Jackson's pool (one per thread today) and goes back to it when done.
    BufferRecycler recycler = FACTORY._getBufferRecycler();
    ByteArrayBuilder out = new ByteArrayBuilder(recycler, 256);
    try {
      try (JsonGenerator generator = FACTORY.createGenerator(out)) {
        JacksonCodec.encodeJson(frame, generator);
      }
      return new EncodedFrame(out.toByteArray());
    } catch (IOException e) {
      throw new EncodeException("could not encode a frame: " + e.getMessage());
    } finally {
      out.release();
      recycler.releaseToPool();
    }
  }

  /** Wraps bytes that already hold one encoded frame (received from another node); they must not change. */
  public static EncodedFrame ofBytes(byte[] utf8) {
    return new EncodedFrame(utf8);
  }

  /** The encoded bytes; callers must not modify them. */
  public byte[] bytes() {
    return utf8;
  }

  /** Size in bytes, as queued on a socket. */
  public int size() {
    return utf8.length;
  }

  /**
   * A view of the encoded WebSocket text frame for one write. The bytes are shared by every
   * recipient and the view cannot be released, so the frame lives as long as this object (its
   * direct memory goes with the garbage collector).
   */
  public ByteBuf webSocketFrame() {
    return sharedWebSocketFrame().duplicate();
  }

  /**
   * The shared frame itself, not a view, for a write straight from its memory: callers read it and
   * never change its indexes. Saves a view per recipient when the whole frame goes in one write.
   */
  public ByteBuf sharedWebSocketFrame() {
    ByteBuf frame = webSocketFrame;
    if (frame == null) {
      ByteBuf direct = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(webSocketFrameSize())).clear();
      frame = Unpooled.unreleasableBuffer(writeWebSocketFrame(direct));
      webSocketFrame = frame;
    }
    return frame;
  }

  /**
   * The WebSocket text frame in a new buffer from {@code alloc}, for a frame written once (a reply to
   * one client): cheaper than the shared copy, and released by whoever writes it.
   */
  public ByteBuf webSocketFrame(ByteBufAllocator alloc) {
    return writeWebSocketFrame(alloc.directBuffer(webSocketFrameSize()));
  }

  private int webSocketFrameSize() {
    int n = utf8.length;
    return (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10) + n;
  }

  /** Header (FIN, text, unmasked length) and payload. */
  private ByteBuf writeWebSocketFrame(ByteBuf out) {
    int n = utf8.length;
    out.writeByte(0x81);
    if (n < 126) {
      out.writeByte(n);
    } else if (n <= 0xFFFF) {
      out.writeByte(126).writeShort(n);
    } else {
      out.writeByte(127).writeLong(n);
    }
    return out.writeBytes(utf8);
  }

  public Buffer toBuffer() {
    return Buffer.buffer(utf8);
  }

  public JsonObject toJson() {
    return new JsonObject(Buffer.buffer(utf8));
  }

  @Override
  public String toString() {
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
