package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.Frames;
import io.roomcast.protocol.Names;
import io.roomcast.protocol.ProtocolException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chat's state and rules: sessions, nicks, rooms, sequence numbers and history. Plain
 * collections, no locks: an instance is confined to the chat verticle's event loop. Effects on other
 * sessions go through the {@link Outbox}; the caller's own answer is the returned ack fields, and a
 * refusal is a thrown {@link ProtocolException}.
 */
final class Chat {

  /** Where the chat's effects go: room broadcasts (room events among them) and frames for one member. */
  interface Outbox {
    void deliver(Delivery delivery);

    void send(Member member, EncodedFrame frame);
  }

  /** Nicks that belong to Roomcast's own bots and that no user may take. */
  static final Set<String> RESERVED_NICKS = Set.of("echo-bot");
  /** The field of a send's answer that says the message was stored before, under the same key. */
  static final String DUPLICATE = "duplicate";

  private final Map<String, Member> sessions = new HashMap<>();
  private final Map<String, Member> nicks = new HashMap<>();
  private final RoomRegistry rooms;
  private final Outbox out;
  private final ChatStore store;
  private final int maxRoomsPerConnection;
  private long guests;

  Chat(int historySize, int maxIdleRooms, Outbox out, ChatStore store, int maxRoomsPerConnection) {
    this.rooms = new RoomRegistry(historySize, maxIdleRooms, store::room, store::forget);
    this.out = out;
    this.store = store;
    this.maxRoomsPerConnection = maxRoomsPerConnection;
  }

  /**
   * Takes over stored state (this node now runs the chat): rooms with their seq and history, and the
   * sessions with their nicks and rooms. Sessions of nodes that are gone are dropped afterwards by
   * {@link #dropDeadNodes}, so their rooms hear {@code left}.
   */
  void restore(ChatStore.Snapshot snapshot) {
    for (ChatStore.StoredRoom sr : snapshot.rooms()) {
      Room room = rooms.restore(sr.name(), sr.epoch(), sr.seq());
      for (Room.Stored m : sr.history()) {
        room.remember(m.seq(), m.frame(), Room.keyScopeOf(m.frame()));
      }
    }
    for (JsonObject j : snapshot.members()) {
      Member m = new Member(j.getString("session"), j.getString("gateway"), j.getString("node"), j.getString("nick"));
      sessions.put(m.session, m);
      nicks.put(Names.nickKey(m.nick), m);
      for (Object name : j.getJsonArray("rooms")) {
        Room room = rooms.get((String) name);
        if (room == null) {
          room = rooms.restore((String) name, Long.toString(System.nanoTime(), 36), 0);
        }
        room.members.add(m);
        m.rooms.add(room);
        rooms.occupied(room);
      }
    }
  }

  /** The whole state, for a follower's first copy. */
  ChatStore.Snapshot snapshot() {
    List<ChatStore.StoredRoom> out = new ArrayList<>();
    for (Room r : rooms.all()) {
      out.add(new ChatStore.StoredRoom(r.name, r.epoch, r.seq(), r.after(0)));
    }
    List<JsonObject> members = new ArrayList<>();
    sessions.values().forEach(m -> members.add(m.toJson()));
    return new ChatStore.Snapshot(out, members);
  }

  /** Drops every session whose node is gone: its rooms hear {@code left} and its nick is free. */
  int dropDeadNodes(java.util.function.Predicate<String> alive) {
    List<String> dead = new ArrayList<>();
    for (Member m : sessions.values()) {
      if (!alive.test(m.node)) {
        dead.add(m.session);
      }
    }
    dead.forEach(this::disconnect);
    return dead.size();
  }

  Member member(String session) {
    return sessions.get(session);
  }

  int sessionCount() {
    return sessions.size();
  }

  int roomCount() {
    return rooms.size();
  }

