package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One message from the chat to its follower ({@link Addresses#replica}): a full snapshot (only for a
 * new follower, else null) and the changes made after it, in the order the chat made them. Between
 * nodes {@link ChatCodecs} writes it in binary, and a message's frame travels as its bytes: no JSON is
 * built, escaped or parsed per chat message.
 */
record ReplicaUpdate(ChatStore.Snapshot snapshot, List<Change> changes) {

  /** A change to the chat's stored state. */
  sealed interface Change permits RoomState, Message, Forget, MemberState, Gone {
  }

  /** A room's epoch and last seq (a room created, or taken over). */
  record RoomState(String name, String epoch, long seq) implements Change {
  }

  /** A room message: the room's new last seq, and the message for its history. */
  record Message(String name, String epoch, long seq, EncodedFrame frame) implements Change {
  }

  /** A room was forgotten (idle eviction): a later one of that name starts a new epoch. */
  record Forget(String name) implements Change {
  }

  /** A session's nick and rooms, as {@link Member#toJson()} writes them. */
  record MemberState(JsonObject member) implements Change {
  }

  /** A session closed. */
  record Gone(String session) implements Change {
  }
}
