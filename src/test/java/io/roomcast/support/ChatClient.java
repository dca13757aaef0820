package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Predicate;

/**
 * A protocol-v1 test client, independent of the transport that carries the frames (a native
 * WebSocket, or SockJS xhr-polling). Every frame the server sends is decoded and kept, in arrival order,
 * until a test takes it with {@link #await}, {@link #next} or {@link #request}: waiting for one kind of
 * frame never loses frames of another kind, and frames are always taken oldest first.
 */
public interface ChatClient {
  /** How long {@link #next}, {@link #request} and friends wait by default. */
  long DEFAULT_TIMEOUT_MS = 5_000;

  Transport transport();

  /** The welcome frame the server sent when the connection opened. */
  JsonObject welcome();

  /** The nick from the welcome frame (the guest nick, or the one asked for up front). */
  default String welcomeNick() {
    return welcome().getString("nick");
  }

  /** Sends one frame as is. */
  void send(JsonObject frame);

  /** Sends text that need not be valid JSON (for malformed-frame tests). */
  void sendText(String text);

  /**
   * Sends {@code frame} with a fresh {@code id} (unless it already has one) and completes with the one
   * reply that echoes that id: the {@code ack} or the {@code error} frame. Only a timeout fails it.
   */
  Future<JsonObject> request(JsonObject frame);

  /** Like {@link #request} but fails unless the reply is an {@code ack}. */
  default Future<JsonObject> ok(JsonObject frame) {
    return request(frame).compose(reply -> "ack".equals(reply.getString("type"))
        ? Future.succeededFuture(reply)
        : Future.failedFuture(new AssertionError("expected an ack for " + frame.encode() + " but got " + reply.encode())));
  }

  /** Takes the oldest not yet taken frame that matches, waiting up to {@code timeoutMs} for it. */
  Future<JsonObject> await(Predicate<JsonObject> match, long timeoutMs);

  default Future<JsonObject> await(Predicate<JsonObject> match) {
    return await(match, DEFAULT_TIMEOUT_MS);
  }

  /** Takes the oldest not yet taken frame of this {@code type}. */
  default Future<JsonObject> next(String type) {
    return await(Match.type(type), DEFAULT_TIMEOUT_MS);
  }

  /** Takes the next {@code count} frames that match, oldest first. */
  Future<List<JsonObject>> awaitMany(Predicate<JsonObject> match, int count, long timeoutMs);

  /**
   * A negative assertion: fails if a frame matching {@code match} is already waiting or arrives within
   * {@code millis}; succeeds after that bounded wait otherwise. Frames it looks at stay available.
   */
  Future<Void> assertNothing(Predicate<JsonObject> match, long millis);

  /** Every frame received so far, taken or not, in arrival order (the welcome first). */
  List<JsonObject> received();

  /** Completes with the close status code once the connection is closed (by either side). */
  Future<Integer> closeFuture();

  boolean isClosed();

  /** Closes the connection normally (code 1000). */
  Future<Void> close();

  // Shorthands for common frames -----------------------------------------------------------------

  default Future<JsonObject> join(String room) {
    return ok(new JsonObject().put("type", "join").put("room", room));
  }

  default Future<JsonObject> leave(String room) {
    return ok(new JsonObject().put("type", "leave").put("room", room));
  }

  /** Sends a message to a room and returns its ack (with {@code seq} and {@code ts}). */
  default Future<JsonObject> say(String room, String text) {
    return ok(new JsonObject().put("type", "send").put("room", room).put("text", text));
  }

  default Future<JsonObject> rename(String nick) {
    return ok(new JsonObject().put("type", "nick").put("nick", nick));
  }

  default Future<JsonObject> ping() {
    return ok(new JsonObject().put("type", "ping"));
  }
}