  /**
   * Opens a session with a guest nick, then tries the nick asked for up front. A refused nick does
   * not refuse the session: the error is returned for the gateway to send after the welcome.
   */
  ProtocolException connect(String session, String gateway, String node, String wanted) {
    if (sessions.containsKey(session)) {
      return null; // a gateway retrying after a lost answer: the session is open already
    }
    Member m = new Member(session, gateway, node, nextGuestNick());
    sessions.put(session, m);
    nicks.put(Names.nickKey(m.nick), m);
    store.member(m);
    if (wanted != null) {
      try {
        rename(m, Names.checkNick(wanted));
      } catch (ProtocolException e) {
        return e;
      }
    }
    return null;
  }

  void disconnect(String session) {
    Member m = sessions.remove(session);
    if (m == null) {
      return;
    }
    nicks.remove(Names.nickKey(m.nick));
    for (Room room : new ArrayList<>(m.rooms)) {
      removeFromRoom(m, room);
    }
    store.memberGone(m);
  }

  JsonObject rename(Member m, String nick) {
    String key = Names.nickKey(nick);
    Member holder = nicks.get(key);
    if ((holder != null && holder != m) || RESERVED_NICKS.contains(key)) {
      throw new ProtocolException(ErrorCode.NICK_TAKEN, "nick '" + nick + "' is taken");
    }
    String old = m.nick;
    if (!old.equals(nick)) {
      nicks.remove(Names.nickKey(old));
      nicks.put(key, m);
      m.nick = nick;
      store.member(m);
      for (Room room : m.rooms) {
        out.deliver(new Delivery(room.name, EncodedFrame.of(Frames.renamed(room.name, old, nick)), null, false, 0, false));
      }
    }
    return new JsonObject().put("nick", nick);
  }

