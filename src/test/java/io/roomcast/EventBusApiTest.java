package io.roomcast;

import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.assertRecentTs;
import static io.roomcast.support.FrameAssert.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The event bus API for other verticles, and the echo bot that is built on it. */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class EventBusApiTest extends RoomcastTestBase {

  private Future<JsonObject> request(String address, JsonObject body) {
    return node.vertx().eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  /** Fails unless the request fails with a failure message starting with {@code code + ": "}. */
  private Future<ReplyException> refused(String address, JsonObject body, String code) {
    return node.vertx().eventBus().request(address, body).transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError(address + " accepted " + body + ": " + ar.result().body()));
      }
      Throwable e = ar.cause();
      assertInstanceOf(ReplyException.class, e);
      assertTrue(e.getMessage().startsWith(code + ": "), () -> "failure message for " + body + ": " + e.getMessage());
      return Future.succeededFuture((ReplyException) e);
    });
  }

  @AllTransports
  void publishReachesMembersAsAnOrdinaryMessage(Transport t, VertxTestContext ctx) {
    JsonObject data = new JsonObject().put("source", "rss");
    inRoom(t, "news", 2).compose(cs -> cs.get(0).say("news", "first")
        .compose(v -> request("roomcast.publish",
            new JsonObject().put("room", "news").put("from", "newsbot").put("text", "extra!").put("data", data)))
        .compose(reply -> {
          ctx.verify(() -> {
            assertKeys(reply, "seq", "ts");
            assertFrame(reply, "seq", 2);
            assertRecentTs(reply);
          });
          return Future.all(cs.get(0).await(Match.message("news", "extra!")), cs.get(1).await(Match.message("news", "extra!")))
              .map(all -> {
                for (int i = 0; i < 2; i++) {
                  JsonObject m = all.resultAt(i);
                  ctx.verify(() -> {
                    assertKeys(m, "type", "room", "seq", "from", "text", "ts", "data");
                    assertFrame(m, "seq", 2, "from", "newsbot", "ts", reply.getLong("ts"));
                    assertEquals(data, m.getJsonObject("data"));
                  });
                }
                return null;
              });
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void publishToARoomWithoutMembersKeepsTheMessageInHistory(Transport t, VertxTestContext ctx) {
    request("roomcast.publish", new JsonObject().put("room", "board").put("from", "cron").put("text", "nightly build ok"))
        .compose(reply -> {
          ctx.verify(() -> assertFrame(reply, "seq", 1));
          return connect(t);
        })
        .compose(c -> c.ok(new JsonObject().put("type", "history").put("room", "board")))
        .map(h -> {
          ctx.verify(() -> {
            JsonArray ms = h.getJsonArray("messages");
            assertEquals(1, ms.size());
            assertFrame(ms.getJsonObject(0), "from", "cron", "text", "nightly build ok", "seq", 1);
          });
          return null;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  static Stream<Arguments> invalidRequests() {
    JsonObject ok = new JsonObject().put("room", "news").put("from", "bot").put("text", "hi");
    JsonObject dm = new JsonObject().put("from", "bot").put("to", "alice").put("text", "hi");
    Stream<Arguments> cases = Stream.of(
        Arguments.of("roomcast.publish", ok.copy().put("room", "bad room"), "invalid_room"),
        Arguments.of("roomcast.publish", ok.copy().put("from", "bad nick"), "invalid_nick"),
        Arguments.of("roomcast.publish", ok.copy().put("text", ""), "invalid_text"),
        Arguments.of("roomcast.publish", ok.copy().put("text", "x".repeat(4097)), "invalid_text"),
        Arguments.of("roomcast.publish", ok.copy().put("data", "not an object"), "invalid_frame"),
        Arguments.of("roomcast.publish", new JsonObject().put("room", "news").put("from", "bot"), "invalid_frame"),
        Arguments.of("roomcast.direct", dm.copy().put("to", "nobody"), "no_such_user"),
        Arguments.of("roomcast.direct", dm.copy().put("to", "no body"), "invalid_nick"),
        Arguments.of("roomcast.direct", dm.copy().put("text", ""), "invalid_text"),
        Arguments.of("roomcast.presence", new JsonObject().put("room", "bad room"), "invalid_room"),
        Arguments.of("roomcast.presence", new JsonObject(), "invalid_frame"));
    // alice, the user the direct requests name, is connected over each transport in turn.
    return cases.flatMap(c -> Stream.of(Transport.values()).map(t -> Arguments.of(t, c.get()[0], c.get()[1], c.get()[2])));
  }

  @ParameterizedTest(name = "[{0}] {1} {2} -> {3}")
  @MethodSource("invalidRequests")
  void invalidRequestsFailWithTheProtocolErrorCode(Transport t, String address, JsonObject body, String code, VertxTestContext ctx) {
    connect(t, "alice")
        .compose(c -> refused(address, body, code))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void directReachesTheUser(Transport t, VertxTestContext ctx) {
    connect(t, "alice").compose(alice ->
            request("roomcast.direct", new JsonObject().put("from", "ops").put("to", "ALICE").put("text", "maintenance at 5"))
                .compose(reply -> {
                  ctx.verify(() -> {
                    assertFrame(reply, "to", "alice");
                    assertRecentTs(reply);
                  });
                  return alice.next("direct");
                })
                .map(d -> {
                  ctx.verify(() -> {
                    assertKeys(d, "type", "from", "text", "ts");
                    assertFrame(d, "from", "ops", "text", "maintenance at 5");
                  });
                  return null;
                }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void presenceAndRoomsDescribeWhoIsWhere(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> cs.get(0).join("dev")
        .compose(v -> request("roomcast.presence", new JsonObject().put("room", "lobby")))
        .compose(p -> {
          ctx.verify(() -> assertEquals(List.of(cs.get(0).welcomeNick(), cs.get(1).welcomeNick()),
              strings(p.getJsonArray("members")), "members in join order"));
          return request("roomcast.presence", new JsonObject().put("room", "empty"));
        })
        .compose(p -> {
          ctx.verify(() -> assertEquals(new JsonArray(), p.getJsonArray("members")));
          return request("roomcast.rooms", new JsonObject());
        })
        .map(r -> {
          ctx.verify(() -> {
            Set<JsonObject> rooms = new HashSet<>();
            r.getJsonArray("rooms").forEach(o -> rooms.add((JsonObject) o));
            assertEquals(Set.of(new JsonObject().put("room", "lobby").put("members", 2),
                new JsonObject().put("room", "dev").put("members", 1)), rooms);
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void roomEventsCarryMessagesJoinsAndLeavesExactlyAsClientsSeeThem(Transport t, VertxTestContext ctx) {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Promise<Void> fourEvents = Promise.promise();
    MessageConsumer<JsonObject> consumer = node.vertx().eventBus().consumer("roomcast.events.lobby", msg -> {
      events.add(msg.body());
      if (events.size() == 4) {
        fourEvents.tryComplete();
      }
    });
    // Noise in another room must not show up on this address.
    consumer.completion()
        .compose(v -> inRoom(t, "other", 1))
        .compose(other -> other.get(0).say("other", "elsewhere").map(other.get(0)))
        .compose(other -> connect(t, 2).compose(cs -> {
          ChatClient watcher = cs.get(0);
          ChatClient visitor = cs.get(1);
          return watcher.join("lobby")
              .compose(v -> visitor.join("lobby"))
              .compose(v -> visitor.say("lobby", "hello"))
              .compose(v -> visitor.leave("lobby"))
              .compose(v -> fourEvents.future())
              .compose(v -> Future.all(watcher.next("joined"), watcher.next("message"), watcher.next("left")))
              .map(seen -> {
                ctx.verify(() -> {
                  List<String> types = events.stream().map(e -> e.getString("type")).toList();
                  assertEquals(List.of("joined", "joined", "message", "left"), types);
                  assertFrame(events.get(0), "room", "lobby", "nick", watcher.welcomeNick());
                  assertEquals(seen.resultAt(0), events.get(1), "joined as the watcher saw it");
                  assertEquals(seen.resultAt(1), events.get(2), "message as the watcher saw it");
                  assertEquals(seen.resultAt(2), events.get(3), "left as the watcher saw it");
                });
                return null;
              });
        }))
        .compose(v -> consumer.unregister())
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void echoBotShoutsBackInTheEchoRoom(Transport t, VertxTestContext ctx) {
    inRoom(t, "echo", 2).compose(cs -> cs.get(0).say("echo", "hi")
        .compose(ack -> Future.all(
            cs.get(0).await(Match.message("echo").and(Match.field("from", "echo-bot"))),
            cs.get(1).await(Match.message("echo").and(Match.field("from", "echo-bot")))))
        .compose(all -> {
          ctx.verify(() -> {
            for (int i = 0; i < 2; i++) {
              JsonObject m = all.resultAt(i);
              assertFrame(m, "room", "echo", "from", "echo-bot", "text", "HI!!!", "seq", 2);
            }
          });
          // The bot does not answer its own message ("HI!!!!!!" would follow).
          return cs.get(0).assertNothing(Match.message("echo").and(Match.field("from", "echo-bot")), 400);
        })
        // Nor anything published under its nick.
        .compose(v -> request("roomcast.publish", new JsonObject().put("room", "echo").put("from", "echo-bot").put("text", "quiet")))
        .compose(v -> cs.get(0).await(Match.message("echo", "quiet")))
        .compose(v -> cs.get(0).assertNothing(Match.message("echo", "QUIET!!!"), 400))
        // Only the echo room is answered.
        .compose(v -> cs.get(0).join("lobby"))
        .compose(v -> cs.get(0).say("lobby", "anyone?"))
        .compose(v -> cs.get(0).assertNothing(Match.field("from", "echo-bot"), 300)))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig("bots.echo=false")
  void echoBotCanBeSwitchedOff(Transport t, VertxTestContext ctx) {
    inRoom(t, "echo", 1).compose(cs -> cs.get(0).say("echo", "hi")
        .compose(v -> cs.get(0).await(Match.message("echo", "hi")))
        .compose(v -> cs.get(0).assertNothing(Match.field("from", "echo-bot"), 500))
        // With the bot off its nick is still reserved.
        .compose(v -> cs.get(0).request(new JsonObject().put("type", "nick").put("nick", "echo-bot")))
        .map(err -> {
          ctx.verify(() -> assertFrame(err, "type", "error", "code", "nick_taken"));
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
