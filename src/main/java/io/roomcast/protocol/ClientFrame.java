package io.roomcast.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A validated client frame of protocol v1. {@link FrameParser} produces these; by the time a frame
 * exists as one of these records every field has been checked, so the chat only decides questions of
 * state (membership, nick uniqueness) and never re-validates shapes.
 */
public sealed interface ClientFrame {

  /**
   * True when asking the chat twice does no harm, so a frame whose answer got lost may be asked
   * again: a join, and a send with a key (stored once); not a send without one (it would be stored
   * twice under two seqs), a rename or a direct message.
   */
  default boolean repeatable() {
    return this instanceof Join || this instanceof Send s && s.key() != null;
  }

  /** Renames the connection's user. */
  record Nick(String nick) implements ClientFrame {
  }

  /**
   * Joins a room; {@code since} (nullable) asks for a replay of every message after that seq, of the
   * room incarnation {@code epoch} (nullable: the current one).
   */
  record Join(String room, Long since, String epoch) implements ClientFrame {
  }

  record Leave(String room) implements ClientFrame {
  }

  /**
   * A room message; {@code key} (nullable) is the sender's idempotency key, {@code data} an optional
   * JSON object carried verbatim.
   */
  record Send(String room, String text, String key, JsonObject data) implements ClientFrame {
  }

  record Direct(String to, String text) implements ClientFrame {
  }

  record Typing(String room) implements ClientFrame {
  }

  /** History before seq {@code before} (nullable: the newest), at most {@code limit} messages. */
  record History(String room, Long before, int limit) implements ClientFrame {
  }

  record Members(String room) implements ClientFrame {
  }

  record Rooms() implements ClientFrame {
  }

  record Ping() implements ClientFrame {
  }
}
