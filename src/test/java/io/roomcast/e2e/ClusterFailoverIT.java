package io.roomcast.e2e;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roomcast.e2e.cluster.Nginx;
import io.roomcast.e2e.cluster.NodeProcess;
import io.roomcast.e2e.cluster.Ports;
import io.roomcast.e2e.cluster.RoomClient;
import io.roomcast.e2e.cluster.RoomClient.Kind;
import io.roomcast.e2e.cluster.RoomClient.Snapshot;
import io.roomcast.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clustered mode end to end: two {@code java -jar target/roomcast.jar} processes form one cluster on
 * loopback, behind nginx started from the shipped {@code conf/nginx.conf} (round-robin, no sticky
 * sessions). Three WebSocket clients and two SockJS xhr-polling clients (raw HTTP, so successive
 * requests of one session land on both nodes) join one room through nginx; three of them publish every
 * 40 ms. While messages flow, one node is killed with SIGKILL; its clients reconnect through nginx and
 * rejoin with {@code since} + {@code epoch}; a client that sees a seq jump on a live connection (frames
 * lost on the way, e.g. a SockJS poll answer that died with the node that forwarded it) fetches the
 * missing seqs with {@code history before}, as the protocol tells clients to, and the summary lists
 * every such repair. Then the test checks the protocol's cluster guarantees:
 * every acknowledged message reached every client that is in the room at the end, each client holds
 * every seq from its first to the room's last exactly once with the same content everywhere (no gaps,
 * no reused seq), every survivor saw the dead node's members leave within 10 s of the kill, and the
 * surviving node keeps working (a fresh client joins and chats, seqs continue), and every send on a
 * live connection was acknowledged, none anywhere near the request time limit.
 *
 * <p>Runs once killing the node that started first (the oldest cluster member, which may hold a
 * special role) and once killing the other. Skipped without nginx unless ROOMCAST_REQUIRE_E2E=1 (as
 * in CI), where a missing nginx is a failure. Every process it starts is stopped afterwards, even on
 * failure. Logs go to {@code target/cluster-it/<case>-<time>/}: each node's output, nginx's error and
 * access logs (with the node that served each request), each client's event log and a summary.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterFailoverIT {
  private static final Path JAR = Path.of("target", "roomcast.jar");
  private static final Path NGINX_CONF = Path.of("conf", "nginx.conf");
  private static final long PUBLISH_EVERY_MS = 40;
  /** The nodes' request time limit (the default, set explicitly): sends are answered well within it. */
  private static final long REQUEST_TIMEOUT_MS = 5_000;
  /** The protocol's bound for dropping a dead node's members, plus time for the left frames to arrive. */
  private static final long LEFT_WITHIN_MS = 10_000;
  private static final long LEFT_SLACK_MS = 500;
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /** Which node is killed. */
  enum Victim {
    /** The node that started first (the oldest cluster member). */
    FIRST_STARTED,
    /** The node that joined the cluster second. */
    SECOND_STARTED
  }

  private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
  private final List<RoomClient> clients = new CopyOnWriteArrayList<>();
  private final List<String> summary = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private Nginx nginx;
  private Path nginxBinary;
  private Path runDir;

  @BeforeEach
  void tools() {
    boolean required = "1".equals(System.getenv("ROOMCAST_REQUIRE_E2E"));
    Optional<Path> binary = Nginx.binary();
    if (binary.isEmpty()) {
      if (required) {
        fail("nginx is not installed (ROOMCAST_REQUIRE_E2E=1): .ci/run installs it with apt-get install nginx");
      }
      assumeTrue(false, "cluster failover test skipped: install nginx (see .ci/run)");
    }
    nginxBinary = binary.get();
    if (!Files.isRegularFile(JAR)) {
      fail(JAR + " is missing: this test runs under failsafe after `mvn package` builds it");
    }
  }

  @ParameterizedTest(name = "kill -9 the {0} node")
  @EnumSource(Victim.class)
  void everyAcknowledgedMessageSurvivesANodeKill(Victim victimChoice) throws Exception {
    runDir = Path.of("target", "cluster-it", victimChoice.name().toLowerCase() + "-" + LocalDateTime.now().format(STAMP));
    Files.createDirectories(runDir);
    vertx = Vertx.vertx();
    String id = UUID.randomUUID().toString().substring(0, 8);
    String clusterName = "roomcast-it-" + id;
    note("run " + id + ", logs in " + runDir.toAbsolutePath());

    // 1. Two clustered nodes, one after the other (so that "first started" means the oldest member).
    int[] http = {Ports.free(), Ports.free()};
    int[] hz = {Ports.freeRange(3), Ports.freeRange(3)};
    String members = "127.0.0.1:" + hz[0] + ",127.0.0.1:" + hz[1];
    for (int i = 0; i < 2; i++) {
      String name = i == 0 ? "node-a" : "node-b";
      NodeProcess node = NodeProcess.start(name, JAR, runDir.resolve(name), http[i], nodeEnv(http[i], hz[i], members, clusterName));
      nodes.add(node);
      long ms = node.awaitReady(Duration.ofSeconds(20));
      note(node + " ready in " + ms + " ms (hazelcast port " + hz[i] + ")");
    }
    NodeProcess first = nodes.get(0);
    NodeProcess second = nodes.get(1);
    awaitClusterFormed(first, second, id, Duration.ofSeconds(15));

    // 2. nginx from the shipped config, round-robin over both nodes.
    int lbPort = Ports.free();
    String shipped = Files.readString(NGINX_CONF, StandardCharsets.UTF_8);
    String config = Nginx.template(shipped, lbPort, List.of(first.httpPort(), second.httpPort()));
    nginx = Nginx.start(nginxBinary, runDir.resolve("nginx"), config, lbPort, Duration.ofSeconds(10));
    note("nginx pid " + nginx.pid() + " on 127.0.0.1:" + lbPort + " (prefix " + nginx.prefix() + ")");
    assertRoundRobin(lbPort, Set.of(first.address(), second.address()));

    // 3. Clients through nginx, all in one room; three of them publish.
    String room = "failover-" + id;
    addClient(new RoomClient("ws1", Kind.WS, lbPort, room, true, PUBLISH_EVERY_MS));
    addClient(new RoomClient("xhr1", Kind.XHR_POLLING, lbPort, room, true, PUBLISH_EVERY_MS));
    addClient(new RoomClient("ws2", Kind.WS, lbPort, room, true, PUBLISH_EVERY_MS));
    addClient(new RoomClient("xhr2", Kind.XHR_POLLING, lbPort, room, false, PUBLISH_EVERY_MS));
    addClient(new RoomClient("ws3", Kind.WS, lbPort, room, false, PUBLISH_EVERY_MS));
    awaitAll("every client joined room " + room, Duration.ofSeconds(15), s -> s.joined());
    for (Snapshot s : snapshots()) {
      note(s.describe() + " joined, members " + s.members());
    }
    clients.stream().filter(RoomClient::isPublisher).forEach(RoomClient::startPublishing);
    awaitAll("every publisher has 15 acknowledged messages", Duration.ofSeconds(10),
        s -> !s.publisher() || s.acks().size() >= 15);

    // 4. Kill a node that holds clients, while messages flow.
    NodeProcess victim = victimChoice == Victim.FIRST_STARTED ? first : second;
    NodeProcess survivor = victim == first ? second : first;
    List<Snapshot> beforeKill = snapshots();
    Map<String, String> deadNicks = new TreeMap<>(); // nick -> client
    for (Snapshot s : beforeKill) {
      if (victim.address().equals(s.holder())) {
        deadNicks.put(s.nick(), s.name());
      }
      note("before the kill: " + s.describe() + ", " + s.acks().size() + " acks, " + s.messages().size() + " messages"
          + (s.kind() == Kind.XHR_POLLING ? ", requests served by " + s.current().servedBy : ""));
    }
    if (deadNicks.isEmpty()) {
      fail("precondition: no client is held by " + victim + ", so killing it tests nothing; holders: "
          + beforeKill.stream().map(Snapshot::describe).toList());
    }
    List<String> failures = new ArrayList<>();
    boolean crossNode = beforeKill.stream().anyMatch(s -> s.kind() == Kind.XHR_POLLING
        && s.current().servedBy.containsAll(Set.of(first.address(), second.address())));
    if (!crossNode) {
      failures.add("no SockJS xhr-polling client had requests answered by both nodes before the kill (round-robin "
          + "should spread a session's polls and sends): " + beforeKill.stream().filter(s -> s.kind() == Kind.XHR_POLLING)
          .map(s -> s.name() + " served by " + s.current().servedBy).toList());
    }
    victim.kill();
    long killAt = victim.killedAtMillis();
    note("killed " + victim + " (SIGKILL); its members: " + deadNicks);

    // 5. Keep publishing at least 5 s; check membership 10 s after the kill; stop; wait until quiet.
    Map<String, Set<String>> staleMembersAtDeadline = null;
    Map<String, String> notInRoomAtDeadline = new TreeMap<>();
    boolean publishing = true;
    long stoppedAt = 0;
    while (true) {
      long now = System.currentTimeMillis();
      List<Snapshot> snaps = snapshots();
      if (staleMembersAtDeadline == null && now >= killAt + LEFT_WITHIN_MS + LEFT_SLACK_MS) {
        staleMembersAtDeadline = new TreeMap<>();
        for (Snapshot s : snaps) {
          if (!s.joined()) {
            notInRoomAtDeadline.put(s.name(), s.describe());
            continue;
          }
          Set<String> stale = new TreeSet<>(s.members());
          stale.retainAll(deadNicks.keySet());
          staleMembersAtDeadline.put(s.name(), stale);
          note("at kill+" + (now - killAt) + " ms " + s.describe() + " lists members " + s.members() + ", saw left of "
              + s.leftAt().entrySet().stream().map(e -> e.getKey() + " at kill+" + (e.getValue() - killAt) + " ms").toList());
        }
      }
      if (publishing && ((now >= killAt + 5_000 && publishersAckedAfter(snaps, killAt)) || now >= killAt + 12_000)) {
        clients.stream().filter(RoomClient::isPublisher).forEach(RoomClient::stopPublishing);
        publishing = false;
        stoppedAt = now;
        note("publishing stopped at kill+" + (now - killAt) + " ms");
      }
      if (!publishing && staleMembersAtDeadline != null && now >= stoppedAt + 500 && quiet(snaps)) {
        note("quiet at kill+" + (now - killAt) + " ms");
        break;
      }
      if (!publishing && now >= stoppedAt + 8_000) {
        note("not quiet 8 s after publishing stopped; checking anyway");
        break;
      }
      Thread.sleep(100);
    }

    // 6. The surviving node keeps working: a fresh client joins, chats, and seqs continue.
    List<Snapshot> end = snapshots();
    long finalSeq = finalSeq(end);
    freshClientChecks(lbPort, room, id, finalSeq, failures);
    end = snapshots();

    // 7. The guarantees.
    checkEveryoneBack(end, failures);
    checkConsistentSeqs(end, failures);
    checkNoGaps(end, finalSeq, failures);
    checkLeftWithinDeadline(beforeKill, victim, deadNicks, staleMembersAtDeadline, notInRoomAtDeadline, failures);
    checkPublishersKeptPublishing(end, killAt, failures);
    checkAnsweredPromptly(end, failures);
    checkNoSendUnavailable(end, failures);
    for (Snapshot s : end) {
      note("end: " + s.describe() + ": " + s.messages().size() + " messages (" + RoomClient.ranges(s.messages().keySet())
          + "), " + s.duplicates() + " duplicates dropped, " + s.acks().size() + " acks of " + s.sent() + " sends, "
          + s.lostWithConnection() + " unanswered when a connection dropped, longest wait for an answer "
          + s.longestAnswerMs() + " ms, " + s.repairsBrief() + ", errors "
          + s.errors() + ", connections " + s.connectionsBrief());
      for (String gap : s.repairs()) {
        note("end: " + s.name() + " gap: " + gap);
      }
    }
    note("survivor " + survivor + " alive: " + survivor.isAlive());
    if (!survivor.isAlive()) {
      failures.add("the surviving " + survivor + " died too; log tail:\n" + survivor.tail(30));
    }
    if (!failures.isEmpty()) {
      Files.write(runDir.resolve("failures.txt"), failures, StandardCharsets.UTF_8);
      List<String> shown = failures.size() > 30 ? failures.subList(0, 30) : failures;
      fail(failures.size() + " cluster guarantee(s) broken after killing " + victim + " (" + victimChoice + "):\n- "
          + String.join("\n- ", shown) + (failures.size() > shown.size() ? "\n- ... " + (failures.size() - shown.size())
          + " more in failures.txt" : "") + "\nlogs: " + runDir.toAbsolutePath());
    }
  }

  // Steps --------------------------------------------------------------------------------------------

  private static Map<String, String> nodeEnv(int httpPort, int hzPort, String members, String clusterName) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ROOMCAST_HTTP_HOST", "127.0.0.1");
    env.put("ROOMCAST_HTTP_PORT", String.valueOf(httpPort));
    env.put("ROOMCAST_HTTP_INSTANCES", "1");
    env.put("ROOMCAST_HTTP_TRUSTED_PROXIES", "127.0.0.1");
    env.put("ROOMCAST_BOTS_ECHO", "false");
    // Publishers send 25 frames/s each; replays after the failover must still be in history.
    env.put("ROOMCAST_LIMITS_RATE_PER_SECOND", "1000");
    env.put("ROOMCAST_LIMITS_RATE_BURST", "2000");
    env.put("ROOMCAST_ROOMS_HISTORY_SIZE", "20000");
    // Frequent heartbeats, so a silent connection is told from a quiet one within the test's time.
    env.put("ROOMCAST_HEARTBEAT_INTERVAL_MS", "2000");
    env.put("ROOMCAST_SOCKJS_HEARTBEAT_MS", "2000");
    env.put("ROOMCAST_CLUSTER_ENABLED", "true");
    env.put("ROOMCAST_CLUSTER_REQUEST_TIMEOUT_MS", String.valueOf(REQUEST_TIMEOUT_MS));
    env.put("ROOMCAST_CLUSTER_NAME", clusterName);
    env.put("ROOMCAST_CLUSTER_HOST", "127.0.0.1");
    env.put("ROOMCAST_CLUSTER_PORT", String.valueOf(hzPort));
    env.put("ROOMCAST_CLUSTER_MEMBERS", members);
    env.put("ROOMCAST_CLUSTER_HTTP_ADDRESS", "127.0.0.1:" + httpPort);
    return env;
  }

  /**
   * The cluster has formed when a client connected straight to node A sees, in a room's member list,
   * a client that joined that room through node B, and gets B's message.
   */
  private void awaitClusterFormed(NodeProcess a, NodeProcess b, String id, Duration timeout) throws Exception {
    String room = "probe-" + id;
    WsClient onA = get(WsClient.connect(vertx, a.httpPort(), "probe-a-" + id), 5_000, "connect to " + a);
    WsClient onB = get(WsClient.connect(vertx, b.httpPort(), "probe-b-" + id), 5_000, "connect to " + b);
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      String nickB = onB.welcomeNick();
      JsonObject lastA = null;
      JsonObject joinA = null;
      JsonObject joinB = null;
      while (System.nanoTime() < deadline) {
        // A join may be answered `unavailable` while the cluster settles: ask again.
        if (joinA == null || !"ack".equals(joinA.getString("type"))) {
          joinA = get(onA.request(new JsonObject().put("type", "join").put("room", room)), 5_000, "probe join on " + a);
        }
        if (joinB == null || !"ack".equals(joinB.getString("type"))) {
          joinB = get(onB.request(new JsonObject().put("type", "join").put("room", room)), 5_000, "probe join on " + b);
        }
        lastA = get(onA.request(new JsonObject().put("type", "members").put("room", room)), 5_000, "members on " + a);
        JsonArray seen = lastA.getJsonArray("members", new JsonArray());
        if ("ack".equals(joinA.getString("type")) && "ack".equals(joinB.getString("type")) && seen.contains(nickB)) {
          get(onB.request(new JsonObject().put("type", "send").put("room", room).put("text", "hello from B")), 5_000,
              "probe send on " + b);
          get(onA.await(f -> "message".equals(f.getString("type")) && "hello from B".equals(f.getString("text")), 5_000),
              5_000, "node A's client getting node B's message");
          note("cluster formed: a client on " + a + " sees " + nickB + " who joined via " + b);
          return;
        }
        Thread.sleep(250);
      }
      fail("the cluster did not form within " + timeout.toSeconds() + " s: a client connected to " + a + " does not see "
          + nickB + ", who joined room " + room + " through " + b + " (members on A: " + lastA + "; A's join: " + joinA
          + "; B's join: " + joinB
          + "). Node logs: " + a.log() + ", " + b.log() + "\n--- " + a.name() + " log tail:\n" + a.tail(15) + "\n--- "
          + b.name() + " log tail:\n" + b.tail(15));
    } finally {
      onA.close();
      onB.close();
    }
  }

  /** Successive requests through nginx reach both nodes. */
  private void assertRoundRobin(int lbPort, Set<String> nodeAddresses) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Set<String> served = new LinkedHashSet<>();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lbPort + "/health"))
          .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
      String upstream = r.headers().firstValue(Nginx.UPSTREAM_HEADER).orElse("?");
      answers.add(r.statusCode() + " from " + upstream);
      if (r.statusCode() == 200) {
        served.add(upstream);
      }
    }
    note("GET /health x4 through nginx: " + answers);
    if (!served.containsAll(nodeAddresses)) {
      fail("nginx did not spread 4 successive requests over both nodes " + nodeAddresses + ": " + answers + "; "
          + nginx.logs());
    }
  }

  private void addClient(RoomClient client) throws Exception {
    clients.add(client);
    get(vertx.deployVerticle(client), 5_000, "deploy client " + client.name());
  }

  private boolean publishersAckedAfter(List<Snapshot> snaps, long killAt) {
    for (Snapshot s : snaps) {
      if (s.publisher() && s.acks().stream().noneMatch(a -> a.atMillis() > killAt + 1_000)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Everyone is in the room, no send or gap repair is unanswered, all hold the same last seq, nothing new
   * for a second.
   */
  private static boolean quiet(List<Snapshot> snaps) {
    long max = finalSeq(snaps);
    long lastProgress = snaps.stream().mapToLong(Snapshot::lastProgressNanos).max().orElse(0);
    return snaps.stream().allMatch(s -> s.joined() && s.unanswered() == 0 && s.repairsPending() == 0 && s.maxSeq() == max)
        && System.nanoTime() - lastProgress > 1_000_000_000L;
  }

  /** The room's last seq as far as anyone has seen: messages held and seqs acknowledged. */
  private static long finalSeq(List<Snapshot> snaps) {
    long max = 0;
    for (Snapshot s : snaps) {
      max = Math.max(max, s.maxSeq());
      for (RoomClient.Ack a : s.acks()) {
        max = Math.max(max, a.seq());
      }
    }
    return max;
  }

  /**
   * A fresh client (through nginx: the surviving node) joins at the room's last seq, its message gets
   * the next seq and reaches everyone, and history continues without a reused number.
   */
  private void freshClientChecks(int lbPort, String room, String id, long finalSeq, List<String> failures) throws Exception {
    WsClient fresh;
    try {
      fresh = get(WsClient.connect(vertx, lbPort, "fresh-" + id), 5_000, "fresh client connecting through nginx");
    } catch (AssertionError e) {
      failures.add("after the failover a fresh WebSocket client could not connect through nginx: " + e.getMessage());
      return;
    }
    try {
      JsonObject join = null;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline) {
        join = get(fresh.request(new JsonObject().put("type", "join").put("room", room)), 5_000, "fresh client's join");
        if (!"error".equals(join.getString("type")) || !"unavailable".equals(join.getString("code"))) {
          break;
        }
        Thread.sleep(200);
      }
      if (join == null || !"ack".equals(join.getString("type"))) {
        failures.add("after the failover a fresh client could not join " + room + ": " + join);
        return;
      }
      long at = join.getLong("seq", -1L);
      if (at != finalSeq) {
        failures.add("a fresh client's join ack says room " + room + " is at seq " + at + " but the clients saw seqs up to "
            + finalSeq + (at < finalSeq ? " (seqs would be reused)" : " (seqs the clients never got)"));
      }
      JsonObject ack = get(fresh.request(new JsonObject().put("type", "send").put("room", room).put("text", "fresh-" + id)),
          5_000, "fresh client's send");
      if (!"ack".equals(ack.getString("type"))) {
        failures.add("after the failover a fresh client's message was refused: " + ack.encode());
        return;
      }
      long seq = ack.getLong("seq", -1L);
      if (seq != at + 1) {
        failures.add("a fresh client's message got seq " + seq + " right after its join ack said seq " + at);
      }
      // Every client in the room gets it.
      long until = System.nanoTime() + 5_000_000_000L;
      List<Snapshot> snaps = snapshots();
      while (System.nanoTime() < until && !snaps.stream().allMatch(s -> !s.joined() || s.messages().containsKey(seq))) {
        Thread.sleep(100);
        snaps = snapshots();
      }
      for (Snapshot s : snaps) {
        if (s.joined() && !s.messages().containsKey(seq)) {
          failures.add("client " + s.describe() + " did not get the fresh client's message (seq " + seq + ") within 5 s");
        }
      }
      // History: contiguous, ends with the fresh message, and agrees with what the clients were shown.
      JsonObject history = get(fresh.request(new JsonObject().put("type", "history").put("room", room).put("limit", 100)),
          5_000, "fresh client's history");
      JsonArray messages = history.getJsonArray("messages", new JsonArray());
      Map<Long, JsonObject> shown = union(snapshots());
      Long prev = null;
      int differing = 0;
      for (int i = 0; i < messages.size(); i++) {
        JsonObject m = messages.getJsonObject(i);
        long s = m.getLong("seq", -1L);
        if (prev != null && s != prev + 1) {
          failures.add(s == prev ? "history after the failover lists seq " + s + " twice"
              : "history after the failover goes from seq " + prev + " to " + s);
        }
        prev = s;
        JsonObject seen = shown.get(s);
        if (seen != null && !RoomClient.sameMessage(seen, m) && differing++ < 5) {
          failures.add("history after the failover has seq " + s + " = " + m.encode() + " but clients were shown "
              + seen.encode());
        }
      }
      if (prev == null || prev != seq) {
        failures.add("history after the failover ends at seq " + prev + ", not at the fresh message's seq " + seq);
      }
      note("fresh client: joined at seq " + at + ", its message got seq " + seq + ", history " + messages.size()
          + " messages up to " + prev);
    } finally {
      fresh.close();
    }
  }

  // Checks ------------------------------------------------------------------------------------------

  /** Every client is back in the room at the end (clients of the dead node reconnected through nginx). */
  private static void checkEveryoneBack(List<Snapshot> end, List<String> failures) {
    for (Snapshot s : end) {
      if (!s.joined()) {
        failures.add("client " + s.describe() + " is not in the room at the end; its connections: " + s.connectionsBrief());
      }
      s.violations().stream().limit(5).forEach(v -> failures.add("client " + s.name() + ": " + v));
      if (s.violations().size() > 5) {
        failures.add("client " + s.name() + ": ... and " + (s.violations().size() - 5)
            + " more protocol violations (all in clients/" + s.name() + ".log)");
      }
    }
  }

  /** One message per seq everywhere, and each acknowledged seq holds the message that was acknowledged. */
  private static void checkConsistentSeqs(List<Snapshot> end, List<String> failures) {
    Map<Long, String> owner = new TreeMap<>();
    Map<Long, JsonObject> firstCopy = new TreeMap<>();
    Map<Long, String> firstHolder = new TreeMap<>();
    int reported = 0;
    for (Snapshot s : end) {
      for (Map.Entry<Long, JsonObject> e : s.messages().entrySet()) {
        JsonObject other = firstCopy.putIfAbsent(e.getKey(), e.getValue());
        if (other == null) {
          firstHolder.put(e.getKey(), s.name());
        } else if (!RoomClient.sameMessage(other, e.getValue()) && reported++ < 10) {
          failures.add("seq " + e.getKey() + " is " + firstHolder.get(e.getKey()) + "'s " + other.encode() + " but "
              + s.name() + "'s " + e.getValue().encode());
        }
      }
    }
    // A send is stored once, even when the server asked the chat again after a node died.
    Map<String, Long> storedAt = new HashMap<>();
    firstCopy.forEach((seq, m) -> {
      String cid = m.getJsonObject("data", new JsonObject()).getString("cid");
      Long other = cid == null ? null : storedAt.putIfAbsent(cid, seq);
      if (other != null) {
        failures.add("message " + cid + " was stored twice: seqs " + other + " and " + seq);
      }
    });
    for (Snapshot s : end) {
      for (RoomClient.Ack a : s.acks()) {
        String before = owner.putIfAbsent(a.seq(), a.cid());
        if (before != null && !before.equals(a.cid())) {
          failures.add("seq " + a.seq() + " was acknowledged twice: for " + before + " and for " + a.cid());
          continue;
        }
        JsonObject m = firstCopy.get(a.seq());
        if (m == null) {
          failures.add(s.name() + "'s message " + a.cid() + " was acknowledged with seq " + a.seq()
              + " but no client received that seq");
        } else if (!a.cid().equals(m.getJsonObject("data", new JsonObject()).getString("cid"))) {
          failures.add(s.name() + "'s message " + a.cid() + " was acknowledged with seq " + a.seq() + " but seq " + a.seq()
              + " reached the clients as " + m.encode());
        }
      }
    }
  }

  /** Each client in the room holds every seq from its first join to the room's last: no gap, nothing lost. */
  private static void checkNoGaps(List<Snapshot> end, long finalSeq, List<String> failures) {
    Set<Long> acked = new TreeSet<>();
    Map<Long, String> ackedBy = new TreeMap<>();
    for (Snapshot s : end) {
      for (RoomClient.Ack a : s.acks()) {
        acked.add(a.seq());
        ackedBy.put(a.seq(), a.cid());
      }
    }
    for (Snapshot s : end) {
      if (!s.joined() || s.firstJoinSeq() == null) {
        continue;
      }
      List<Long> missingAcked = new ArrayList<>();
      List<Long> missingOther = new ArrayList<>();
      for (long seq = s.firstJoinSeq() + 1; seq <= finalSeq; seq++) {
        if (!s.messages().containsKey(seq)) {
          (acked.contains(seq) ? missingAcked : missingOther).add(seq);
        }
      }
      String context = "; its connections: " + s.connectionsBrief()
          + (s.troubles().isEmpty() ? "" : "; transport troubles it got over: " + s.troubles())
          + (s.repairs().isEmpty() ? "" : "; gaps it noticed on a live connection: " + s.repairs());
      if (!missingAcked.isEmpty()) {
        failures.add("client " + s.describe() + " never got " + missingAcked.size() + " acknowledged message(s): seqs "
            + RoomClient.ranges(missingAcked) + " (e.g. " + missingAcked.stream().limit(5)
            .map(q -> q + "=" + ackedBy.get(q)).collect(Collectors.joining(", ")) + ")" + context);
      }
      if (!missingOther.isEmpty()) {
        failures.add("client " + s.describe() + " has a gap: seqs " + RoomClient.ranges(missingOther)
            + " (not acknowledged to anyone, but later seqs exist) are missing between its first join (seq "
            + s.firstJoinSeq() + ") and the room's last seq " + finalSeq + (missingAcked.isEmpty() ? context : ""));
      }
    }
  }

  /** Within 10 s of the kill, every client in the room no longer lists the dead node's members. */
  private static void checkLeftWithinDeadline(List<Snapshot> beforeKill, NodeProcess victim, Map<String, String> deadNicks,
      Map<String, Set<String>> staleAtDeadline, Map<String, String> notInRoom, List<String> failures) {
    if (staleAtDeadline == null) {
      failures.add("internal: the membership check 10 s after the kill did not run");
      return;
    }
    Set<String> survivorNames = beforeKill.stream().filter(s -> !victim.address().equals(s.holder()))
        .map(Snapshot::name).collect(Collectors.toSet());
    for (Map.Entry<String, Set<String>> e : staleAtDeadline.entrySet()) {
      if (!e.getValue().isEmpty()) {
        failures.add("client " + e.getKey() + " still listed the dead node's members " + e.getValue() + " (of "
            + deadNicks + ") " + (LEFT_WITHIN_MS + LEFT_SLACK_MS) + " ms after the kill: no 'left' for them");
      }
    }
    for (Map.Entry<String, String> e : notInRoom.entrySet()) {
      if (survivorNames.contains(e.getKey())) {
        failures.add("client " + e.getValue() + ", held by the surviving node, was not in the room "
            + (LEFT_WITHIN_MS + LEFT_SLACK_MS) + " ms after the kill");
      }
    }
  }

  /** Every publisher got messages acknowledged after the kill, on the connection it holds at the end. */
  private static void checkPublishersKeptPublishing(List<Snapshot> end, long killAt, List<String> failures) {
    for (Snapshot s : end) {
      if (!s.publisher()) {
        continue;
      }
      int last = s.connections().size();
      long after = s.acks().stream().filter(a -> a.atMillis() > killAt && a.connection() == last).count();
      if (after == 0) {
        failures.add("publisher " + s.describe() + " got no message acknowledged after the kill on its last connection "
            + "(send errors " + s.errors() + ", " + s.sent() + " sends, " + s.acks().size() + " acks in all)");
      }
    }
  }

  /**
   * No send waited for its answer (ack or {@code unavailable}) anywhere near the request time limit:
   * what waits for the dead node gives up when the cluster drops it, well under a second after a kill.
   */
  private static void checkAnsweredPromptly(List<Snapshot> end, List<String> failures) {
    for (Snapshot s : end) {
      if (s.longestAnswerMs() >= REQUEST_TIMEOUT_MS / 2) {
        failures.add("publisher " + s.describe() + " waited " + s.longestAnswerMs() + " ms for the answer to a send "
            + "(cluster.requestTimeoutMs " + REQUEST_TIMEOUT_MS + ")");
      }
    }
  }

  /**
   * No send was answered {@code unavailable}: the surviving node of two runs the chat or kept its
   * copy, so what waited for the dead node is asked again of the chat there and stored once.
   */
  private static void checkNoSendUnavailable(List<Snapshot> end, List<String> failures) {
    for (Snapshot s : end) {
      Integer n = s.errors().get("send:unavailable");
      if (n != null && n > 0) {
        failures.add("publisher " + s.describe() + " had " + n + " send(s) answered unavailable");
      }
    }
  }

  // Helpers -----------------------------------------------------------------------------------------

  private List<Snapshot> snapshots() {
    return clients.stream().map(RoomClient::snapshot).toList();
  }

  private static Map<Long, JsonObject> union(List<Snapshot> snaps) {
    Map<Long, JsonObject> all = new TreeMap<>();
    for (Snapshot s : snaps) {
      s.messages().forEach(all::putIfAbsent);
    }
    return all;
  }

  private void awaitAll(String what, Duration timeout, java.util.function.Predicate<Snapshot> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (snapshots().stream().allMatch(condition)) {
        return;
      }
      Thread.sleep(50);
    }
    StringBuilder state = new StringBuilder();
    for (Snapshot s : snapshots()) {
      if (!condition.test(s)) {
        state.append("\n  ").append(s.describe()).append(": joined=").append(s.joined()).append(", acks=")
            .append(s.acks().size()).append(", errors=").append(s.errors()).append(", connections=").append(s.connectionsBrief());
      }
    }
    fail("timed out after " + timeout.toSeconds() + " s waiting until " + what + "; not there yet:" + state
        + "\nclient logs: " + runDir.resolve("clients").toAbsolutePath());
  }

  private static <T> T get(Future<T> future, long timeoutMs, String what) throws InterruptedException {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(what + ": no answer within " + timeoutMs + " ms");
    }
  }

  private void note(String line) {
    String stamped = LocalTime.now() + " " + line;
    summary.add(stamped);
    System.out.println("[ClusterFailoverIT] " + stamped);
  }

  // Teardown ----------------------------------------------------------------------------------------

  /** Stops every client, nginx and every node, and writes the logs, whatever happened. */
  @AfterEach
  void stopEverything() throws Exception {
    Thread.interrupted(); // a @Timeout interrupts the test thread; cleaning up must still wait for processes
    List<Throwable> problems = new ArrayList<>();
    for (RoomClient c : clients) {
      try {
        c.shutdown();
      } catch (RuntimeException e) {
        problems.add(e);
      }
    }
    if (runDir != null) {
      try {
        Path dir = Files.createDirectories(runDir.resolve("clients"));
        for (RoomClient c : clients) {
          Files.write(dir.resolve(c.name() + ".log"), c.log(), StandardCharsets.UTF_8);
        }
        Files.write(runDir.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
      } catch (IOException e) {
        problems.add(e);
      }
    }
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        problems.add(e);
      }
    }
    if (nginx != null) {
      try {
        nginx.close();
      } catch (Exception e) {
        problems.add(e);
      }
    }
    for (NodeProcess n : nodes) {
      try {
        n.close();
      } catch (Exception e) {
        problems.add(e);
      }
    }
    clients.clear();
    nodes.clear();
    summary.clear();
    nginx = null;
    vertx = null;
    if (!problems.isEmpty()) {
      System.err.println("[ClusterFailoverIT] teardown problems: " + problems);
    }
  }
}
