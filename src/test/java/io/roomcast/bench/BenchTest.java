package io.roomcast.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.Roomcast;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs tiny bench scenarios in-process against a Roomcast node (limits raised, as bench --help says)
 * and checks what a user reads: every expected copy delivered, no gaps or duplicates, ordered latency
 * percentiles, parseable JSON lines, and the exit codes for bad arguments and an unreachable server.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class BenchTest {
  private static int port;
  private static int noEchoPort;
  private static Roomcast node;

  @BeforeAll
  static void startServers(Vertx vertx, VertxTestContext ctx) {
    Roomcast.deploy(vertx, benchConfig())
        .compose(n -> {
          node = n;
          port = n.port();
          return NoEchoServer.start(vertx);
        })
        .onComplete(ctx.succeeding(p -> {
          noEchoPort = p;
          ctx.completeNow();
        }));
  }

  /** A node with its limits raised, as bench --help says, so that the bench is not rate limited. */
  private static RoomcastConfig benchConfig() {
    return RoomcastConfig.from(TestServer.with(TestServer.baseConfig(), "limits.ratePerSecond=1000000",
        "limits.rateBurst=1000000", "limits.floodCloseAfter=1000000", "limits.maxConnectionsPerIp=1000000",
        "limits.maxQueueBytes=67108864", "bots.echo=false"));
  }

  @AfterAll
  static void stop(VertxTestContext ctx) {
    (node == null ? io.vertx.core.Future.<Void>succeededFuture() : node.close()).onComplete(ar -> ctx.completeNow());
  }

  private static String url(int p) {
    return "ws://127.0.0.1:" + p + "/ws";
  }

  @Test
  void fanoutBigDeliversEveryCopy() {
    Run r = run("fanout-big", "--url", url(port), "--members", "20", "--publishers", "4", "--rate", "40",
        "--warmup", "0.3", "--duration", "1", "--json", "--pid", Long.toString(ProcessHandle.current().pid()));
    assertEquals(0, r.exit, r::all);
    JsonObject step = r.json("step").get(0);
    assertComplete(step, 20);
    assertTrue(step.getBoolean("echo"), "Roomcast echoes to the sender");
    assertTrue(step.getLong("serverCpuUs") >= 0 && step.getLong("serverRssKb") > 0, step::encode);
    // The "server" is this JVM: its compilers' time is a part of its CPU time (give or take a tick).
    long jit = step.getLong("serverJitCpuUs");
    assertTrue(jit >= 0 && jit <= step.getLong("serverCpuUs") + 20_000, step::encode);
    double steal = step.getDouble("stealPct");
    assertTrue(steal >= 0 && steal <= 100, step::encode);
  }

  @Test
  void fanoutManySweepPrintsTableStepsAndSaturation() {
    Run r = run("fanout-many", "--url", url(port), "--rooms", "5", "--members", "4", "--sweep", "20:20:40",
        "--warmup", "0.2", "--duration", "0.6", "--max-fails", "2");
    assertEquals(0, r.exit, r::all);
    assertTrue(r.out.startsWith("step "), "table header first:\n" + r.out);
    List<JsonObject> steps = r.json("step");
    assertEquals(2, steps.size(), r::all);
    for (JsonObject s : steps) {
      assertComplete(s, 4);
    }
    assertEquals(40.0, steps.get(1).getDouble("targetRate"));
    assertEquals(1, r.json("saturation").size(), r::all);
  }

  /** Sends with keys, as the web UI's: every one is accepted (a refused key would lose its copies). */
  @Test
  void keyedSendsDeliverEveryCopy() {
    Run r = run("fanout-many", "--url", url(port), "--rooms", "3", "--members", "4", "--rate", "60",
        "--keys", "on", "--warmup", "0.2", "--duration", "0.6", "--json");
    assertEquals(0, r.exit, r::all);
    assertComplete(r.json("step").get(0), 4);
  }

  @Test
  void primingRunsUnmeasuredBeforeTheFirstStep() {
    Run r = run("fanout-many", "--url", url(port), "--rooms", "3", "--members", "3", "--rate", "30",
        "--prime", "1.5:60", "--warmup", "0.2", "--duration", "0.5", "--json");
    assertEquals(0, r.exit, r::all);
    assertTrue(r.err.contains("bench: priming for 1.5 s at 60 messages/s"), r::all);
    assertTrue(r.err.lines().anyMatch(l -> l.matches("bench: primed: (\\d+) of \\1 copies delivered")), r::all);
    List<JsonObject> steps = r.json("step");
    assertEquals(1, steps.size(), "priming is not reported as a step: " + r.all());
    JsonObject step = steps.get(0);
    assertEquals(1, step.getInteger("step"));
    assertEquals(30.0, step.getDouble("targetRate"));
    assertComplete(step, 3);
  }

  @Test
  void aServerWithoutEchoOrWelcomeIsCountedWithoutTheSender() {
    Run r = run("fanout-many", "--url", url(noEchoPort), "--rooms", "2", "--members", "3", "--rate", "30",
        "--warmup", "0.2", "--duration", "0.5", "--json");
    assertEquals(0, r.exit, r::all);
    JsonObject step = r.json("step").get(0);
    assertFalse(step.getBoolean("echo"), step::encode);
    assertEquals(step.getLong("offered") * 2, step.getLong("expected"), step::encode);
    assertEquals(step.getLong("expected"), step.getLong("delivered"), step::encode);
    assertEquals(0, step.getLong("clientsShort"), step::encode);
    assertEquals(0, step.getLong("gaps"), step::encode);
    assertEquals(0, step.getLong("dups"), step::encode);
  }

  @Test
  void spreadRoomsKeepsEachRoomOnOneOfIndependentServers() throws Exception {
    // A second, unclustered node in a Vert.x of its own: it shares nothing with the first.
    Vertx other = Vertx.vertx();
    try {
      int p2 = Roomcast.deploy(other, benchConfig()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS).port();
      String[] common = {"cluster", "--shape", "many", "--url", url(port), "--url", url(p2), "--rooms", "4",
          "--members", "4", "--rate", "40", "--warmup", "0.2", "--duration", "0.6", "--drain", "1", "--json"};
      Run rooms = run(concat(common, "--spread", "rooms"));
      assertEquals(0, rooms.exit, rooms::all);
      assertComplete(rooms.json("step").get(0), 4);
      // Members alternating over servers that do not know each other: each hears only its own half,
      // which the bench's first probe already finds.
      Run members = run(common);
      assertEquals(1, members.exit, members::all);
      assertTrue(members.err.contains("the probe message reached 2 of 4 members"), members::all);
    } finally {
      other.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void connectionsReportsConnectRateAndRss() {
    Run r = run("connections", "--url", url(port), "--connections", "50", "--json", "--pid",
        Long.toString(ProcessHandle.current().pid()));
    assertEquals(0, r.exit, r::all);
    JsonObject c = r.json("connections").get(0);
    assertEquals(50, c.getInteger("connections"));
    assertTrue(c.getDouble("connectPerSec") > 0, c::encode);
    assertEquals(0, c.getLong("lostConnections"));
    assertTrue(c.getLong("serverRssBeforeKb") > 0 && c.getLong("serverRssAfterKb") > 0, c::encode);
    assertNotNull(c.getDouble("serverRssKbPerConnection"), c::encode);
  }

  @Test
  void badArgumentsExit2WithOneLine() {
    String[][] bad = {
        {}, {"nonsense"}, {"fanout-big", "--rate", "-1"}, {"fanout-big", "--members", "x"},
        {"fanout-big", "--url", "http://x/"}, {"cluster", "--url", url(port)}, {"fanout-big", "--bogus", "1"},
        {"fanout-many", "--sweep", "1:2"}, {"fanout-big", "--rate", "5", "--sweep", "1:1:2"},
        {"connections", "--rate", "5"}, {"fanout-big", "--publishers", "5", "--members", "2"},
        {"fanout-big", "--prime", "10"}, {"fanout-big", "--prime", "0:5"}, {"connections", "--prime", "1:5"},
        {"fanout-big", "--pid", "999999999"}, {"fanout-big", "--duration"}, {"fanout-many", "--spread", "nodes"},
        {"fanout-many", "--keys", "yes"}};
    for (String[] args : bad) {
      Run r = run(args);
      assertEquals(2, r.exit, () -> String.join(" ", args) + " -> " + r.all());
      assertEquals(1, r.err.lines().count(), () -> "one line for " + String.join(" ", args) + ":\n" + r.err);
      assertTrue(r.err.startsWith("bench: "), r.err);
    }
  }

  @Test
  void unreachableServerExits1WithOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run r = run("fanout-many", "--url", url(closed), "--rooms", "2", "--members", "2", "--duration", "0.5");
    assertEquals(1, r.exit, r::all);
    List<String> errors = r.err.lines().filter(l -> !l.startsWith("bench: fanout-many: connecting")).toList();
    assertEquals(1, errors.size(), r::all);
    assertTrue(errors.get(0).startsWith("bench: cannot connect to " + url(closed)), r::all);
  }

  @Test
  void connectionsToAnUnreachableServerExit1WithOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run r = run("connections", "--url", url(closed), "--connections", "5");
    assertEquals(1, r.exit, r::all);
    List<String> errors = r.err.lines().filter(l -> !l.startsWith("bench: connections: ")).toList();
    assertEquals(List.of("bench: cannot connect to " + url(closed) + ": connection refused"), errors, r::all);
  }

  @Test
  void connectionsRefusedByTheServerExit1NamingTheStatus(Vertx vertx) throws Exception {
    // A server at its connection cap answers the upgrade with 503, as Roomcast does.
    HttpServer full = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(503).end("full"));
    int p = full.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    try {
      Run r = run("connections", "--url", url(p), "--connections", "5");
      assertEquals(1, r.exit, r::all);
      List<String> errors = r.err.lines().filter(l -> !l.startsWith("bench: connections: ")).toList();
      assertEquals(1, errors.size(), r::all);
      assertTrue(errors.get(0).startsWith("bench: cannot connect to " + url(p) + ": upgrade refused: HTTP/1.1 503"),
          r::all);
      assertTrue(errors.get(0).contains("raise the server's connection caps"), r::all);
    } finally {
      full.close();
    }
  }

  @Test
  void helpNamesTheServerSettings() {
    Run r = run("--help");
    assertEquals(0, r.exit);
    for (String s : List.of("fanout-big", "fanout-many", "connections", "cluster", "--sweep", "--prime", "--spread", "--keys", "--json",
        "ROOMCAST_LIMITS_RATE_PER_SECOND", "ROOMCAST_LIMITS_MAX_CONNECTIONS_PER_IP", "ulimit -n")) {
      assertTrue(r.out.contains(s), s);
    }
  }

  @Test
  void frameScanReadsTheFieldsItNeeds() {
    Buffer m = Buffer.buffer("{\"type\":\"message\",\"room\":\"r\",\"seq\":42,\"from\":\"a\",\"text\":\"123456xx\",\"ts\":1}");
    assertEquals(FrameScan.MESSAGE, FrameScan.type(m));
    assertEquals(42, FrameScan.seq(m));
    assertEquals(123456, FrameScan.textNumber(m));
    Buffer keyed = Buffer.buffer("{\"type\":\"message\",\"room\":\"r\",\"seq\":43,\"from\":\"a\",\"text\":\"123457xx\",\"ts\":1,\"key\":\"b1-9\"}");
    assertEquals(43, FrameScan.seq(keyed));
    assertEquals(123457, FrameScan.textNumber(keyed));
    Buffer other = Buffer.buffer("{\"type\":\"message\",\"room\":\"r\",\"seq\":7,\"from\":\"a\",\"text\":\"hi \\\"seq\\\":9\"}");
    assertEquals(7, FrameScan.seq(other));
    assertEquals(FrameScan.NONE, FrameScan.textNumber(other));
    assertEquals(FrameScan.ACK, FrameScan.type(Buffer.buffer("{\"type\":\"ack\",\"id\":3,\"seq\":1}")));
    assertEquals(FrameScan.OTHER, FrameScan.type(Buffer.buffer("{\"type\":\"joined\",\"room\":\"r\"}")));
    assertEquals(FrameScan.OTHER, FrameScan.type(Buffer.buffer("{\"type\":\"acknowledge\"}")));
  }

  /** Asserts a step in which every copy arrived, in order, with ordered latency percentiles. */
  private static void assertComplete(JsonObject step, int members) {
    long offered = step.getLong("offered");
    assertTrue(offered > 0, step::encode);
    assertEquals(offered * members, step.getLong("expected"), step::encode);
    assertEquals(step.getLong("expected"), step.getLong("delivered"), step::encode);
    assertEquals(0, step.getLong("gaps"), step::encode);
    assertEquals(0, step.getLong("dups"), step::encode);
    assertEquals(0, step.getLong("clientsShort"), step::encode);
    assertEquals(0, step.getLong("sendErrors"), step::encode);
    JsonObject lat = step.getJsonObject("latencyMs");
    assertNotNull(lat, step::encode);
    assertTrue(lat.getDouble("p50") > 0, step::encode);
    assertTrue(lat.getDouble("p50") <= lat.getDouble("p99"), step::encode);
    assertTrue(lat.getDouble("p99") <= lat.getDouble("p999"), step::encode);
    assertTrue(lat.getDouble("p999") <= lat.getDouble("max"), step::encode);
    assertEquals(step.getLong("delivered"), lat.getLong("count"), step::encode);
    assertTrue(step.getDouble("benchCpuPct") >= 0, step::encode);
  }

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Bench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private record Run(int exit, String out, String err) {
    /** The JSON lines of the given kind; every line starting with '{' must parse. */
    List<JsonObject> json(String kind) {
      List<JsonObject> found = new ArrayList<>();
      out.lines().filter(l -> l.startsWith("{")).map(JsonObject::new)
          .filter(j -> kind.equals(j.getString("kind"))).forEach(found::add);
      assertFalse(found.isEmpty(), () -> "no JSON line of kind " + kind + ":\n" + all());
      return found;
    }

    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /**
   * A minimal protocol v1 server that, unlike Roomcast, neither sends a message back to its sender nor
   * a welcome (variations the bench must cope with): join and send only.
   */
  private static final class NoEchoServer {
    static io.vertx.core.Future<Integer> start(Vertx vertx) {
      Map<String, List<ServerWebSocket>> rooms = new HashMap<>();
      Map<String, long[]> seqs = new HashMap<>();
      HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
        ws.textMessageHandler(text -> {
          JsonObject f = new JsonObject(text);
          String room = f.getString("room");
          Object id = f.getValue("id");
          if ("join".equals(f.getString("type"))) {
            rooms.computeIfAbsent(room, r -> new ArrayList<>()).add(ws);
            long seq = seqs.computeIfAbsent(room, r -> new long[1])[0];
            ws.writeTextMessage(new JsonObject().put("type", "ack").put("id", id).put("room", room)
                .put("seq", seq).encode());
          } else if ("send".equals(f.getString("type"))) {
            long seq = ++seqs.get(room)[0];
            String msg = new JsonObject().put("type", "message").put("room", room).put("seq", seq)
                .put("from", "g").put("text", f.getString("text")).put("ts", System.currentTimeMillis()).encode();
            for (ServerWebSocket m : rooms.get(room)) {
              if (m != ws) {
                m.writeTextMessage(msg);
              }
            }
            ws.writeTextMessage(new JsonObject().put("type", "ack").put("id", id).put("seq", seq).encode());
          }
        });
        ws.closeHandler(v -> rooms.values().forEach(l -> l.remove(ws)));
      });
      return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
    }
  }
}
