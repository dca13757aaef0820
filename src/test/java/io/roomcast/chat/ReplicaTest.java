package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.Frames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The follower's copy of the chat's state, fed through the same wire form the chat sends between
 * nodes: what a node taking the chat over starts from.
 */
class ReplicaTest {

  private static EncodedFrame message(String room, long seq, String text) {
    return EncodedFrame.of(Frames.message(room, seq, "amy", text, null, null, 1_700_000_000_000L + seq));
  }

  private static JsonObject member(String session, String nick, String... rooms) {
    return new JsonObject().put("session", session).put("nick", nick).put("gateway", "g1").put("node", "n1")
        .put("rooms", new JsonArray(List.of((Object[]) rooms)));
  }

  private static ReplicaUpdate update(long id, ChatStore.Snapshot snapshot, List<ReplicaUpdate.Change> changes,
      List<ReplicaUpdate.Effect> effects) {
    return new ReplicaUpdate(snapshot, changes, effects, "chat-node", id);
  }

  @Test
  void anUpdateSentAgainIsSkippedAndItsEffectsArePassedOnOnce() {
    Replica replica = new Replica(10);
    ReplicaUpdate.Effect hello = new ReplicaUpdate.ToGateways(
        new ChatMessages.Delivery("lobby", message("lobby", 1, "hello"), null, false, 1, true));
    ReplicaUpdate first = update(4, null, List.of(new ReplicaUpdate.Message("lobby", "e1", 1, message("lobby", 1, "hello"))),
        List.of(hello));
    assertEquals(1, replica.apply(ChatCodecs.fromWire(ChatCodecs.toWire(first))).size());
    replica.apply(update(5, null, List.of(new ReplicaUpdate.Forget("lobby")), List.of()));
    // Update 4 again (its answer was lost): neither its message nor its broadcast comes back.
    assertEquals(List.of(), replica.apply(ChatCodecs.fromWire(ChatCodecs.toWire(first))));
    assertEquals(List.of(), replica.snapshot().rooms());
    // Another chat node numbers its updates from its own start.
    ReplicaUpdate fromNext = new ReplicaUpdate(null, first.changes(), first.effects(), "next-chat-node", 1);
    assertEquals(1, replica.apply(fromNext).size());
    assertEquals(List.of("lobby"), replica.snapshot().rooms().stream().map(ChatStore.StoredRoom::name).toList());
  }

  @Test
  void changesSentOverTheWireRebuildRoomsHistoryAndSessions() {
    Replica replica = new Replica(2);
    ReplicaUpdate first = update(1, null, List.of(
        new ReplicaUpdate.RoomState("lobby", "e1", 0),
        new ReplicaUpdate.MemberState(member("s1", "amy", "lobby")),
        new ReplicaUpdate.MemberState(member("s2", "bob", "lobby")),
        new ReplicaUpdate.Message("lobby", "e1", 1, message("lobby", 1, "one \"quoted\" ünïcode")),
        new ReplicaUpdate.Message("lobby", "e1", 2, message("lobby", 2, "two")),
        new ReplicaUpdate.Message("lobby", "e1", 3, message("lobby", 3, "three")),
        new ReplicaUpdate.RoomState("old", "e9", 7),
        new ReplicaUpdate.Forget("old"),
        new ReplicaUpdate.Gone("s2")), List.of());
    replica.apply(ChatCodecs.fromWire(ChatCodecs.toWire(first)));

    ChatStore.Snapshot s = replica.snapshot();
    assertEquals(1, s.rooms().size(), "a forgotten room is not kept");
    ChatStore.StoredRoom lobby = s.rooms().get(0);
    assertEquals("lobby", lobby.name());
    assertEquals("e1", lobby.epoch());
    assertEquals(3, lobby.seq());
    // History keeps the last two (its size), byte for byte what the chat encoded.
    assertEquals(List.of(2L, 3L), lobby.history().stream().map(Room.Stored::seq).toList());
    assertEquals(message("lobby", 3, "three").toString(), lobby.history().get(1).frame().toString());
    assertEquals(List.of("amy"), s.members().stream().map(m -> m.getString("nick")).toList());
    assertEquals(new JsonArray().add("lobby"), s.members().get(0).getJsonArray("rooms"));
  }

  @Test
  void aSnapshotReplacesEverythingAndTravelsWithTheChangesAfterIt() {
    Replica replica = new Replica(10);
    replica.apply(ChatCodecs.fromWire(ChatCodecs.toWire(update(1, null, List.of(
        new ReplicaUpdate.RoomState("stale", "e0", 4), new ReplicaUpdate.MemberState(member("s9", "zed"))), List.of()))));

    ChatStore.Snapshot snapshot = new ChatStore.Snapshot(
        List.of(new ChatStore.StoredRoom("ops", "e2", 5, List.of(new Room.Stored(5, message("ops", 5, "five"))))),
        List.of(member("s1", "amy", "ops")));
    ReplicaUpdate update = ChatCodecs.fromWire(ChatCodecs.toWire(update(2, snapshot,
        List.of(new ReplicaUpdate.Message("ops", "e2", 6, message("ops", 6, "six"))), List.of())));
    replica.apply(update);

    ChatStore.Snapshot s = replica.snapshot();
    assertEquals(List.of("ops"), s.rooms().stream().map(ChatStore.StoredRoom::name).toList());
    assertEquals(6, s.rooms().get(0).seq());
    assertEquals(List.of(5L, 6L), s.rooms().get(0).history().stream().map(Room.Stored::seq).toList());
    assertEquals(List.of("s1"), s.members().stream().map(m -> m.getString("session")).toList());
  }

