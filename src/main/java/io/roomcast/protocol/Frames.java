package io.roomcast.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Builders for every server frame of protocol v1: one JSON envelope, {@code type} first. Broadcast
 * frames are encoded once by the caller and the same text is written to every recipient.
 */
public final class Frames {
  public static final int PROTOCOL_VERSION = 1;

  private Frames() {
  }

  public static JsonObject welcome(String session, String nick, long heartbeatMs) {
    return new JsonObject().put("type", "welcome").put("protocol", PROTOCOL_VERSION)
        .put("session", session).put("nick", nick).put("heartbeatMs", heartbeatMs);
  }

  /** An ack: {@code fields} (may be null) are copied after type and id. */
  public static JsonObject ack(Object id, JsonObject fields) {
    JsonObject ack = new JsonObject().put("type", "ack").put("id", id);
    if (fields != null) {
      ack.mergeIn(fields);
    }
    return ack;
  }

  public static JsonObject error(Object id, ErrorCode code, String message) {
    JsonObject error = new JsonObject().put("type", "error");
    if (id != null) {
      error.put("id", id);
    }
    return error.put("code", code.code()).put("message", message);
  }

  /** A room message; {@code key} (the sender's idempotency key) and {@code data} are left out when null. */
  public static JsonObject message(String room, long seq, String from, String text, String key, JsonObject data,
      long ts) {
    JsonObject m = new JsonObject().put("type", "message").put("room", room).put("seq", seq)
        .put("from", from).put("text", text).put("ts", ts);
    if (key != null) {
      m.put("key", key);
    }
    if (data != null) {
      m.put("data", data);
    }
    return m;
  }

  public static JsonObject joined(String room, String nick, long ts) {
    return new JsonObject().put("type", "joined").put("room", room).put("nick", nick).put("ts", ts);
  }

  public static JsonObject left(String room, String nick, long ts) {
    return new JsonObject().put("type", "left").put("room", room).put("nick", nick).put("ts", ts);
  }

  public static JsonObject renamed(String room, String old, String nick) {
    return new JsonObject().put("type", "renamed").put("room", room).put("old", old).put("nick", nick);
  }

  public static JsonObject direct(String from, String text, long ts) {
    return new JsonObject().put("type", "direct").put("from", from).put("text", text).put("ts", ts);
  }

  /** SockJS only: the reason for the close that follows (SockJS itself cannot carry our close codes). */
  public static JsonObject closing(int code, String reason) {
    return new JsonObject().put("type", "closing").put("code", code).put("reason", reason);
  }

  public static JsonObject typing(String room, String nick) {
    return new JsonObject().put("type", "typing").put("room", room).put("nick", nick);
  }

  public static JsonArray strings(Iterable<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }
}
