package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

/**
 * Ordering under concurrent senders: every member sees a room's messages in seq order with no gap,
 * and one sender's messages keep the order they were sent in. The rate limit is raised because the
 * senders deliberately burst.
 */
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@ServerConfig({"limits.ratePerSecond=100000", "limits.rateBurst=100000", "rooms.historySize=1000"})
class OrderingTest extends RoomcastTestBase {
  private static final int SENDERS = 3;
  private static final int PER_SENDER = 100;
  private static final int TOTAL = SENDERS * PER_SENDER;

  @AllTransports
  void concurrentSendersAreSeenInOneGaplessOrderKeepingEachSendersOrder(Transport t, VertxTestContext ctx) {
    Checkpoint everyClientSawAll = ctx.checkpoint(SENDERS);
    Checkpoint everySenderAckedInOrder = ctx.checkpoint(SENDERS);
    inRoom(t, "race", SENDERS).onComplete(ctx.succeeding(cs -> {
      // Each client collects the whole stream, and starts waiting before anything is sent.
      for (ChatClient c : cs) {
        c.awaitMany(Match.message("race"), TOTAL, 15_000).onComplete(ctx.succeeding(ms -> ctx.verify(() -> {
          checkStream(c, ms, cs);
          everyClientSawAll.flag();
        })));
      }
      // All three send their 100 messages at once, without waiting for acks.
      for (ChatClient sender : cs) {
        List<Future<JsonObject>> acks = new ArrayList<>();
        for (int i = 0; i < PER_SENDER; i++) {
          acks.add(sender.ok(new JsonObject().put("type", "send").put("room", "race")
              .put("text", sender.welcomeNick() + "#" + i)));
        }
        Future.all(acks).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          long previous = 0;
          for (Future<JsonObject> ack : acks) {
            long seq = ack.result().getLong("seq");
            if (seq <= previous) {
              throw new AssertionError(sender.welcomeNick() + "'s acks are out of order: " + seq + " after " + previous);
            }
            previous = seq;
          }
          everySenderAckedInOrder.flag();
        })));
      }
    }));
  }

  private static void checkStream(ChatClient receiver, List<JsonObject> ms, List<ChatClient> senders) {
    List<Long> seqs = ms.stream().map(m -> m.getLong("seq")).toList();
    assertEquals(LongStream.rangeClosed(1, TOTAL).boxed().toList(), seqs,
        receiver + " must see seq 1.." + TOTAL + " in order with no gap or duplicate");
    Map<String, List<String>> bySender = new HashMap<>();
    for (JsonObject m : ms) {
      bySender.computeIfAbsent(m.getString("from"), k -> new ArrayList<>()).add(m.getString("text"));
    }
    for (ChatClient s : senders) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < PER_SENDER; i++) {
        expected.add(s.welcomeNick() + "#" + i);
      }
      assertEquals(expected, bySender.get(s.welcomeNick()), receiver + " must see " + s + "'s messages in send order");
    }
  }
}
