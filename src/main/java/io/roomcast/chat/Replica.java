package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
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
 * <p>Changes are JSON objects: {@code {"t":"room","name","epoch","seq"}}, {@code {"t":"msg","name",
 * "epoch","seq","frame"}}, {@code {"t":"forget","name"}}, {@code {"t":"member","session","nick",
 * "gateway","node","rooms"}}, {@code {"t":"gone","session"}}; a snapshot is {@code {"rooms":[{"name",
 * "epoch","seq","history":[frame…]}],"members":[member…]}}.
 */
final class Replica {
  private static final class RoomCopy {
    String epoch;
    long seq;
    final ArrayDeque<Room.Stored> history = new ArrayDeque<>();
  }

  private final int historySize;
  private final Map<String, RoomCopy> rooms = new LinkedHashMap<>();
  private final Map<String, JsonObject> members = new LinkedHashMap<>();

  Replica(int historySize) {
    this.historySize = historySize;
  }

  /** Applies one message from the chat: a snapshot (replacing everything) and/or a list of changes. */
  void apply(JsonObject body) {
    JsonObject snapshot = body.getJsonObject("snapshot");
    if (snapshot != null) {
      rooms.clear();
      members.clear();
      ChatStore.Snapshot s = fromJson(snapshot);
      for (ChatStore.StoredRoom r : s.rooms()) {
        RoomCopy c = room(r.name());
        c.epoch = r.epoch();
        c.seq = r.seq();
        r.history().forEach(c.history::addLast);
      }
      s.members().forEach(m -> members.put(m.getString("session"), m));
    }
    for (Object o : body.getJsonArray("changes", new JsonArray())) {
      change((JsonObject) o);
    }
  }

  private void change(JsonObject c) {
    switch (c.getString("t")) {
      case "room" -> {
        RoomCopy r = room(c.getString("name"));
        r.epoch = c.getString("epoch");
        r.seq = c.getLong("seq");
      }
      case "msg" -> {
        RoomCopy r = room(c.getString("name"));
        r.epoch = c.getString("epoch");
        r.seq = c.getLong("seq");
        if (historySize > 0) {
          if (r.history.size() >= historySize) {
            r.history.removeFirst();
          }
          r.history.addLast(new Room.Stored(r.seq, frame(c.getString("frame"))));
        }
      }
      case "forget" -> rooms.remove(c.getString("name"));
      case "member" -> members.put(c.getString("session"), c);
      case "gone" -> members.remove(c.getString("session"));
      default -> {
        // a change from a newer version: nothing to keep
      }
    }
  }

  private RoomCopy room(String name) {
    return rooms.computeIfAbsent(name, n -> new RoomCopy());
  }

  /** What this copy holds, for a node taking the chat over. */
  ChatStore.Snapshot snapshot() {
    List<ChatStore.StoredRoom> out = new ArrayList<>();
    rooms.forEach((name, r) -> out.add(new ChatStore.StoredRoom(name, r.epoch, r.seq, new ArrayList<>(r.history))));
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
