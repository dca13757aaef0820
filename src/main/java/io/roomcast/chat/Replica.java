package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's copy of the chat's state, kept by the follower (the node that takes the chat over when
 * its node goes): rooms with epoch, last seq and history, and the sessions. It is built from a full
 * snapshot, then kept current by the changes the chat sends, in the order it made them. Confined to
 * the chat verticle's event loop.
 *
 * <p>What the chat sends is a {@link ReplicaUpdate}. Its snapshot, when there is one, travels as JSON
 * ({@code {"rooms":[{"name","epoch","seq","history":[frame…]}],"members":[member…]}}): it is sent
 * once per new follower.
 */
final class Replica {
  private final class RoomCopy {
    String epoch;
    long seq;
    final History history = new History(historySize);
  }

  private final int historySize;
  private final Map<String, RoomCopy> rooms = new LinkedHashMap<>();
  private final Map<String, JsonObject> members = new LinkedHashMap<>();
  /** The chat node and id of the last update applied. */
  private String lastFrom;
  private long lastId;

  Replica(int historySize) {
    this.historySize = historySize;
  }

  /**
   * Applies one message from the chat: a snapshot (replacing everything), then its changes; returns
   * what the chat said with it to this node's gateways. An update this copy has applied already
   * (sent again after its answer was lost) is skipped, and nothing of it is returned.
   */
  List<ReplicaUpdate.Effect> apply(ReplicaUpdate update) {
    if (update.from().equals(lastFrom) && update.id() <= lastId) {
      return List.of();
    }
    lastFrom = update.from();
    lastId = update.id();
    ChatStore.Snapshot s = update.snapshot();
    if (s != null) {
      rooms.clear();
      members.clear();
      for (ChatStore.StoredRoom r : s.rooms()) {
        RoomCopy c = room(r.name());
        c.epoch = r.epoch();
        c.seq = r.seq();
        r.history().forEach(m -> c.history.add(m.seq(), m.frame()));
      }
      s.members().forEach(m -> members.put(m.getString("session"), m));
    }
    update.changes().forEach(this::change);
    return update.effects();
  }

  private void change(ReplicaUpdate.Change c) {
    if (c instanceof ReplicaUpdate.Message m) {
      RoomCopy r = room(m.name());
      r.epoch = m.epoch();
      r.seq = m.seq();
      r.history.add(m.seq(), m.frame());
    } else if (c instanceof ReplicaUpdate.RoomState rs) {
      RoomCopy r = room(rs.name());
      r.epoch = rs.epoch();
      r.seq = rs.seq();
    } else if (c instanceof ReplicaUpdate.Forget f) {
      rooms.remove(f.name());
    } else if (c instanceof ReplicaUpdate.MemberState ms) {
      members.put(ms.member().getString("session"), ms.member());
    } else if (c instanceof ReplicaUpdate.Gone g) {
      members.remove(g.session());
    }
  }

  private RoomCopy room(String name) {
    return rooms.computeIfAbsent(name, n -> new RoomCopy());
  }

  /** What this copy holds, for a node taking the chat over. */
  ChatStore.Snapshot snapshot() {
    List<ChatStore.StoredRoom> out = new ArrayList<>();
    rooms.forEach((name, r) -> out.add(new ChatStore.StoredRoom(name, r.epoch, r.seq, r.history.after(Long.MIN_VALUE))));
    return new ChatStore.Snapshot(out, new ArrayList<>(members.values()));
  }

  static JsonObject toJson(ChatStore.Snapshot s) {
    JsonArray rooms = new JsonArray();
    for (ChatStore.StoredRoom r : s.rooms()) {
      JsonArray history = new JsonArray();
      r.history().forEach(m -> history.add(m.frame().toString()));
      rooms.add(new JsonObject().put("name", r.name()).put("epoch", r.epoch()).put("seq", r.seq()).put("history", history));
    }
    return new JsonObject().put("rooms", rooms).put("members", new JsonArray(new ArrayList<>(s.members())));
  }

  static ChatStore.Snapshot fromJson(JsonObject json) {
    List<ChatStore.StoredRoom> rooms = new ArrayList<>();
    for (Object o : json.getJsonArray("rooms")) {
      JsonObject r = (JsonObject) o;
      List<Room.Stored> history = new ArrayList<>();
      for (Object f : r.getJsonArray("history")) {
        EncodedFrame frame = frame((String) f);
        history.add(new Room.Stored(frame.toJson().getLong("seq"), frame));
      }
      rooms.add(new ChatStore.StoredRoom(r.getString("name"), r.getString("epoch"), r.getLong("seq"), history));
    }
    List<JsonObject> members = new ArrayList<>();
    json.getJsonArray("members").forEach(m -> members.add((JsonObject) m));
    return new ChatStore.Snapshot(rooms, members);
  }

  private static EncodedFrame frame(String text) {
    return EncodedFrame.ofBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
