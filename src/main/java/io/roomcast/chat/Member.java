package io.roomcast.chat;

import java.util.LinkedHashSet;
import java.util.Set;

/** One connected session as the chat sees it: its nick, its gateway and the rooms it is in. */
final class Member {
  final String session;
  final String gateway;
  /** The cluster node of the gateway ({@code "local"} on a single node). */
  final String node;
  String nick;
  /** The member → rooms half of the two-way index; rooms hold the other half. */
  final Set<Room> rooms = new LinkedHashSet<>();

  /** As the chat's state copies keep it: {@code {"session","nick","gateway","node","rooms":[…]}}. */
  io.vertx.core.json.JsonObject toJson() {
    io.vertx.core.json.JsonArray in = new io.vertx.core.json.JsonArray();
    rooms.forEach(r -> in.add(r.name));
    return new io.vertx.core.json.JsonObject().put("session", session).put("nick", nick).put("gateway", gateway)
        .put("node", node).put("rooms", in);
  }

  Member(String session, String gateway, String node, String nick) {
    this.session = session;
    this.gateway = gateway;
    this.node = node;
    this.nick = nick;
  }
}
