package io.roomcast.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * One server frame, encoded once as UTF-8 JSON. A broadcast is encoded by the chat and the same
 * bytes are written to every recipient: no per-recipient JSON or UTF-8 encoding. Immutable, so it is
 * safe to share across event loops.
 */
public final class EncodedFrame {
  private final byte[] utf8;

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
