package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.await;
import static io.roomcast.hardening.Waits.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.http.Gateway;
import io.roomcast.http.HttpVerticle;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bounded soak over loopback (default 60 s, {@code -Droomcast.soak.seconds=N}, 5–600): virtual
 * users connect, join and leave random rooms, chat, and disconnect, some politely, some by dropping
 * TCP (FIN or reset) without a close frame, over and over. Afterwards everything must be back where it
 * started: no connection in /health, no session in the chat or the gateways, no member in any room
 * (chat or gateway index), heap near its baseline after GC, and as many file descriptors and threads
 * as before.
 */
@ServerConfig({"limits.ratePerSecond=1000", "limits.rateBurst=1000", "limits.maxConnectionsPerIp=1000"})
class SoakTest extends RoomcastTestBase {
  private static final long SECONDS = Math.max(5, Math.min(600, Long.getLong("roomcast.soak.seconds", 60)));
  private static final int POLITE_USERS = 24;
  private static final int RUDE_USERS = 4;
  private static final int ROOMS = 20;
  /** Heap after GC may end this much above its baseline (room histories, warm caches): ~200 bytes a connection. */
  private static final long HEAP_MARGIN = 4L << 20;
  private static final int FD_MARGIN = 4;
  private static final long THINK_MS = 50;

  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong joins = new AtomicLong();
  private final AtomicLong leaves = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong fins = new AtomicLong();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private LogCapture log;

  @AfterEach
  void stopCapturing() {
    if (log != null) {
      log.close();
    }
  }

  @Test
  void connectionsChurnForAWhileAndEverythingReturnsToBaseline() {
    assertTimeoutPreemptively(Duration.ofSeconds(SECONDS + 90), this::soak);
  }