  /** Joins (harmless when already a member), replaying into {@code replay} when {@code since} is set. */
  JsonObject join(Member m, ClientFrame.Join join, List<EncodedFrame> replay) {
    Room room = rooms.get(join.room());
    if (room == null || !room.members.contains(m)) {
      if (m.rooms.size() >= maxRoomsPerConnection) {
        throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
            "a connection may be in at most " + maxRoomsPerConnection + " rooms");
      }
      room = rooms.getOrCreate(join.room());
      long ts = System.currentTimeMillis();
      JsonObject joined = Frames.joined(room.name, m.nick, ts);
      out.deliver(new Delivery(room.name, EncodedFrame.of(joined), m.session, false, 0, true));
      room.members.add(m);
      m.rooms.add(room);
      rooms.occupied(room);
      store.member(m);
    }
    JsonObject ack = new JsonObject().put("room", room.name).put("members", nicksOf(room))
        .put("seq", room.seq()).put("epoch", room.epoch);
    if (join.since() != null) {
      // A since from another incarnation of the room says nothing about this one: nothing is
      // replayed, and the client reloads with history (its seqs restarted).
      boolean sameEpoch = join.epoch() == null || join.epoch().equals(room.epoch);
      if (sameEpoch) {
        for (Room.Stored s : room.after(join.since())) {
          replay.add(s.frame());
        }
      }
      ack.put("recovered", sameEpoch && room.canReplayAfter(join.since()));
    }
    return ack;
  }

  JsonObject leave(Member m, String roomName) {
    Room room = memberRoom(m, roomName);
    removeFromRoom(m, room);
    store.member(m);
    return new JsonObject().put("room", roomName);
  }

  /**
   * Sends a room message; {@code from} is null for a member's message (its nick is used). A message
   * with a {@code key} its sender already used for a message still kept in the room's history is not
   * sent again: the answer is the first one's seq and ts, marked {@code duplicate}.
   */
  JsonObject send(Member m, String roomName, String from, String text, String key, JsonObject data) {
    Room room = m == null ? rooms.getOrCreate(roomName) : memberRoom(m, roomName);
    String sender = m == null ? from : m.nick;
    String keyScope = key == null ? null : Names.keyScope(sender, key);
    Room.Stored earlier = keyScope == null ? null : room.keyed(keyScope);
    if (earlier != null) {
      return new JsonObject().put("seq", earlier.seq()).put("ts", earlier.frame().toJson().getLong("ts"))
          .put(DUPLICATE, true);
    }
    rooms.touch(room);
    long seq = room.nextSeq();
    long ts = System.currentTimeMillis();
    EncodedFrame encoded = EncodedFrame.message(room.name, seq, sender, text, key, data, ts);
    room.remember(seq, encoded, keyScope);
    store.message(room, new Room.Stored(seq, encoded));
    out.deliver(new Delivery(room.name, encoded, null, false, seq, true));
    return new JsonObject().put("seq", seq).put("ts", ts);
  }

  JsonObject direct(String from, String to, String text) {
    Member target = nicks.get(Names.nickKey(to));
    if (target == null) {
      throw new ProtocolException(ErrorCode.NO_SUCH_USER, "no user with nick '" + to + "'");
    }
    long ts = System.currentTimeMillis();
    out.send(target, EncodedFrame.of(Frames.direct(from, text, ts)));
    return new JsonObject().put("to", target.nick).put("ts", ts);
  }

  JsonObject typing(Member m, String roomName) {
    Room room = memberRoom(m, roomName);
    out.deliver(new Delivery(room.name, EncodedFrame.of(Frames.typing(room.name, m.nick)), m.session, true, 0, false));
    return new JsonObject().put("room", roomName);
  }

  JsonObject history(ClientFrame.History h) {
    JsonArray messages = new JsonArray();
    Room room = rooms.get(h.room());
    if (room != null) {
      for (Room.Stored s : room.before(h.before(), h.limit())) {
        messages.add(s.frame().toJson());
      }
    }
    return new JsonObject().put("room", h.room()).put("messages", messages);
  }

  /** The kept message frames of each room after the given seq: {@code {room: [frame…]}}. */
  JsonObject since(JsonObject lastSeqs) {
    JsonObject out = new JsonObject();
    for (String name : lastSeqs.fieldNames()) {
      Room room = rooms.get(name);
      JsonArray frames = new JsonArray();
      if (room != null) {
        for (Room.Stored s : room.after(lastSeqs.getLong(name))) {
          frames.add(s.frame().toJson());
        }
      }
      out.put(name, frames);
    }
    return out;
  }

  JsonObject members(String roomName) {
    Room room = rooms.get(roomName);
    return new JsonObject().put("room", roomName)
        .put("members", room == null ? new JsonArray() : nicksOf(room));
  }

  JsonObject roomList() {
    JsonArray list = new JsonArray();
    for (Room r : rooms.occupiedRooms()) {
      list.add(new JsonObject().put("room", r.name).put("members", r.members.size()));
    }
    return new JsonObject().put("rooms", list);
  }

  private Room memberRoom(Member m, String roomName) {
    Room room = rooms.get(roomName);
    if (room == null || !room.members.contains(m)) {
      throw new ProtocolException(ErrorCode.NOT_MEMBER, "not a member of room '" + roomName + "'");
    }
    return room;
  }

  private void removeFromRoom(Member m, Room room) {
    room.members.remove(m);
    m.rooms.remove(room);
    JsonObject left = Frames.left(room.name, m.nick, System.currentTimeMillis());
    out.deliver(new Delivery(room.name, EncodedFrame.of(left), m.session, false, 0, true));
    if (room.members.isEmpty()) {
      rooms.emptied(room);
    }
  }

  private String nextGuestNick() {
    String nick;
    do {
      nick = "guest-" + (++guests);
    } while (nicks.containsKey(nick));
    return nick;
  }

  private static JsonArray nicksOf(Room room) {
    JsonArray a = new JsonArray();
    for (Member m : room.members) {
      a.add(m.nick);
    }
    return a;
  }
}