  @Test
  void whatTheChatSaidToTheFollowersGatewaysCrossesWithTheChangesInOrder() {
    EncodedFrame hello = message("lobby", 7, "hello");
    ChatMessages.Reply joined = ChatMessages.Reply.ok(new JsonObject().put("room", "lobby").put("seq", 6),
        List.of(message("lobby", 6, "replayed")));
    ChatMessages.Reply refused = ChatMessages.Reply.failed(io.roomcast.protocol.ErrorCode.NOT_MEMBER, "not in lobby");
    ReplicaUpdate sent = update(9, null, List.of(new ReplicaUpdate.Message("lobby", "e1", 7, hello)), List.of(
        new ReplicaUpdate.ToTicket(41, joined),
        new ReplicaUpdate.ToGateways(new ChatMessages.Delivery("lobby", hello, "s1", false, 7, true)),
        new ReplicaUpdate.ToGateway("g2", new ChatMessages.Targeted("s3", EncodedFrame.of(new JsonObject().put("type", "dm")))),
        new ReplicaUpdate.ToTicket(42, refused)));
    ReplicaUpdate back = ChatCodecs.fromWire(ChatCodecs.toWire(sent));
    assertEquals("chat-node", back.from());
    assertEquals(9, back.id());

    assertEquals(1, back.changes().size());
    assertEquals(4, back.effects().size());
    ReplicaUpdate.ToTicket first = (ReplicaUpdate.ToTicket) back.effects().get(0);
    assertEquals(41, first.ticket());
    assertEquals(joined.ack(), first.reply().ack());
    assertEquals("replayed", first.reply().before().get(0).toJson().getString("text"));
    ChatMessages.Delivery d = ((ReplicaUpdate.ToGateways) back.effects().get(1)).delivery();
    assertEquals(List.of("lobby", hello.toString(), "s1", false, 7L, true),
        List.of(d.room(), d.frame().toString(), d.exclude(), d.ephemeral(), d.seq(), d.event()));
    ReplicaUpdate.ToGateway one = (ReplicaUpdate.ToGateway) back.effects().get(2);
    assertEquals(List.of("g2", "s3", "{\"type\":\"dm\"}"),
        List.of(one.gateway(), one.targeted().session(), one.targeted().frame().toString()));
    ReplicaUpdate.ToTicket last = (ReplicaUpdate.ToTicket) back.effects().get(3);
    assertEquals(42, last.ticket());
    assertEquals(io.roomcast.protocol.ErrorCode.NOT_MEMBER, last.reply().error());
    assertEquals("not in lobby", last.reply().message());
  }

  @Test
  void anUpdateWithoutSnapshotReadsBackWithoutOne() {
    ReplicaUpdate back = ChatCodecs.fromWire(ChatCodecs.toWire(update(1, null, List.of(), List.of())));
    assertNull(back.snapshot());
    assertTrue(back.changes().isEmpty());
    assertTrue(back.effects().isEmpty());
  }

  @Test
  void answersCrossWithEveryFieldAndItsTypeAsTheChatMadeThem() {
    // A send's ack (flat: written field by field) and a members answer (nested: written as JSON).
    JsonObject ack = new JsonObject().put("seq", 7L).put("ts", 1795300000500L).put("duplicate", true)
        .put("count", 3).put("epoch", "e1").put("none", null);
    JsonObject nested = new JsonObject().put("room", "lobby").put("members", new JsonArray().add("amy").add("bo"));
    ReplicaUpdate back = ChatCodecs.fromWire(ChatCodecs.toWire(update(3, null, List.of(), List.of(
        new ReplicaUpdate.ToTicket(1, ChatMessages.Reply.ok(ack)),
        new ReplicaUpdate.ToTicket(2, ChatMessages.Reply.ok(nested)),
        new ReplicaUpdate.ToTicket(3, ChatMessages.Reply.ok(new JsonObject()))))));
    List<JsonObject> acks = back.effects().stream().map(e -> ((ReplicaUpdate.ToTicket) e).reply().ack()).toList();
    assertEquals(List.of(ack, nested, new JsonObject()), acks);
    assertEquals(List.of("seq", "ts", "duplicate", "count", "epoch", "none"), List.copyOf(acks.get(0).fieldNames()));
    assertEquals(List.of(Long.class, Long.class, Boolean.class, Integer.class, String.class),
        List.of("seq", "ts", "duplicate", "count", "epoch").stream().map(f -> acks.get(0).getValue(f).getClass()).toList());
    assertTrue(acks.get(0).containsKey("none"));
    assertEquals(List.of("amy", "bo"), acks.get(1).getJsonArray("members").getList());
  }
}