  private void soak() throws Exception {
    log = new LogCapture();
    HealthProbe health = new HealthProbe(vertx, port());
    // Warm up (class loading, JIT, Netty pools) with a short churn, then take the baseline.
    churn(3);
    assertBackToZero(health);
    resetCounters();
    long heapBase = Memory.settledHeap();
    int fdBase = ProcNet.openFds();
    int threadBase = ManagementFactory.getThreadMXBean().getThreadCount();

    long start = System.currentTimeMillis();
    churn(SECONDS);
    long churnMillis = System.currentTimeMillis() - start;
    long settleMillis = assertBackToZero(health);

    long heapAfter = Memory.settledHeap();
    int fdAfter = ProcNet.openFds();
    int threadAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    JsonObject h = health.get();
    String summary = String.format("soak: %d s of churn (%d polite + %d rude users, %d rooms): %d connections, %d joins, "
            + "%d leaves, %d messages, %d TCP resets and %d FINs without a close frame; back to 0 connections %d ms after; "
            + "heap after GC %s -> %s (%+.1f MB); fds %d -> %d; threads %d -> %d; /health rooms %s, refusals %s",
        churnMillis / 1000, POLITE_USERS, RUDE_USERS, ROOMS, connections.get(), joins.get(), leaves.get(), messages.get(),
        resets.get(), fins.get(), settleMillis, Memory.mb(heapBase), Memory.mb(heapAfter), (heapAfter - heapBase) / 1048576.0,
        fdBase, fdAfter, threadBase, threadAfter, h.getValue("rooms"), h.getJsonObject("refusals").encode());
    System.out.println(summary);
    health.close();

    assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), "problems during the churn: " + summary);
    assertTrue(connections.get() > SECONDS * 5, "the churn made connections: " + summary);
    assertTrue(heapAfter - heapBase < HEAP_MARGIN, "heap back near its baseline: " + summary);
    if (fdBase > 0) {
      assertTrue(fdAfter <= fdBase + FD_MARGIN, "file descriptors back to baseline: " + summary);
    }
    assertTrue(threadAfter <= threadBase + 2, "threads back to baseline: " + summary);
    assertTrue(h.getInteger("rooms") <= ROOMS + 1, "rooms kept: " + summary);
    log.close();
    log.assertQuietAboutClientMistakes(); // vanished clients (resets, FINs) leave no stack trace either
  }

  private void resetCounters() {
    for (AtomicLong a : List.of(connections, messages, joins, leaves, resets, fins)) {
      a.set(0);
    }
  }

  /** Waits until nothing is left: /health, the chat's sessions, the gateways' sessions and room index. */
  private long assertBackToZero(HealthProbe health) throws Exception {
    long waited = eventually(() -> {
      JsonObject h = health.get();
      return h.getInteger("connections") == 0 && HealthProbe.chatSessions(h) == 0 && node.sessions() == 0
          && gatewayRoomEntries() == 0;
    }, 20_000, () -> "still open: /health " + health.get().encode() + ", gateway sessions " + node.sessions()
        + ", gateway room entries " + gatewayRoomEntries());
    // No room has a member left, as a client sees it.
    StreamClient probe = await(StreamClient.connect(vertx, port(), f -> { }), 5_000);
    FrameQueue q = new FrameQueue();
    StreamClient lister = await(StreamClient.connect(vertx, port(), q), 5_000);
    lister.send(new JsonObject().put("type", "rooms").put("id", "rooms"));
    JsonArray occupied = q.reply("rooms", 5_000).getJsonArray("rooms");
    assertEquals(new JsonArray(), occupied, "rooms with members after the churn");
    await(lister.close(), 5_000);
    await(probe.close(), 5_000);
    eventually(() -> health.connections() == 0, 10_000, () -> health.get().encode());
    return waited;
  }

  /** Entries in every gateway's room → local sessions index (read by reflection: it has no API). */
  private int gatewayRoomEntries() {
    try {
      Field httpField = node.getClass().getDeclaredField("http");
      httpField.setAccessible(true);
      Field roomsField = Gateway.class.getDeclaredField("rooms");
      roomsField.setAccessible(true);
      int n = 0;
      for (Object v : (List<?>) httpField.get(node)) {
        Gateway g = ((HttpVerticle) v).gateway();
        // The index belongs to the gateway's event loop; a racy size() read is fine for "eventually 0".
        n += ((Map<?, ?>) roomsField.get(g)).size();
      }
      return n;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the gateway's room index moved; update this test: " + e);
    }
  }

  /** Runs the polite (Vert.x) and rude (raw TCP) users for {@code seconds}, then waits for them to stop. */
  private void churn(long seconds) throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000;
    List<Future<Void>> polite = new ArrayList<>();
    for (int i = 0; i < POLITE_USERS; i++) {
      Random r = new Random(1000L + i + seconds);
      Promise<Void> done = Promise.promise();
      politeUser(r, deadline, done);
      polite.add(done.future());
    }
    ExecutorService pool = Executors.newFixedThreadPool(RUDE_USERS);
    List<java.util.concurrent.Future<?>> rude = new ArrayList<>();
    for (int i = 0; i < RUDE_USERS; i++) {
      Random r = new Random(2000L + i + seconds);
      rude.add(pool.submit(() -> rudeUser(r, deadline)));
    }
    for (Future<Void> f : polite) {
      await(f, seconds * 1000 + 30_000);
    }
    for (java.util.concurrent.Future<?> f : rude) {
      f.get(seconds + 30, TimeUnit.SECONDS);
    }
    pool.shutdownNow();
  }

  // Polite users: Vert.x WebSocket clients that close properly -------------------------------------

  /** Cycles until the deadline: connect, join 1-3 rooms, chat, maybe leave one, close. */
  private void politeUser(Random r, long deadline, Promise<Void> done) {
    if (System.currentTimeMillis() > deadline) {
      done.complete();
      return;
    }
    // A pause between visits keeps this a soak (~10 connections a second per user), not a stress test.
    politeCycle(r).onComplete(ar -> vertx.setTimer(THINK_MS + r.nextInt((int) THINK_MS), t -> politeUser(r, deadline, done)));
  }

  private Future<Void> politeCycle(Random r) {
    Map<String, Promise<JsonObject>> waiting = new ConcurrentHashMap<>();
    String nick = r.nextInt(3) == 0 ? "soak" + r.nextInt(100_000) : null;
    return StreamClient.connect(vertx, port(), nick == null ? "/ws" : "/ws?nick=" + nick, Map.of(), f -> {
          Object id = f.getValue("id");
          String type = f.getString("type");
          if (("ack".equals(type) || "error".equals(type)) && id != null) {
            Promise<JsonObject> p = waiting.remove(String.valueOf(id));
            if (p != null) {
              p.complete(f);
            }
          }
        })
        .compose(c -> {
          connections.incrementAndGet();
          List<String> rooms = new ArrayList<>();
          Future<Void> f = Future.succeededFuture();
          int n = 1 + r.nextInt(3);
          for (int i = 0; i < n; i++) {
            String room = "soak-" + r.nextInt(ROOMS);
            f = f.compose(v -> request(c, waiting, new JsonObject().put("type", "join").put("room", room)).map(a -> {
              joins.incrementAndGet();
              rooms.add(room);
              return null;
            }));
          }
          for (int i = r.nextInt(6); i > 0; i--) {
            f = f.compose(v -> {
              String room = rooms.get(r.nextInt(rooms.size()));
              if (r.nextInt(4) == 0) {
                c.send(new JsonObject().put("type", "typing").put("room", room));
              }
              return request(c, waiting, new JsonObject().put("type", "send").put("room", room).put("text", "soak " + r.nextInt()))
                  .map(a -> {
                    messages.incrementAndGet();
                    return null;
                  });
            });
          }
          if (r.nextBoolean()) {
            f = f.compose(v -> request(c, waiting, new JsonObject().put("type", "leave").put("room", rooms.get(0))).map(a -> {
              leaves.incrementAndGet();
              return null;
            }));
          }
          if (r.nextInt(5) == 0) {
            f = f.compose(v -> request(c, waiting, new JsonObject().put("type", "history").put("room", rooms.get(rooms.size() - 1))
                .put("limit", 20)).mapEmpty());
          }
          return f.eventually(c::close);
        })
        .recover(e -> {
          problems.add("polite user: " + e);
          return Future.succeededFuture();
        });
  }

  private Future<JsonObject> request(StreamClient c, Map<String, Promise<JsonObject>> waiting, JsonObject frame) {
    String id = "q" + ids.incrementAndGet();
    Promise<JsonObject> p = Promise.promise();
    waiting.put(id, p);
    c.send(frame.put("id", id));
    return p.future().timeout(10, TimeUnit.SECONDS).compose(reply -> "ack".equals(reply.getString("type"))
        ? Future.succeededFuture(reply)
        : Future.failedFuture(new AssertionError("refused: " + frame.encode() + " -> " + reply.encode())));
  }

  private final AtomicLong ids = new AtomicLong();

  // Rude users: raw TCP clients that vanish without a close frame ----------------------------------

  private void rudeUser(Random r, long deadline) {
    while (System.currentTimeMillis() < deadline) {
      try (RawWebSocket ws = RawWebSocket.open(port(), "/ws")) {
        connections.incrementAndGet();
        ws.nextText(5_000); // welcome
        String room = "soak-" + r.nextInt(ROOMS);
        ws.sendText("{\"type\":\"join\",\"id\":\"j\",\"room\":\"" + room + "\"}");
        awaitAck(ws, "j");
        joins.incrementAndGet();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          ws.sendText("{\"type\":\"send\",\"id\":\"s" + i + "\",\"room\":\"" + room + "\",\"text\":\"rude " + i + "\"}");
          awaitAck(ws, "s" + i);
          messages.incrementAndGet();
        }
        if (r.nextBoolean()) {
          // Something still in flight when the connection disappears.
          ws.sendText("{\"type\":\"send\",\"id\":\"lost\",\"room\":\"" + room + "\",\"text\":\"in flight\"}");
        }
        if (r.nextBoolean()) {
          ws.abort();
          resets.incrementAndGet();
        } else {
          fins.incrementAndGet(); // try-with-resources closes the socket: FIN, no close frame
        }
        Thread.sleep(THINK_MS + r.nextInt((int) THINK_MS));
      } catch (Exception | AssertionError e) {
        problems.add("rude user: " + e);
      }
    }
  }

  private static void awaitAck(RawWebSocket ws, String id) throws java.io.IOException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject f = new JsonObject(ws.nextText(10_000));
      if (id.equals(f.getValue("id"))) {
        if (!"ack".equals(f.getString("type"))) {
          throw new AssertionError("refused: " + f.encode());
        }
        return;
      }
    }
    throw new AssertionError("no ack for " + id);
  }
}
