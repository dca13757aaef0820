package io.roomcast.cluster;

import static io.roomcast.cluster.ClusterNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.Roomcast;
import io.roomcast.chat.Addresses;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.SockJsClient;
import io.roomcast.support.Transport;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Three clustered nodes in one JVM act as one chat server: every protocol feature works between
 * clients on different nodes and over both transports. {@link ClusterFailureTest} takes nodes away.
 */
class ClusterTest extends ClusterTestBase {
  @Test
  @Order(1)
  void roomSpansNodesWithOneOrderAndContiguousSeqs() {
    ChatClient a = connect(0, Transport.WS, "ann");
    ChatClient b = connect(1, Transport.SOCKJS, "bob");
    ChatClient c = connect(2, Transport.WS, "cat");
    await(a.join("lobby"), 5);
    await(b.join("lobby"), 5);
    await(a.await(joinedBy("lobby", "bob")), 5);
    JsonObject ack = await(c.join("lobby"), 5);
    assertEquals(new JsonArray(List.of("ann", "bob", "cat")), ack.getJsonArray("members"));
    await(a.await(joinedBy("lobby", "cat")), 5);
    await(b.await(joinedBy("lobby", "cat")), 5);

    // What each node's event bus sends while the messages go round.
    List<List<String>> sent = new ArrayList<>();
    List<Handler<DeliveryContext<Object>>> recorders = new ArrayList<>();
    for (Roomcast node : cluster.nodes) {
      List<String> addresses = new CopyOnWriteArrayList<>();
      sent.add(addresses);
      Handler<DeliveryContext<Object>> recorder = dc -> {
        addresses.add(dc.message().address());
        dc.next();
      };
      recorders.add(recorder);
      node.vertx().eventBus().addOutboundInterceptor(recorder);
    }
    int perSender = 30;
    for (int i = 0; i < perSender; i++) {
      a.send(new JsonObject().put("type", "send").put("room", "lobby").put("text", "a" + i));
      b.send(new JsonObject().put("type", "send").put("room", "lobby").put("text", "b" + i));
    }
    List<List<String>> seen = new ArrayList<>();
    for (ChatClient client : List.of(a, b, c)) {
      List<JsonObject> msgs = await(client.awaitMany(Match.message("lobby"), 2 * perSender, 10_000), 15);
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < msgs.size(); i++) {
        assertEquals(msgs.get(0).getLong("seq") + i, msgs.get(i).getLong("seq"), client + " saw a seq gap");
        texts.add(msgs.get(i).getString("text"));
      }
      seen.add(texts);
    }
    assertEquals(seen.get(0), seen.get(1), "nodes 1 and 2 saw another order");
    assertEquals(seen.get(0), seen.get(2), "nodes 1 and 3 saw another order");
    for (int i = 0; i < 3; i++) {
      cluster.nodes.get(i).vertx().eventBus().removeOutboundInterceptor(recorders.get(i));
    }
    // The chat runs on the oldest node. It hands its own gateways the broadcasts without the bus; the
    // follower's (the second oldest) hear them, and their own answers, with its copy of the changes;
    // the third node gets one publish per broadcast. Nothing else crosses from the chat's node.
    List<String> ids = cluster.nodes.stream().map(n -> Cluster.nodeId(n.vertx())).toList();
    String toThird = Addresses.at(Addresses.DELIVER, ids.get(2));
    List<String> fromChat = sent.get(0);
    assertEquals(2 * perSender, fromChat.stream().filter(toThird::equals).count(), "broadcasts to the third node");
    assertTrue(fromChat.stream().allMatch(addr -> addr.equals(toThird) || addr.equals(Addresses.replica(ids.get(1)))),
        () -> "the chat's node sent more: " + fromChat.stream().distinct().toList());
    assertTrue(fromChat.contains(Addresses.replica(ids.get(1))));
    // The follower's commands went with a ticket, not as requests; nobody else delivered anything.
    String commands = Addresses.at(Addresses.CHAT_COMMANDS, ids.get(0));
    assertEquals(perSender, sent.get(1).stream().filter(commands::equals).count());
    for (int i = 1; i < 3; i++) {
      assertTrue(sent.get(i).stream().noneMatch(addr -> addr.startsWith(Addresses.DELIVER)), "node " + i + " delivered");
    }
  }

  @Test
  @Order(2)
  void nicksAreUniqueAcrossNodesAndDirectMessagesCrossThem() {
    ChatClient a = connect(0, Transport.WS, "dora");
    ChatClient b = connect(1, Transport.WS, null);
    JsonObject refused = await(b.request(new JsonObject().put("type", "nick").put("nick", "DORA")), 5);
    assertEquals("nick_taken", refused.getString("code"), refused.encode());
    ChatClient c = connect(2, Transport.SOCKJS, null);
    await(c.ok(new JsonObject().put("type", "direct").put("to", "dora").put("text", "psst")), 5);
    JsonObject dm = await(a.next("direct"), 5);
    assertEquals("psst", dm.getString("text"));
    assertEquals(c.welcomeNick(), dm.getString("from"));
    // The nick is free once its holder leaves, whichever node it was on.
    await(a.close(), 5);
    await(retry(() -> b.rename("dora"), 5000), 10);
  }

  @Test
  @Order(3)
  void typingRoomsAndEventBusApiWorkFromAnyNode() {
    ChatClient a = connect(0, Transport.SOCKJS, "eve");
    ChatClient b = connect(2, Transport.WS, "fay");
    await(a.join("den"), 5);
    await(b.join("den"), 5);
    await(a.ok(new JsonObject().put("type", "typing").put("room", "den")), 5);
    assertEquals("eve", await(b.next("typing"), 5).getString("nick"));
    await(a.assertNothing(Match.type("typing"), 300), 5); // not echoed to the typist

    JsonObject rooms = await(b.ok(new JsonObject().put("type", "rooms")), 5);
    assertTrue(rooms.getJsonArray("rooms").stream().anyMatch(r -> "den".equals(((JsonObject) r).getString("room"))
        && ((JsonObject) r).getInteger("members") == 2), rooms.encode());

    // A verticle on node 2 publishes; members on nodes 1 and 3 get it; node 2 sees the room event
    // once, with a consumer and with a local consumer alike (node 2 does not run the chat).
    Vertx second = cluster.nodes.get(1).vertx();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    List<JsonObject> localEvents = new CopyOnWriteArrayList<>();
    var consumer = second.eventBus().<JsonObject>consumer(Addresses.events("den"), m -> events.add(m.body()));
    var localConsumer = second.eventBus().<JsonObject>localConsumer(Addresses.events("den"),
        m -> localEvents.add(m.body()));
    await(consumer.completion(), 5);
    await(localConsumer.completion(), 5);
    JsonObject published = await(second.eventBus().<JsonObject>request(Addresses.PUBLISH,
        new JsonObject().put("room", "den").put("from", "ops").put("text", "hello from node 2")), 5).body();
    for (ChatClient client : List.of(a, b)) {
      JsonObject m = await(client.await(Match.message("den", "hello from node 2")), 5);
      assertEquals(published.getLong("seq"), m.getLong("seq"));
    }
    JsonObject presence = await(second.eventBus().<JsonObject>request(Addresses.PRESENCE,
        new JsonObject().put("room", "den")), 5).body();
    assertEquals(new JsonArray(List.of("eve", "fay")), presence.getJsonArray("members"));
    await(retry(() -> localEvents.stream().anyMatch(e -> "hello from node 2".equals(e.getString("text")))
        ? io.vertx.core.Future.succeededFuture() : io.vertx.core.Future.failedFuture("no event yet"), 3000), 5);
    await(a.assertNothing(Match.message("den", "no such text"), 300), 5); // time for a duplicate to show
    for (List<JsonObject> got : List.of(events, localEvents)) {
      assertEquals(1, got.stream().filter(e -> "hello from node 2".equals(e.getString("text"))).count(), got.toString());
      assertEquals(published.getLong("seq"), got.stream().filter(e -> "hello from node 2".equals(e.getString("text")))
          .findFirst().orElseThrow().getLong("seq"));
    }
    await(consumer.unregister(), 5);
    await(localConsumer.unregister(), 5);
  }

  @Test
  @Order(4)
  void echoBotAnswersOnceInACluster() {
    ChatClient a = connect(1, Transport.WS, null);
    await(a.join("echo"), 5);
    await(a.say("echo", "hi"), 5);
    await(a.await(Match.message("echo", "HI!!!")), 5);
    // Every node runs the bot and hears the room, but only the one on the chat's node answers.
    await(a.assertNothing(Match.message("echo", "HI!!!"), 700), 5);
  }

  @Test
  @Order(5)
  void sockJsWorksWhenEveryRequestLandsOnAnotherNode() {
    // As behind a round-robin balancer without sticky sessions: open, polls and sends alternate nodes.
    SockJsClient roaming = await(SockJsClient.connectRoundRobin(clients,
        new int[] {cluster.port(0), cluster.port(1), cluster.port(2)}, "max"), 10);
    open.add(roaming);
    ChatClient fixed = connect(2, Transport.WS, "ned");
    await(roaming.join("roam"), 5);
    await(fixed.join("roam"), 5);
    await(roaming.await(joinedBy("roam", "ned")), 5);
    for (int i = 0; i < 10; i++) {
      await(roaming.say("roam", "r" + i), 5);
      await(fixed.say("roam", "f" + i), 5);
    }
    List<JsonObject> got = await(roaming.awaitMany(Match.message("roam"), 20, 10_000), 15);
    List<JsonObject> other = await(fixed.awaitMany(Match.message("roam"), 20, 10_000), 15);
    for (int i = 0; i < 20; i++) {
      assertEquals(other.get(i).getLong("seq"), got.get(i).getLong("seq"));
      assertEquals(got.get(0).getLong("seq") + i, got.get(i).getLong("seq"));
    }
    await(roaming.assertNothing(Match.message("roam"), 300), 5); // each once
  }
}
