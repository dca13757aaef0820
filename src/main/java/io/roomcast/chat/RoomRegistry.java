package io.roomcast.chat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * All rooms. A room outlives its last member (keeping seq and history) until more than
 * {@code maxIdleRooms} rooms are idle; then the least recently used idle rooms are forgotten.
 */
final class RoomRegistry {
  private final Map<String, Room> rooms = new HashMap<>();
  /** Rooms without members, least recently used first. */
  private final LinkedHashMap<String, Room> idle = new LinkedHashMap<>();
  private final int historySize;
  private final int maxIdleRooms;
  private final Consumer<Room> created;
  private final Consumer<Room> forgotten;

  RoomRegistry(int historySize, int maxIdleRooms) {
    this(historySize, maxIdleRooms, r -> { }, r -> { });
  }

  /** {@code created} and {@code forgotten} see every room made and dropped (to store them). */
  RoomRegistry(int historySize, int maxIdleRooms, Consumer<Room> created, Consumer<Room> forgotten) {
    this.historySize = historySize;
    this.maxIdleRooms = maxIdleRooms;
    this.created = created;
    this.forgotten = forgotten;
  }

  /** Puts back a stored room (idle until members are restored into it); no callback. */
  Room restore(String name, String epoch, long seq) {
    Room room = new Room(name, historySize, epoch, seq);
    rooms.put(name, room);
    idle.put(name, room);
    return room;
  }

  Room get(String name) {
    return rooms.get(name);
  }

  /** The room, created (idle) when new. */
  Room getOrCreate(String name) {
    Room room = rooms.get(name);
    if (room == null) {
      room = new Room(name, historySize);
      rooms.put(name, room);
      idle.put(name, room);
      created.accept(room);
      evict(room);
    }
    return room;
  }

  /** Marks an idle room as just used, so it is forgotten last. */
  void touch(Room room) {
    if (idle.remove(room.name) != null) {
      idle.put(room.name, room);
    }
  }

  void occupied(Room room) {
    idle.remove(room.name);
  }

  void emptied(Room room) {
    idle.put(room.name, room);
    evict(null);
  }

  List<Room> occupiedRooms() {
    List<Room> out = new ArrayList<>();
    for (Room r : rooms.values()) {
      if (!r.members.isEmpty()) {
        out.add(r);
      }
    }
    return out;
  }

  java.util.Collection<Room> all() {
    return rooms.values();
  }

  int size() {
    return rooms.size();
  }

  /** Forgets idle rooms beyond the bound, oldest first, but never {@code keep} (just created for use). */
  private void evict(Room keep) {
    Iterator<Room> it = idle.values().iterator();
    while (idle.size() > maxIdleRooms && it.hasNext()) {
      Room r = it.next();
      if (r == keep) {
        continue;
      }
      it.remove();
      rooms.remove(r.name);
      forgotten.accept(r);
    }
  }
}
