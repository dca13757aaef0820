package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One message from the chat to its follower ({@link Addresses#replica}): a full snapshot (only for a
 * new follower, else null), the changes made after it, and what the chat said meanwhile to the
 * follower's own gateways (broadcasts, frames for one session, answers), each list in the order the
 * chat made it. The follower applies the changes, then passes the effects on: so its clients hear
 * of a change once it is on both nodes, without a message of its own for each. {@code from} (the
 * chat's node) and {@code id} (growing) let the follower skip an update that is sent again after a
 * failed send it had in fact applied. Between nodes
 * {@link ChatCodecs} writes it in binary, and a message's frame travels as its bytes: no JSON is
 * built, escaped or parsed per chat message.
 */
record ReplicaUpdate(ChatStore.Snapshot snapshot, List<Change> changes, List<Effect> effects, String from, long id) {

  /** Something the chat says to the gateways of one node. */
  sealed interface Effect permits ToGateways, ToGateway, ToTicket {
  }

  /** A room broadcast for the node's gateways. */
  record ToGateways(ChatMessages.Delivery delivery) implements Effect {
  }

  /** A frame for one session of one gateway. */
  record ToGateway(String gateway, ChatMessages.Targeted targeted) implements Effect {
  }

  /** The answer to a command the node's gateway sent with {@code ticket} ({@link StreamReplies}). */
  record ToTicket(long ticket, ChatMessages.Reply reply) implements Effect {
  }

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
