package io.roomcast.chat;

import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The Java objects that travel on the internal addresses between gateways and the chat verticle.
 * They are immutable and passed by reference (see {@link LocalCodec}), so nothing is serialised on
 * the way.
 */
public final class ChatMessages {
  private ChatMessages() {
  }

  /** A gateway opened a session; {@code nick} is the one asked for up front, or null. */
  public record Connect(String session, String gateway, String nick) {
  }

  /** A session closed: it leaves every room. */
  public record Disconnect(String session) {
  }

  /** A validated client frame from a session. */
  public record Command(String session, ClientFrame frame) {
  }

  /**
   * The chat's answer to a {@link Connect} or {@link Command}: either the fields of the ack, or an
   * error. {@code before} holds frames (encoded) to write before the ack, such as a join's replay.
   */
  public record Reply(JsonObject ack, List<EncodedFrame> before, ErrorCode error, String message) {
    public static Reply ok(JsonObject ack) {
      return new Reply(ack, List.of(), null, null);
    }

    public static Reply ok(JsonObject ack, List<EncodedFrame> before) {
      return new Reply(ack, before, null, null);
    }

    public static Reply failed(ErrorCode error, String message) {
      return new Reply(null, List.of(), error, message);
    }
  }

  /**
   * A room broadcast: every local member of {@code room} except {@code exclude} gets {@code frame}.
   * An {@code ephemeral} frame (typing) is the first thing a slow consumer is spared.
   */
  public record Delivery(String room, EncodedFrame frame, String exclude, boolean ephemeral) {
  }

  /** One frame for one session. */
  public record Targeted(String session, EncodedFrame frame) {
  }
}
