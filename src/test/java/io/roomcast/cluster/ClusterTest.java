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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three clustered nodes in one JVM act as one chat server: every protocol feature works between
 * clients on different nodes and over both transports. The last tests take nodes away (a graceful
 * leave, then a crash of the node that runs the chat) and check that nothing acknowledged is lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class ClusterTest {
  /** Longer than noticing a dead node takes, by far: frames must not wait for it after a crash. */
  private static final long REQUEST_TIMEOUT_MS = 10_000;
  private ClusterNodes cluster;
  private Vertx clients;
  private final List<ChatClient> open = new ArrayList<>();

  @BeforeAll
  void startCluster() {
    cluster = new ClusterNodes(3, "http.instances=2", "cluster.requestTimeoutMs=" + REQUEST_TIMEOUT_MS,
        "limits.ratePerSecond=1000", "limits.rateBurst=1000", "rooms.historySize=1000");
    for (int i = 0; i < 3; i++) {
      cluster.start();
    }
    clients = Vertx.vertx();
  }

  @AfterEach
  void closeClients() {
    for (ChatClient c : open) {
      try {
        await(c.close(), 5);
      } catch (AssertionError ignored) {
        // its node is gone
      }
    }
    open.clear();
  }

  @AfterAll
  void stopCluster() {
    cluster.close();
    await(clients.close(), 10);
  }

  private ChatClient connect(int node, Transport t, String nick) {
    ChatClient c = await(t.connect(clients, cluster.port(node), nick), 10);
    open.add(c);
    return c;
  }

  private static Match joinedBy(String room, String nick) {
    return Match.type("joined").and(Match.field("room", room)).and(Match.field("nick", nick));
  }

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

  @Test
  @Order(10)
  void aNodeThatLeavesClosesItsClientsWith1001AndTheOthersSeeThemLeave() {
    ChatClient stay = connect(0, Transport.WS, "gus");
    ChatClient goes = connect(2, Transport.WS, "hal");
    ChatClient goesToo = connect(2, Transport.SOCKJS, "ida");
    for (ChatClient c : List.of(stay, goes, goesToo)) {
      await(c.join("hall"), 5);
    }
    await(stay.await(joinedBy("hall", "ida")), 5);
    long started = System.currentTimeMillis();
    await(node(2).close(), 15);
    assertTrue(System.currentTimeMillis() - started < 10_000, "leaving took more than 10 s");
    assertEquals(1001, await(goes.closeFuture(), 5));
    await(stay.await(Match.type("left").and(Match.field("nick", "hal"))), 5);
    await(stay.await(Match.type("left").and(Match.field("nick", "ida"))), 5);
    // The room still works, and the nicks are free again.
    await(stay.say("hall", "still here"), 5);
    ChatClient back = connect(1, Transport.WS, "hal");
    assertEquals("hal", back.welcomeNick());
  }

  @Test
  @Order(11)
  void killingTheNodeThatRunsTheChatLosesNothingAcknowledged() throws Exception {
    // Node 1 (index 0) started first, so it runs the chat; it also holds one of the members.
    ChatClient victim = connect(0, Transport.WS, "jay");
    ChatClient writer = connect(1, Transport.WS, "kim");
    ChatClient reader = connect(1, Transport.SOCKJS, "lea");
    JsonObject joinAck = await(victim.join("ops"), 5);
    await(writer.join("ops"), 5);
    await(reader.join("ops"), 5);
    await(victim.await(joinedBy("ops", "lea")), 5);

    long[] lastVictimSeq = {joinAck.getLong("seq")};
    Writes writes = writeThroughCrash(writer, "ops", node(0), () -> lastVictimSeq[0] = victim.received().stream()
        .filter(Match.message("ops")).mapToLong(m -> m.getLong("seq")).max().orElse(lastVictimSeq[0]));
    List<Long> acked = writes.acked();
    // The dead node's member is dropped, cluster-wide, within 10 s of the crash.
    await(reader.await(Match.type("left").and(Match.field("nick", "jay")), 10_000), 15);

    // Survivors saw every acknowledged message, once, without gaps.
    for (ChatClient c : List.of(writer, reader)) {
      List<Long> seqs = c.received().stream().filter(Match.message("ops")).map(m -> m.getLong("seq")).toList();
      assertTrue(seqs.containsAll(acked), c + " misses acknowledged messages");
      for (int i = 1; i < seqs.size(); i++) {
        assertEquals(seqs.get(i - 1) + 1, seqs.get(i), c + " saw a gap or a repeat: " + seqs);
      }
    }
    // The dead node's client comes back through another node and recovers what it missed.
    ChatClient again = connect(2 - 1, Transport.WS, "jay");
    JsonObject rejoin = await(again.ok(new JsonObject().put("type", "join").put("room", "ops")
        .put("since", lastVictimSeq[0]).put("epoch", joinAck.getString("epoch"))), 10);
    assertEquals(true, rejoin.getBoolean("recovered"), rejoin.encode());
    List<Long> replayed = again.received().stream().filter(Match.message("ops")).map(m -> m.getLong("seq")).toList();
    for (Long seq : acked) {
      assertTrue(seq <= lastVictimSeq[0] || replayed.contains(seq), "seq " + seq + " not replayed: " + replayed);
    }
    // Rooms keep going with seq continuing.
    JsonObject next = await(writer.say("ops", "after"), 5);
    assertEquals(rejoin.getLong("seq") + 1, next.getLong("seq"));
  }

  @Test
  @Order(12)
  void killingTheFollowerHoldsNoAckLongerThanItTakesToNoticeTheDeath() {
    // Node 2 (index 1) runs the chat alone since the crash above; a new node becomes its follower.
    Roomcast follower = cluster.start();
    ChatClient writer = connect(1, Transport.WS, "max");
    ChatClient reader = connect(1, Transport.SOCKJS, "ned");
    ChatClient gone = connect(cluster.nodes.indexOf(follower), Transport.WS, "oz");
    for (ChatClient c : List.of(writer, reader, gone)) {
      await(c.join("lab"), 5);
    }
    await(reader.await(joinedBy("lab", "oz")), 5);
    // Every message is copied to the follower before its ack: the copies in flight when it dies.
    List<Long> acked = writeThroughCrash(writer, "lab", follower, () -> { }).acked();
    await(reader.await(Match.type("left").and(Match.field("nick", "oz")), 10_000), 15);
    List<Long> seqs = reader.received().stream().filter(Match.message("lab")).map(m -> m.getLong("seq")).toList();
    assertTrue(seqs.containsAll(acked), "the reader misses acknowledged messages");
    for (int i = 1; i < seqs.size(); i++) {
      assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "the reader saw a gap or a repeat: " + seqs);
    }
    // The chat goes on alone.
    assertTrue(await(writer.say("lab", "after"), 5).getLong("seq") > acked.get(acked.size() - 1));
  }

  /** What a writer got while a node crashed: the seqs acknowledged, in order. */
  private record Writes(List<Long> acked) {
  }

  /**
   * {@code writer} sends to {@code room} every 20 ms for 8 s; after 0.5 s {@code victim} crashes
   * ({@code beforeCrash} runs first). {@code writer}'s node survives in a cluster of two, so it runs
   * the chat or keeps its copy: every frame is acknowledged, sooner than half the request time limit
   * (a node's death is noticed long before that, and what waited for the dead node gives up then).
   * Seqs never go back.
   */
  private Writes writeThroughCrash(ChatClient writer, String room, Roomcast victim, Runnable beforeCrash) {
    List<Long> acked = new ArrayList<>();
    int sent = 0;
    long longestWait = 0;
    long killAt = System.currentTimeMillis() + 500;
    long stopAt = killAt + 8_000;
    boolean killed = false;
    while (System.currentTimeMillis() < stopAt) {
      if (!killed && System.currentTimeMillis() >= killAt) {
        beforeCrash.run();
        victim.crash(); // not awaited: the writer keeps writing while the node goes
        killed = true;
      }
      long asked = System.currentTimeMillis();
      JsonObject reply = await(writer.request(new JsonObject().put("type", "send").put("room", room)
          .put("text", "m" + sent++)), 15);
      longestWait = Math.max(longestWait, System.currentTimeMillis() - asked);
      // On the chat's node, or on the node that keeps its copy, nothing is answered unavailable: a
      // frame that waited for the dead node is asked again of the chat this node runs now.
      assertEquals("ack", reply.getString("type"), "frame " + (sent - 1) + " at " + (asked - killAt)
          + " ms from the crash: " + reply.encode());
      acked.add(reply.getLong("seq"));
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    assertTrue(longestWait < REQUEST_TIMEOUT_MS / 2, "a frame waited " + longestWait + " ms for its answer");
    assertTrue(acked.size() > 50, "too few messages acknowledged: " + acked.size());
    for (int i = 1; i < acked.size(); i++) {
      assertTrue(acked.get(i) > acked.get(i - 1), "seq reused or went back: " + acked);
    }
    assertEquals(sent, acked.size(), "not every frame was acknowledged");
    // Each stored once, also those the server asked the chat again after the crash.
    List<String> texts = writer.received().stream().filter(Match.message(room)).map(m -> m.getString("text"))
        .filter(t -> t.startsWith("m")).toList();
    assertEquals(texts.size(), new java.util.HashSet<>(texts).size(), "a message was stored twice: " + texts);
    return new Writes(acked);
  }

  /** Retries {@code op} every 100 ms until it succeeds or {@code ms} pass. */
  private <T> io.vertx.core.Future<T> retry(java.util.function.Supplier<io.vertx.core.Future<T>> op, long ms) {
    long deadline = System.currentTimeMillis() + ms;
    while (true) {
      try {
        return io.vertx.core.Future.succeededFuture(await(op.get(), 5));
      } catch (AssertionError e) {
        if (System.currentTimeMillis() > deadline) {
          return io.vertx.core.Future.failedFuture(e);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  Roomcast node(int i) {
    return cluster.nodes.get(i);
  }
}
