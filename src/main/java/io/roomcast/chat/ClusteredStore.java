package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The chat's state in cluster-wide maps (Vert.x shared data; with Hazelcast each entry has a
 * synchronous backup on another member, so it outlives any one node). Keys: {@code roomcast.rooms}
 * room → {@code {"epoch","seq"}}; {@code roomcast.history} {@code room#seq} → the encoded message;
 * {@code roomcast.members} session → {@code {"nick","gateway","node","rooms"}}.
 */
final class ClusteredStore implements ChatStore {
  private final Pipeline pipeline;
  private AsyncMap<String, JsonObject> rooms;
  private AsyncMap<String, Buffer> history;
  private AsyncMap<String, JsonObject> members;

  ClusteredStore(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  Future<Void> open(Vertx vertx) {
    return Future.all(
        vertx.sharedData().<String, JsonObject>getClusterWideMap("roomcast.rooms").onSuccess(m -> rooms = m),
        vertx.sharedData().<String, Buffer>getClusterWideMap("roomcast.history").onSuccess(m -> history = m),
        vertx.sharedData().<String, JsonObject>getClusterWideMap("roomcast.members").onSuccess(m -> members = m))
        .mapEmpty();
  }

  @Override
  public void room(Room room) {
    pipeline.write(rooms.put(room.name, meta(room)));
  }

  @Override
  public void message(Room room, Room.Stored message) {
    pipeline.write(history.put(key(room.name, message.seq()), Buffer.buffer(message.frame().bytes())));
    pipeline.write(rooms.put(room.name, meta(room)));
    long old = message.seq() - room.historySize();
    if (old > 0) {
      pipeline.write(history.remove(key(room.name, old)));
    }
  }

  @Override
  public void forget(Room room) {
    pipeline.write(rooms.remove(room.name));
    for (long s = Math.max(1, room.seq() - room.historySize() + 1); s <= room.seq(); s++) {
      pipeline.write(history.remove(key(room.name, s)));
    }
  }

  @Override
  public void member(Member m) {
    JsonArray in = new JsonArray();
    m.rooms.forEach(r -> in.add(r.name));
    pipeline.write(members.put(m.session, new JsonObject().put("nick", m.nick).put("gateway", m.gateway)
        .put("node", m.node).put("rooms", in)));
  }

  @Override
  public void memberGone(Member m) {
    pipeline.write(members.remove(m.session));
  }

  @Override
  public Future<Snapshot> load() {
    Future<Map<String, JsonObject>> r = rooms.entries();
    Future<Map<String, Buffer>> h = history.entries();
    Future<Map<String, JsonObject>> m = members.entries();
    return Future.all(r, h, m).map(v -> {
      Map<String, List<Room.Stored>> kept = new HashMap<>();
      h.result().forEach((key, bytes) -> {
        int cut = key.lastIndexOf('#');
        kept.computeIfAbsent(key.substring(0, cut), k -> new ArrayList<>())
            .add(new Room.Stored(Long.parseLong(key.substring(cut + 1)), EncodedFrame.ofBytes(bytes.getBytes())));
      });
      List<StoredRoom> out = new ArrayList<>();
      r.result().forEach((name, meta) -> {
        List<Room.Stored> msgs = kept.getOrDefault(name, new ArrayList<>());
        msgs.sort(Comparator.comparingLong(Room.Stored::seq));
        out.add(new StoredRoom(name, meta.getString("epoch"), meta.getLong("seq"), msgs));
      });
      List<JsonObject> sessions = new ArrayList<>();
      m.result().forEach((session, json) -> sessions.add(json.copy().put("session", session)));
      return new Snapshot(out, sessions);
    });
  }

  private static JsonObject meta(Room room) {
    return new JsonObject().put("epoch", room.epoch).put("seq", room.seq());
  }

  private static String key(String room, long seq) {
    return room + "#" + seq;
  }
}
