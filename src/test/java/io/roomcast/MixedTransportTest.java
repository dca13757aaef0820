package io.roomcast;

import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A user on the native WebSocket and a user on SockJS (xhr-polling) share rooms: each sees the
 * other's joins, messages, typing, renames, direct messages, leaves and disconnects, and the member
 * lists name both.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class MixedTransportTest extends RoomcastTestBase {

  private static JsonObject frame(String type, String room) {
    return new JsonObject().put("type", type).put("room", room);
  }

  /** Connects alice over WebSocket and bob over SockJS. */
  private Future<List<ChatClient>> aliceOnWsBobOnSockJs() {
    return connect(Transport.WS, "alice").compose(alice -> connect(Transport.SOCKJS, "bob").map(bob -> {
      assertEquals(Transport.WS, alice.transport());
      assertEquals(Transport.SOCKJS, bob.transport());
      return List.of(alice, bob);
    }));
  }

  @Test
  void aWebSocketUserAndASockJsUserChatInOneRoom(VertxTestContext ctx) {
    aliceOnWsBobOnSockJs().compose(users -> {
      ChatClient alice = users.get(0);
      ChatClient bob = users.get(1);
      return alice.join("mixed")
          .compose(v -> bob.join("mixed"))
          .compose(ack -> {
            ctx.verify(() -> assertEquals(List.of("alice", "bob"), strings(ack.getJsonArray("members"))));
            return alice.next("joined");
          })
          .compose(joined -> {
            ctx.verify(() -> assertFrame(joined, "room", "mixed", "nick", "bob"));
            return alice.ok(frame("members", "mixed"));
          })
          .compose(members -> {
            ctx.verify(() -> assertEquals(List.of("alice", "bob"), strings(members.getJsonArray("members"))));
            return alice.say("mixed", "hello from a WebSocket");
          })
          .compose(ack -> Future.all(alice.next("message"), bob.next("message")).map(all -> {
            for (int i = 0; i < 2; i++) {
              JsonObject m = all.resultAt(i);
              ctx.verify(() -> {
                assertKeys(m, "type", "room", "seq", "from", "text", "ts");
                assertFrame(m, "room", "mixed", "seq", 1, "from", "alice", "text", "hello from a WebSocket", "ts", ack.getLong("ts"));
              });
            }
            return null;
          }))
          .compose(v -> bob.say("mixed", "hello from SockJS"))
          .compose(ack -> Future.all(alice.next("message"), bob.next("message")).map(all -> {
            for (int i = 0; i < 2; i++) {
              JsonObject m = all.resultAt(i);
              ctx.verify(() -> assertFrame(m, "seq", 2, "from", "bob", "text", "hello from SockJS", "ts", ack.getLong("ts")));
            }
            return null;
          }))
          // Typing, both ways, reaches only the other one.
          .compose(v -> bob.ok(frame("typing", "mixed")))
          .compose(v -> alice.next("typing"))
          .compose(typing -> {
            ctx.verify(() -> assertEquals(frame("typing", "mixed").put("nick", "bob"), typing));
            return alice.ok(frame("typing", "mixed"));
          })
          .compose(v -> bob.next("typing"))
          .compose(typing -> {
            ctx.verify(() -> assertEquals(frame("typing", "mixed").put("nick", "alice"), typing));
            return Future.all(alice.assertNothing(Match.type("typing"), 200), bob.assertNothing(Match.type("typing"), 200));
          })
          // A rename on one transport is announced on the other.
          .compose(v -> bob.rename("robert"))
          .compose(v -> alice.next("renamed"))
          .compose(renamed -> {
            ctx.verify(() -> assertFrame(renamed, "room", "mixed", "old", "bob", "nick", "robert"));
            return alice.ok(new JsonObject().put("type", "direct").put("to", "robert").put("text", "psst"));
          })
          .compose(v -> bob.next("direct"))
          .compose(d -> {
            ctx.verify(() -> assertFrame(d, "from", "alice", "text", "psst"));
            return bob.ok(new JsonObject().put("type", "direct").put("to", "alice").put("text", "what?"));
          })
          .compose(v -> alice.next("direct"))
          .compose(d -> {
            ctx.verify(() -> assertFrame(d, "from", "robert", "text", "what?"));
            // History holds both transports' messages alike.
            return bob.ok(frame("history", "mixed"));
          })
          .map(h -> {
            ctx.verify(() -> {
              List<String> texts = new ArrayList<>();
              h.getJsonArray("messages").forEach(m -> texts.add(((JsonObject) m).getString("text")));
              assertEquals(List.of("hello from a WebSocket", "hello from SockJS"), texts);
            });
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void leavesAndDisconnectsAreSeenAcrossTransports(VertxTestContext ctx) {
    aliceOnWsBobOnSockJs().compose(users -> {
      ChatClient alice = users.get(0);
      ChatClient bob = users.get(1);
      return alice.join("mixed")
          .compose(v -> bob.join("mixed"))
          .compose(v -> alice.next("joined"))
          // The SockJS user leaves, comes back, then disconnects.
          .compose(v -> bob.leave("mixed"))
          .compose(v -> alice.next("left"))
          .compose(left -> {
            ctx.verify(() -> assertFrame(left, "room", "mixed", "nick", "bob"));
            return bob.join("mixed");
          })
          .compose(v -> alice.next("joined"))
          .compose(v -> bob.close())
          .compose(v -> alice.next("left"))
          .compose(left -> {
            ctx.verify(() -> assertFrame(left, "room", "mixed", "nick", "bob"));
            return alice.ok(frame("members", "mixed"));
          })
          .compose(members -> {
            ctx.verify(() -> assertEquals(List.of("alice"), strings(members.getJsonArray("members"))));
            // And the other way round: a SockJS user sees a WebSocket user leave and disconnect.
            return connect(Transport.SOCKJS, "carol");
          })
          .compose(carol -> carol.join("mixed")
              .compose(v -> alice.leave("mixed"))
              .compose(v -> carol.next("left"))
              .compose(left -> {
                ctx.verify(() -> assertFrame(left, "room", "mixed", "nick", "alice"));
                return alice.join("mixed");
              })
              .compose(v -> carol.next("joined"))
              .compose(joined -> {
                ctx.verify(() -> assertFrame(joined, "room", "mixed", "nick", "alice"));
                return alice.close();
              })
              .compose(v -> carol.next("left"))
              .compose(left -> {
                ctx.verify(() -> assertFrame(left, "room", "mixed", "nick", "alice"));
                return carol.ok(frame("members", "mixed"));
              })
              .map(members -> {
                ctx.verify(() -> assertEquals(List.of("carol"), strings(members.getJsonArray("members"))));
                return null;
              }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig({"limits.ratePerSecond=100000", "limits.rateBurst=100000", "rooms.historySize=1000"})
  void concurrentSendersOnBothTransportsAreSeenInOneGaplessOrder(VertxTestContext ctx) {
    int perSender = 50;
    int total = 4 * perSender;
    Checkpoint sawAll = ctx.checkpoint(4);
    List<ChatClient> cs = new ArrayList<>();
    inRoom(Transport.WS, "race", 2)
        .compose(ws -> {
          cs.addAll(ws);
          return connect(Transport.SOCKJS, 2);
        })
        .compose(sj -> {
          Future<Void> f = Future.succeededFuture();
          for (ChatClient c : sj) {
            f = f.compose(v -> c.join("race")).mapEmpty();
          }
          cs.addAll(sj);
          // Every member has seen every later member join.
          return f.compose(v -> Future.all(List.of(
              cs.get(0).awaitMany(Match.type("joined"), 2, 5_000),
              cs.get(1).awaitMany(Match.type("joined"), 2, 5_000),
              cs.get(2).awaitMany(Match.type("joined"), 1, 5_000))));
        })
        .onComplete(ctx.succeeding(v -> {
          for (ChatClient c : cs) {
            c.awaitMany(Match.message("race"), total, 12_000).onComplete(ctx.succeeding(ms -> ctx.verify(() -> {
              assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), ms.stream().map(m -> m.getLong("seq")).toList(),
                  c + " sees every seq once, in order");
              for (ChatClient sender : cs) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perSender; i++) {
                  expected.add(sender.welcomeNick() + "#" + i);
                }
                assertEquals(expected, ms.stream().filter(m -> m.getString("from").equals(sender.welcomeNick()))
                    .map(m -> m.getString("text")).toList(), c + " sees " + sender + "'s messages in send order");
              }
              sawAll.flag();
            })));
          }
          for (ChatClient sender : cs) {
            for (int i = 0; i < perSender; i++) {
              sender.ok(frame("send", "race").put("text", sender.welcomeNick() + "#" + i)).onFailure(ctx::failNow);
            }
          }
        }));
  }
}
