package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.assertRecentTs;
import static io.roomcast.support.FrameAssert.longs;
import static io.roomcast.support.FrameAssert.messages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

/** Room messages, typing, direct history and {@code since} recovery. */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class MessagingTest extends RoomcastTestBase {

  private static JsonObject send(String room, String text) {
    return new JsonObject().put("type", "send").put("room", room).put("text", text);
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  /** Sends {@code n} messages without waiting for acks; completes when all are acked. */
  private static Future<Void> burst(ChatClient c, String room, int n) {
    List<Future<JsonObject>> acks = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      acks.add(c.ok(send(room, "m" + i)));
    }
    return Future.all(acks).mapEmpty();
  }

  @AllTransports
  void sendIsAckedAndEveryMemberIncludingTheSenderGetsTheMessage(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> connect(t).compose(outsider -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.request(send("lobby", "hello").put("id", 7))
          .compose(ack -> {
            ctx.verify(() -> {
              assertKeys(ack, "type", "id", "seq", "ts");
              assertFrame(ack, "type", "ack", "id", 7, "seq", 1);
              assertRecentTs(ack);
            });
            return Future.all(a.next("message"), b.next("message")).map(all -> {
              for (int i = 0; i < 2; i++) {
                JsonObject m = all.resultAt(i);
                ctx.verify(() -> {
                  assertKeys(m, "type", "room", "seq", "from", "text", "ts");
                  assertFrame(m, "room", "lobby", "seq", 1, "from", a.welcomeNick(), "text", "hello", "ts", ack.getLong("ts"));
                });
              }
              return null;
            });
          })
          .compose(v -> outsider.assertNothing(Match.type("message"), 300))
          // seq is per room and grows by exactly one.
          .compose(v -> b.say("lobby", "second"))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 2));
            return a.join("other");
          })
          .compose(v -> a.say("other", "first elsewhere"))
          .map(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 1));
            return null;
          });
    })).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void dataObjectIsPassedThroughVerbatim(Transport t, VertxTestContext ctx) {
    JsonObject data = new JsonObject()
        .put("kind", "image")
        .put("size", new JsonObject().put("w", 640).put("h", 480))
        .put("tags", new JsonArray().add("cat").add(3).add(true))
        .put("ratio", 1.5)
        .put("nothing", (Object) null)
        .put("unicode", "héllo ✓");
    inRoom(t, "lobby", 2).compose(cs -> cs.get(0).ok(send("lobby", "look").put("data", data))
        .compose(ack -> cs.get(1).next("message"))
        .compose(m -> {
          ctx.verify(() -> {
            assertEquals(data, m.getJsonObject("data"));
            assertFrame(m, "text", "look");
          });
          return cs.get(0).ok(send("lobby", "empty").put("data", new JsonObject()));
        })
        .compose(ack -> cs.get(1).await(Match.message("lobby", "empty")))
        .map(m -> {
          ctx.verify(() -> assertEquals(new JsonObject(), m.getJsonObject("data")));
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void threeClientsHearEachOther(Transport t, VertxTestContext ctx) {
    // Every client gets every client's message: 3 x 3 deliveries.
    Checkpoint delivered = ctx.checkpoint(9);
    inRoom(t, "trio", 3).onComplete(ctx.succeeding(cs -> {
      for (ChatClient receiver : cs) {
        for (ChatClient sender : cs) {
          String text = "from " + sender.welcomeNick();
          receiver.await(Match.message("trio", text))
              .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
                assertFrame(m, "from", sender.welcomeNick());
                delivered.flag();
              })));
        }
      }
      for (ChatClient sender : cs) {
        sender.say("trio", "from " + sender.welcomeNick()).onFailure(ctx::failNow);
      }
    }));
  }

  @AllTransports
  void typingGoesToTheOtherMembersOnly(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 3).compose(cs -> {
      ChatClient a = cs.get(0);
      return a.ok(new JsonObject().put("type", "typing").put("room", "lobby"))
          .compose(ack -> Future.all(cs.get(1).next("typing"), cs.get(2).next("typing")))
          .compose(all -> {
            for (int i = 0; i < 2; i++) {
              JsonObject typing = all.resultAt(i);
              ctx.verify(() -> {
                assertKeys(typing, "type", "room", "nick");
                assertFrame(typing, "room", "lobby", "nick", a.welcomeNick());
              });
            }
            return a.assertNothing(Match.type("typing"), 300);
          })
          // Typing is neither sequenced nor stored.
          .compose(v -> a.say("lobby", "done typing"))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 1));
            return a.ok(new JsonObject().put("type", "history").put("room", "lobby"));
          })
          .map(h -> {
            ctx.verify(() -> assertEquals(List.of(1L), longs(messages(h), "seq")));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig({"rooms.historySize=150", "limits.rateBurst=1000", "limits.ratePerSecond=1000"})
  void historyPagesBackwardsAtMost100AtATimeWithoutMembership(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 1).compose(cs -> connect(t).compose(outsider -> {
      ChatClient a = cs.get(0);
      JsonObject history = new JsonObject().put("type", "history").put("room", "lobby");
      return burst(a, "lobby", 120)
          .compose(v -> a.await(Match.message("lobby").and(Match.field("seq", 120))))
          .compose(last -> outsider.ok(history.copy()).map(h -> {
            ctx.verify(() -> {
              assertFrame(h, "type", "ack", "room", "lobby");
              List<JsonObject> ms = messages(h);
              assertEquals(range(21, 120), longs(ms, "seq"), "the newest 100, oldest first");
              assertEquals(last, ms.get(ms.size() - 1), "history holds the message frames members got");
            });
            return null;
          }))
          .compose(v -> outsider.ok(history.copy().put("limit", 1000)))
          .compose(h -> {
            ctx.verify(() -> assertEquals(range(21, 120), longs(messages(h), "seq"), "limit is capped at 100"));
            return outsider.ok(history.copy().put("limit", 3));
          })
          .compose(h -> {
            ctx.verify(() -> assertEquals(range(118, 120), longs(messages(h), "seq")));
            return outsider.ok(history.copy().put("before", 10).put("limit", 3));
          })
          .compose(h -> {
            ctx.verify(() -> assertEquals(range(7, 9), longs(messages(h), "seq")));
            return outsider.ok(history.copy().put("before", 4));
          })
          .compose(h -> {
            ctx.verify(() -> assertEquals(range(1, 3), longs(messages(h), "seq")));
            return outsider.ok(history.copy().put("room", "never-used"));
          })
          .map(h -> {
            ctx.verify(() -> assertEquals(new JsonArray(), h.getJsonArray("messages")));
            return null;
          });
    })).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig("rooms.historySize=5")
  void historyKeepsOnlyTheLastHistorySizeMessages(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 1).compose(cs -> {
      ChatClient a = cs.get(0);
      return burst(a, "lobby", 8)
          .compose(v -> a.ok(new JsonObject().put("type", "history").put("room", "lobby")))
          .map(h -> {
            ctx.verify(() -> assertEquals(range(4, 8), longs(messages(h), "seq")));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Indexes of frames in a client's log, to check what came before what. */
  private static int indexOf(ChatClient c, JsonObject frame) {
    List<JsonObject> log = c.received();
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i) == frame || log.get(i).equals(frame)) {
        return i;
      }
    }
    throw new AssertionError("not received: " + frame.encode());
  }

  @AllTransports
  void joinSinceReplaysMissedMessagesBeforeTheAck(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient late = cs.get(1);
      return a.join("lobby")
          .compose(v -> burst(a, "lobby", 5))
          .compose(v -> late.ok(new JsonObject().put("type", "join").put("room", "lobby").put("since", 2)))
          .compose(ack -> late.awaitMany(Match.message("lobby"), 3, 2_000).map(replayed -> {
            ctx.verify(() -> {
              assertFrame(ack, "room", "lobby", "seq", 5, "recovered", true);
              assertEquals(List.of(3L, 4L, 5L), longs(replayed, "seq"));
              assertEquals(List.of("m3", "m4", "m5"), replayed.stream().map(m -> m.getString("text")).toList());
              for (JsonObject m : replayed) {
                assertTrue(indexOf(late, m) < indexOf(late, ack), "replayed before the ack");
              }
            });
            return null;
          }))
          .compose(v -> late.assertNothing(Match.type("message"), 200))
          // Live messages follow the replay.
          .compose(v -> a.say("lobby", "live"))
          .compose(v -> late.next("message"))
          .map(m -> {
            ctx.verify(() -> assertFrame(m, "seq", 6, "text", "live"));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void joinSinceTheLatestSeqReplaysNothingAndIsRecovered(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.join("lobby")
          .compose(v -> burst(a, "lobby", 2))
          .compose(v -> b.ok(new JsonObject().put("type", "join").put("room", "lobby").put("since", 2)))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 2, "recovered", true));
            return b.ok(new JsonObject().put("type", "join").put("room", "fresh").put("since", 0));
          })
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "room", "fresh", "seq", 0, "recovered", true));
            return b.assertNothing(Match.type("message"), 200);
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void joinSinceAheadOfTheRoomIsNotRecovered(Transport t, VertxTestContext ctx) {
    // The client saw seqs this room never issued (say, the server lost its rooms): not recovered.
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.join("lobby")
          .compose(v -> burst(a, "lobby", 2))
          .compose(v -> b.ok(new JsonObject().put("type", "join").put("room", "lobby").put("since", 99)))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 2, "recovered", false));
            return b.assertNothing(Match.type("message"), 200);
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig("rooms.historySize=5")
  void joinSinceBeyondHistoryReplaysWhatIsKeptAndIsNotRecovered(Transport t, VertxTestContext ctx) {
    connect(t, 3).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient lost = cs.get(1);
      ChatClient justInTime = cs.get(2);
      return a.join("lobby")
          .compose(v -> burst(a, "lobby", 8)) // history now holds 4..8
          .compose(v -> lost.ok(new JsonObject().put("type", "join").put("room", "lobby").put("since", 1)))
          .compose(ack -> lost.awaitMany(Match.message("lobby"), 5, 2_000).map(replayed -> {
            ctx.verify(() -> {
              assertFrame(ack, "seq", 8, "recovered", false);
              assertEquals(range(4, 8), longs(replayed, "seq"), "messages 2 and 3 are gone; the kept ones are replayed");
              assertTrue(indexOf(lost, replayed.get(4)) < indexOf(lost, ack), "replayed before the ack");
            });
            return null;
          }))
          .compose(v -> justInTime.ok(new JsonObject().put("type", "join").put("room", "lobby").put("since", 3)))
          .compose(ack -> justInTime.awaitMany(Match.message("lobby"), 5, 2_000).map(replayed -> {
            ctx.verify(() -> {
              assertFrame(ack, "recovered", true);
              assertEquals(range(4, 8), longs(replayed, "seq"));
            });
            return null;
          }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void joinWithoutSinceReplaysNothing(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> cs.get(0).join("lobby")
        .compose(v -> cs.get(0).say("lobby", "before you came"))
        .compose(v -> cs.get(1).join("lobby"))
        .compose(ack -> {
          ctx.verify(() -> {
            assertFrame(ack, "seq", 1);
            assertFalse(ack.containsKey("recovered"), ack::encode);
          });
          return cs.get(1).assertNothing(Match.type("message"), 200);
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig("limits.maxTextLength=10")
  void textLengthCountsUtf16UnitsUpToMaxTextLength(Transport t, VertxTestContext ctx) {
    String grin = "\uD83D\uDE00"; // one emoji, two UTF-16 units
    inRoom(t, "lobby", 1).compose(cs -> {
      ChatClient a = cs.get(0);
      return a.say("lobby", "x".repeat(10))
          .compose(v -> a.say("lobby", grin.repeat(5)))
          .compose(v -> a.await(Match.message("lobby", grin.repeat(5))))
          .compose(v -> a.request(send("lobby", "x".repeat(11)).put("id", "long")))
          .compose(err -> {
            ctx.verify(() -> assertError(err, "invalid_text", "long"));
            return a.request(send("lobby", grin.repeat(5) + "x").put("id", "long2"));
          })
          .compose(err -> {
            ctx.verify(() -> assertError(err, "invalid_text", "long2"));
            return a.request(send("lobby", "").put("id", "empty"));
          })
          .compose(err -> {
            ctx.verify(() -> assertError(err, "invalid_text", "empty"));
            return a.ping();
          });
    }).onComplete(ctx.succeedingThenComplete());
  }
}
