package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.await;
import static io.roomcast.hardening.Waits.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz (seed from {@code -Droomcast.fuzz.seed}, printed in every failure): over 100,000
 * random and mutated frames ({@link FuzzFrames}), half at one connection and half spread over twenty,
 * all running at once, while a well-behaved client chats in the room the fuzzers share. Every frame
 * with an id gets exactly one reply with that id (an ack, or an error code that frame can earn), every
 * frame without one gets the documented error or nothing, no connection is closed, and the
 * well-behaved client's messages all arrive, in order, with no gap in the room's sequence. The rate
 * limit is lifted so that the fuzz exercises validation, not the token bucket.
 */
@ServerConfig({"limits.ratePerSecond=1000000", "limits.rateBurst=1000000"})
class FuzzTest extends RoomcastTestBase {
  private static final long SEED = Long.getLong("roomcast.fuzz.seed", 20261121L);
  private static final int SINGLE = 40_000;
  private static final int SPREAD_CONNECTIONS = 20;
  private static final int PER_SPREAD = 3_000;
  private static final String ROOM = "fuzz";

  @Test
  @org.junit.jupiter.api.Timeout(value = 90, unit = TimeUnit.SECONDS)
  void randomAndMutatedFramesGetTheirDocumentedAnswersAndHurtNobody() throws Exception {
    LogCapture log = new LogCapture();
    HealthProbe health = new HealthProbe(vertx, port());
    int maxText = config.limits().maxTextLength();

    // The well-behaved client: one message every 25 ms, acks checked, the room's seq checked for gaps.
    List<String> goodProblems = new CopyOnWriteArrayList<>();
    LongList roomSeqs = new LongList();
    LongList ownMessages = new LongList();
    AtomicLong acks = new AtomicLong();
    AtomicLong joinSeq = new AtomicLong(-1);
    StreamClient good = await(StreamClient.connect(vertx, port(), f -> {
      String type = f.getString("type");
      if ("message".equals(type) && ROOM.equals(f.getString("room"))) {
        synchronized (roomSeqs) {
          roomSeqs.add(f.getLong("seq"));
          JsonObject data = f.getJsonObject("data");
          if (data != null && data.containsKey("good") && f.getString("text").startsWith("good ")) {
            ownMessages.add(data.getLong("good"));
          }
        }
      } else if ("ack".equals(type) && "gjoin".equals(f.getValue("id"))) {
        joinSeq.set(f.getLong("seq"));
      } else if ("ack".equals(type) && String.valueOf(f.getValue("id")).startsWith("g")) {
        acks.incrementAndGet();
      } else if ("error".equals(type)) {
        goodProblems.add(f.encode());
      }
    }), 5_000);
    good.send(new JsonObject().put("type", "join").put("room", ROOM).put("id", "gjoin"));
    eventually(() -> joinSeq.get() >= 0, 5_000, () -> "the well-behaved client's join was not acked");
    List<String> nicks = new CopyOnWriteArrayList<>(List.of(good.nick()));

    List<FuzzConnection> conns = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(SPREAD_CONNECTIONS + 1);
    long goodTimer = -1;
    long start = System.currentTimeMillis();
    try {
      for (int i = 0; i <= SPREAD_CONNECTIONS; i++) {
        FuzzConnection c = new FuzzConnection(port(), i == 0 ? "single" : "spread-" + i);
        conns.add(c);
        nicks.add(c.nick());
        c.sendText("{\"type\":\"join\",\"id\":\"j\",\"room\":\"" + ROOM + "\"}");
        assertEquals("ack", c.reply("j", 5_000).getString("type"));
      }
      AtomicLong sentGood = new AtomicLong();
      goodTimer = vertx.setPeriodic(25, t -> {
        long n = sentGood.getAndIncrement();
        good.send(new JsonObject().put("type", "send").put("id", "g" + n).put("room", ROOM).put("text", "good " + n)
            .put("data", new JsonObject().put("good", n)));
      });

      List<Future<Long>> runs = new ArrayList<>();
      for (int i = 0; i <= SPREAD_CONNECTIONS; i++) {
        FuzzConnection c = conns.get(i);
        int index = i;
        int count = i == 0 ? SINGLE : PER_SPREAD;
        long seed = SEED * 31 + i;
        String info = "seed " + SEED + " (-Droomcast.fuzz.seed=" + SEED + "), connection " + i + " generator seed " + seed;
        runs.add(pool.submit(() -> {
          long t0 = System.currentTimeMillis();
          c.fuzz(new FuzzFrames(seed, index, maxText, ROOM, nicks), count, info);
          return System.currentTimeMillis() - t0;
        }));
      }
      List<Long> millis = new ArrayList<>();
      for (Future<Long> f : runs) {
        try {
          millis.add(f.get(80, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof AssertionError a) {
            throw a;
          }
          throw e;
        }
      }
      long fuzzMillis = System.currentTimeMillis() - start;

      // Nobody was closed: every fuzzed connection still answers, and /health agrees.
      for (FuzzConnection c : conns) {
        c.assertOpen();
        c.sendText("{\"type\":\"ping\",\"id\":\"last\"}");
        assertEquals("ack", c.reply("last", 5_000).getString("type"));
      }
      vertx.cancelTimer(goodTimer);
      goodTimer = -1;
      Waits.sleep(100); // a tick that was already running when the timer was cancelled
      long lastGood = sentGood.get() - 1;
      eventually(() -> {
        synchronized (roomSeqs) {
          return ownMessages.size() > 0 && ownMessages.get(ownMessages.size() - 1) == lastGood;
        }
      }, 10_000, () -> "the good client's last message " + lastGood + " never came back");
      JsonObject h = health.get();
      assertEquals(conns.size() + 1, h.getInteger("connections"), h.encode());
      for (String refusal : List.of("rate_limited", "flooding", "slow_consumer", "idle_timeout")) {
        assertEquals(0, HealthProbe.refusals(h, refusal), refusal + " in " + h.encode());
      }

      // The good client: every message acked, none refused, the room's messages gap-free and its own in order.
      assertEquals(List.of(), goodProblems, "errors to the well-behaved client");
      assertEquals(lastGood + 1, acks.get(), "acks to the well-behaved client");
      long messages;
      synchronized (roomSeqs) {
        messages = roomSeqs.size();
        assertEquals(joinSeq.get() + 1, roomSeqs.get(0), "the first message after the join");
        for (int i = 1; i < roomSeqs.size(); i++) {
          if (roomSeqs.get(i) != roomSeqs.get(i - 1) + 1) {
            throw new AssertionError("the room's seq jumps from " + roomSeqs.get(i - 1) + " to " + roomSeqs.get(i));
          }
        }
        for (int i = 0; i < ownMessages.size(); i++) {
          assertEquals(i, ownMessages.get(i), "the well-behaved client's own messages, in order");
        }
      }
      Map<String, Integer> categories = new TreeMap<>();
      long total = 0;
      for (FuzzConnection c : conns) {
        c.categories().forEach((k, v) -> categories.merge(k, v, Integer::sum));
      }
      for (int v : categories.values()) {
        total += v;
      }
      log.close();
      System.out.println("fuzz: seed " + SEED + ", " + total + " frames (" + SINGLE + " on one connection, " + PER_SPREAD
          + " on each of " + SPREAD_CONNECTIONS + ") in " + fuzzMillis + " ms (the single connection took " + millis.get(0)
          + " ms, the spread ones " + millis.subList(1, millis.size()).stream().mapToLong(Long::longValue).max().orElse(0)
          + " ms at most); by category " + categories
          + "; the well-behaved client sent " + (lastGood + 1) + " messages and saw " + messages
          + " room messages without a gap; /health refusals " + h.getJsonObject("refusals").encode()
          + "; log: " + log.records().size() + " records, " + log.refusalLines().size() + " refusal lines");
      assertTrue(total >= 100_000, "frames thrown: " + total);
      log.assertQuietAboutClientMistakes();
    } finally {
      if (goodTimer >= 0) {
        vertx.cancelTimer(goodTimer);
      }
      pool.shutdownNow();
      conns.forEach(FuzzConnection::close);
      await(good.close(), 5_000);
      health.close();
      log.close();
    }
  }
}
