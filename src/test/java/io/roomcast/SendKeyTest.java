package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.longs;
import static io.roomcast.support.FrameAssert.messages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A send's idempotency {@code key}: sent again (after a lost ack, a reconnect), it is stored once and
 * answered with the first seq; keys belong to their sender and last as long as their message is kept.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
@ServerConfig("rooms.historySize=3")
class SendKeyTest extends RoomcastTestBase {

  private static JsonObject keyed(String text, String key) {
    return new JsonObject().put("type", "send").put("room", "lobby").put("text", text).put("key", key);
  }

  @AllTransports
  void aSendRepeatedWithItsKeyIsStoredOnceAndAnsweredWithTheFirstSeq(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.ok(keyed("hello", "k-1")).compose(first -> {
        ctx.verify(() -> assertKeys(first, "type", "id", "seq", "ts"));
        return b.await(Match.message("lobby", "hello")).compose(m -> {
          ctx.verify(() -> assertFrame(m, "seq", first.getLong("seq"), "key", "k-1"));
          // The same key again, even with other text: the first message's seq and ts, nothing sent.
          return a.ok(keyed("hello again", "k-1"));
        }).compose(again -> {
          ctx.verify(() -> {
            assertKeys(again, "type", "id", "seq", "ts", "duplicate");
            assertFrame(again, "seq", first.getLong("seq"), "ts", first.getLong("ts"), "duplicate", true);
          });
          return b.assertNothing(Match.type("message"), 300);
        });
      }).compose(v -> a.ok(keyed("next", "k-2")))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 2));
            return b.ok(new JsonObject().put("type", "history").put("room", "lobby"));
          })
          .map(h -> {
            ctx.verify(() -> {
              assertEquals(List.of(1L, 2L), longs(messages(h), "seq"));
              assertEquals("k-1", messages(h).get(0).getString("key"));
            });
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void keysBelongToTheirSender(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> cs.get(0).ok(keyed("from a", "same"))
        .compose(v -> cs.get(1).ok(keyed("from b", "same")))
        .compose(ack -> {
          ctx.verify(() -> {
            assertFrame(ack, "seq", 2);
            assertFalse(ack.containsKey("duplicate"));
          });
          return cs.get(0).await(Match.message("lobby", "from b"));
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  /** What a client does after losing its connection with a send unanswered: reconnect, rejoin, send again. */
  @AllTransports
  void aKeySentAgainAfterAReconnectIsStoredOnce(Transport t, VertxTestContext ctx) {
    connect(t, "ann").compose(a -> inRoom(t, "lobby", 1).compose(others -> {
      ChatClient b = others.get(0);
      return a.join("lobby").compose(v -> b.await(Match.type("joined").and(Match.field("nick", "ann"))))
          .compose(v -> a.ok(keyed("before the cut", "k-9")))
          .compose(first -> a.close()
              .compose(v -> b.await(Match.type("left").and(Match.field("nick", "ann"))))
              .compose(v -> connect(t, "ann"))
              .compose(a2 -> a2.join("lobby").compose(v -> a2.ok(keyed("before the cut", "k-9"))))
              .compose(again -> {
                ctx.verify(() -> assertFrame(again, "seq", first.getLong("seq"), "duplicate", true));
                return b.assertNothing(Match.type("message").and(Match.field("seq", first.getLong("seq") + 1)), 300);
              }));
    })).onComplete(ctx.succeedingThenComplete());
  }

  /** The test's node keeps 3 messages per room: a key is remembered exactly as long as its message. */
  @AllTransports
  void aKeyIsRememberedWhileItsMessageIsInHistory(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 1).compose(cs -> {
      ChatClient a = cs.get(0);
      Future<JsonObject> f = Future.succeededFuture();
      for (int i = 1; i <= 4; i++) {
        String key = "k" + i;
        f = f.compose(v -> a.ok(keyed(key, key)));
      }
      return f.compose(v -> a.ok(keyed("k2", "k2")))
          .compose(kept -> {
            // Seqs 2-4 are kept: k2 is known; k1 dropped out with seq 1 and is a new message.
            ctx.verify(() -> assertFrame(kept, "seq", 2, "duplicate", true));
            return a.ok(keyed("k1", "k1"));
          })
          .map(dropped -> {
            ctx.verify(() -> {
              assertFrame(dropped, "seq", 5);
              assertFalse(dropped.containsKey("duplicate"));
            });
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void badKeysAreRefusedAndTheConnectionKeepsWorking(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> {
      ChatClient a = cs.get(0);
      List<Object> bad = List.of("", "x".repeat(65), "two words", "tab\t", "é", 5, new JsonArray());
      Future<Void> f = Future.succeededFuture();
      for (Object key : bad) {
        f = f.compose(v -> a.request(keyed("bad", "placeholder").put("key", key).put("id", 3)))
            .map(err -> {
              ctx.verify(() -> assertError(err, key instanceof String ? "invalid_key" : "invalid_frame", 3));
              return null;
            });
      }
      return f.compose(v -> cs.get(1).assertNothing(Match.type("message"), 200))
          .compose(v -> a.ok(keyed("fine", "x".repeat(63) + "~")))
          .map(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 1));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void publishOnTheEventBusTakesAKeyToo(Transport t, VertxTestContext ctx) {
    JsonObject body = new JsonObject().put("room", "lobby").put("from", "feed").put("text", "news").put("key", "n-1");
    inRoom(t, "lobby", 1).compose(cs -> publish(body)
        .compose(first -> publish(body.copy().put("text", "again")).compose(again -> {
          ctx.verify(() -> assertEquals(first.copy().put("duplicate", true), again));
          return cs.get(0).await(Match.message("lobby", "news"));
        }))
        .compose(m -> {
          ctx.verify(() -> assertFrame(m, "from", "feed", "key", "n-1"));
          return cs.get(0).assertNothing(Match.message("lobby", "again"), 300);
        })
        .compose(v -> node.vertx().eventBus().request("roomcast.publish", body.copy().put("key", "no spaces")))
        .transform(ar -> {
          ctx.verify(() -> assertEquals("invalid_key", ar.failed()
              ? ((ReplyException) ar.cause()).getMessage().split(":")[0] : "accepted"));
          return Future.succeededFuture();
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> publish(JsonObject body) {
    return node.vertx().eventBus().<JsonObject>request("roomcast.publish", body).map(m -> m.body());
  }
}
