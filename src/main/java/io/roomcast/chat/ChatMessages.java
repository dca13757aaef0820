package io.roomcast.chat;

import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The Java objects that travel on the internal addresses between gateways and the chat verticle.
 * They are immutable: on one node they are passed by reference, between nodes {@link ChatCodecs}
 * writes them in a compact binary form.
 */
public final class ChatMessages {
  private ChatMessages() {
  }

  /**
   * A gateway opened a session; {@code nick} is the one asked for up front, or null. {@code node} is
   * the cluster node of the gateway, so the chat can drop the session if that node dies.
   */
  public record Connect(String session, String gateway, String node, String nick) {
  }

  /** A session closed: it leaves every room. */
  public record Disconnect(String session) {
  }

  /**
   * A validated client frame from a session, with its text (what crosses the wire between nodes).
   * {@code serverKey} (nullable) is the key a node gave a send that came without one, before asking
   * a chat on another node ({@link ChatLink}); it is in {@code frame} already, not in {@code text}.
   */
  public record Command(String session, ClientFrame frame, String text, String serverKey) {
    public Command(String session, ClientFrame frame, String text) {
      this(session, frame, text, null);
    }

    /** This send (one without a key) with {@code key} chosen by the server. */
    Command withServerKey(String key) {
      ClientFrame.Send s = (ClientFrame.Send) frame;
      return new Command(session, new ClientFrame.Send(s.room(), s.text(), key, s.data()), text, key);
    }
  }

  /**
   * A gateway catching up after the chat moved to another node: {@code lastSeqs} maps each room with
   * local members to the last seq the gateway delivered. The reply's ack maps each room to the
   * message frames after that seq.
   */
  public record Resync(String gateway, JsonObject lastSeqs) {
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
   * An {@code ephemeral} frame (typing) is the first thing a slow consumer is spared. {@code seq} is
   * the message's seq for {@code message} frames and 0 for the others. An {@code event} frame
   * ({@code message}, {@code joined}, {@code left}) is also published on {@link Addresses#events} by
   * each node, to its own consumers ({@link RoomEvents}).
   */
  public record Delivery(String room, EncodedFrame frame, String exclude, boolean ephemeral, long seq,
      boolean event) {
  }

  /** One frame for one session. */
  public record Targeted(String session, EncodedFrame frame) {
  }
}
