package io.roomcast.chat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where the chat keeps what must outlive its node: rooms (epoch, last seq), their history, and the
 * sessions with their nicks and rooms. The chat reports each change; a store that copies it elsewhere
 * makes the {@link Pipeline} wait for the copy. {@link #load()} is read once, by a node taking the
 * chat over.
 */
interface ChatStore {
  /** A room as stored, with its kept messages oldest first. */
  record StoredRoom(String name, String epoch, long seq, List<Room.Stored> history) {
  }

  /** Everything stored; members as {@link Member#toJson()} writes them. */
  record Snapshot(List<StoredRoom> rooms, List<JsonObject> members) {
  }

  void room(Room room);

  void message(Room room, Room.Stored message);

  void forget(Room room);

  void member(Member member);

  void memberGone(Member member);

  Future<Snapshot> load();

  /** A single node's chat: memory is the whole truth, nothing is written. */
  ChatStore NONE = new ChatStore() {
    @Override
    public void room(Room room) {
    }

    @Override
    public void message(Room room, Room.Stored message) {
    }

    @Override
    public void forget(Room room) {
    }

    @Override
    public void member(Member member) {
    }

    @Override
    public void memberGone(Member member) {
    }

    @Override
    public Future<Snapshot> load() {
      return Future.succeededFuture(new Snapshot(List.of(), List.of()));
    }
  };
}
