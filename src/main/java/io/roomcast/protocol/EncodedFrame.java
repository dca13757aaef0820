package io.roomcast.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
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
   * memory ({@link FrameSlab}): made on first use and then written as is to every recipient. Its
   * reference count starts at one and nobody releases that one, so the views handed out can be
   * retained and released as Netty does around a write without ever freeing it; the memory goes
   * with the garbage collector. Benign race: two event loops may both build it; either copy is right.
   */
  private volatile ByteBuf webSocketFrame;

  private EncodedFrame(byte[] utf8) {
    this.utf8 = utf8;
  }

  /** Encodes a frame, with the same bytes as Vert.x's own JSON encoding gives. */
  public static EncodedFrame of(JsonObject frame) {
    byte[] utf8 = FrameJson.encode(frame);
    return utf8 != null ? new EncodedFrame(utf8) : ofJackson(frame);
  }

  /**
   * Encodes with Vert.x's streaming Jackson codec straight into one byte array, for what
   * {@link FrameJson} leaves to Jackson. ({@code toBuffer()} copies the bytes twice more.)
   */
  static EncodedFrame ofJackson(JsonObject frame) {
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

  /** {@link Frames#message} encoded: the same bytes, without the JSON object in between. */
  public static EncodedFrame message(String room, long seq, String from, String text, String key, JsonObject data,
      long ts) {
    byte[] utf8 = FrameJson.message(room, seq, from, text, key, data, ts);
    return utf8 != null ? new EncodedFrame(utf8) : of(Frames.message(room, seq, from, text, key, data, ts));
  }

  /** {@link Frames#ack} encoded: the same bytes, without the JSON object in between. */
  public static EncodedFrame ack(Object id, JsonObject fields) {
    byte[] utf8 = FrameJson.ack(id, fields);
    return utf8 != null ? new EncodedFrame(utf8) : of(Frames.ack(id, fields));
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
   * A view of the encoded WebSocket text frame for one write, released by whoever writes it. One
   * object per recipient (its own reader index); the bytes are shared by every recipient.
   */
  public ByteBuf webSocketFrame() {
    return sharedWebSocketFrame().retainedDuplicate();
  }

  /**
   * The shared frame itself, not a view, for a write straight from its memory: callers read it and
   * never change its indexes or release it. Saves a view per recipient when the whole frame goes in
   * one write.
   */
  public ByteBuf sharedWebSocketFrame() {
    ByteBuf frame = webSocketFrame;
    if (frame == null) {
      frame = writeWebSocketFrame(FrameSlab.allocate(webSocketFrameSize()));
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
