package io.roomcast.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * One server frame, encoded once as UTF-8 JSON. A broadcast is encoded by the chat and the same
 * bytes are written to every recipient: no per-recipient JSON or UTF-8 encoding. Immutable, so it is
 * safe to share across event loops.
 */
public final class EncodedFrame {
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

  public static EncodedFrame of(JsonObject frame) {
    return new EncodedFrame(frame.toBuffer().getBytes());
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
    ByteBuf frame = webSocketFrame;
    if (frame == null) {
      int n = utf8.length;
      int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
      ByteBuffer direct = ByteBuffer.allocateDirect(header + n);
      direct.put((byte) 0x81); // FIN, text
      if (n < 126) {
        direct.put((byte) n);
      } else if (n <= 0xFFFF) {
        direct.put((byte) 126).putShort((short) n);
      } else {
        direct.put((byte) 127).putLong(n);
      }
      direct.put(utf8).flip();
      frame = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
      webSocketFrame = frame;
    }
    return frame.duplicate();
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
