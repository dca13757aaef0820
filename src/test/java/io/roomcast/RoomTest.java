package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.assertRecentTs;
import static io.roomcast.support.FrameAssert.longs;
import static io.roomcast.support.FrameAssert.messages;
import static io.roomcast.support.FrameAssert.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Set;

/** Room membership: join, leave, leave on close, members, rooms, room lifetime and limits. */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class RoomTest extends RoomcastTestBase {

  private static JsonObject frame(String type, String room) {
    return new JsonObject().put("type", type).put("room", room);
  }

  private static Set<String> memberSet(JsonObject ack) {
    return new HashSet<>(strings(ack.getJsonArray("members")));
  }

  @AllTransports
  void joinAcksWithMembersAndSeqAndTellsTheOthers(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.request(frame("join", "lobby").put("id", 1))
          .compose(ack -> {
            ctx.verify(() -> {
              assertKeys(ack, "type", "id", "room", "members", "seq", "epoch");
              assertFrame(ack, "type", "ack", "id", 1, "room", "lobby", "seq", 0);
              assertEquals(new JsonArray().add(a.welcomeNick()), ack.getJsonArray("members"));
            });
            return b.join("lobby");
          })
          .compose(ack -> {
            ctx.verify(() -> assertEquals(List.of(a.welcomeNick(), b.welcomeNick()), strings(ack.getJsonArray("members")),
                "members in join order"));
            return a.next("joined");
          })
          .compose(joined -> {
            ctx.verify(() -> {
              assertKeys(joined, "type", "room", "nick", "ts");
              assertFrame(joined, "room", "lobby", "nick", b.welcomeNick());
              assertRecentTs(joined);
            });
            return b.assertNothing(Match.type("joined"), 200);
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void joiningAgainIsHarmless(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return b.join("lobby")
          .compose(ack -> {
            ctx.verify(() -> {
              assertEquals(Set.of(a.welcomeNick(), b.welcomeNick()), memberSet(ack));
              assertEquals(2, ack.getJsonArray("members").size(), "no duplicate member");
            });
            return b.say("lobby", "once");
          })
          .compose(v -> Future.all(a.next("message"), b.next("message")))
          // Nobody hears a second join, and the message is not delivered twice.
          .compose(v -> Future.all(
              a.assertNothing(Match.type("joined").or(Match.type("message")), 300),
              b.assertNothing(Match.type("message"), 300)));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void leaveAcksAndTellsTheOthers(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return b.request(frame("leave", "lobby").put("id", "bye"))
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "type", "ack", "id", "bye"));
            return a.next("left");
          })
          .compose(left -> {
            ctx.verify(() -> {
              assertKeys(left, "type", "room", "nick", "ts");
              assertFrame(left, "room", "lobby", "nick", b.welcomeNick());
              assertRecentTs(left);
            });
            return a.say("lobby", "after you left");
          })
          .compose(v -> a.next("message"))
          .compose(v -> b.assertNothing(Match.type("message"), 300))
          .compose(v -> a.ok(frame("members", "lobby")))
          .compose(members -> {
            ctx.verify(() -> assertEquals(Set.of(a.welcomeNick()), memberSet(members)));
            return b.request(frame("leave", "lobby"));
          })
          .map(err -> {
            ctx.verify(() -> assertFrame(err, "type", "error", "code", "not_member"));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void closingLeavesEveryRoom(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(lobby -> inRoom(t, "dev", 1).compose(dev -> {
      ChatClient a = lobby.get(0);
      ChatClient leaver = lobby.get(1);
      ChatClient d = dev.get(0);
      String nick = leaver.welcomeNick();
      return leaver.join("dev")
          .compose(v -> d.next("joined"))
          .compose(v -> leaver.close())
          .compose(v -> Future.all(a.next("left"), d.next("left")))
          .compose(lefts -> {
            ctx.verify(() -> {
              assertFrame(lefts.resultAt(0), "room", "lobby", "nick", nick);
              assertFrame(lefts.resultAt(1), "room", "dev", "nick", nick);
            });
            return Future.all(a.ok(frame("members", "lobby")), d.ok(frame("members", "dev")));
          })
          .map(members -> {
            ctx.verify(() -> {
              assertEquals(Set.of(a.welcomeNick()), memberSet(members.resultAt(0)));
              assertEquals(Set.of(d.welcomeNick()), memberSet(members.resultAt(1)));
            });
            return null;
          });
    })).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void membersNeedsNoMembership(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> connect(t).compose(outsider ->
        outsider.ok(frame("members", "lobby"))
            .compose(ack -> {
              ctx.verify(() -> {
                assertFrame(ack, "type", "ack", "room", "lobby");
                assertEquals(Set.of(cs.get(0).welcomeNick(), cs.get(1).welcomeNick()), memberSet(ack));
              });
              return outsider.ok(frame("members", "nobody-here"));
            })
            .map(ack -> {
              ctx.verify(() -> assertEquals(new JsonArray(), ack.getJsonArray("members")));
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void roomsListsOnlyRoomsWithMembers(Transport t, VertxTestContext ctx) {
    JsonObject rooms = new JsonObject().put("type", "rooms");
    inRoom(t, "lobby", 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.join("dev")
          .compose(v -> a.join("empty-soon"))
          .compose(v -> a.leave("empty-soon"))
          .compose(v -> b.ok(rooms))
          .compose(ack -> {
            ctx.verify(() -> assertEquals(
                Set.of(new JsonObject().put("room", "lobby").put("members", 2),
                    new JsonObject().put("room", "dev").put("members", 1)),
                roomSet(ack)));
            return a.leave("dev");
          })
          .compose(v -> b.leave("lobby"))
          .compose(v -> b.ok(rooms))
          .map(ack -> {
            ctx.verify(() -> assertEquals(Set.of(new JsonObject().put("room", "lobby").put("members", 1)), roomSet(ack)));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static Set<JsonObject> roomSet(JsonObject ack) {
    Set<JsonObject> out = new HashSet<>();
    ack.getJsonArray("rooms").forEach(o -> out.add(((JsonObject) o)));
    return out;
  }

  @AllTransports
  void aRoomKeepsItsSeqAndHistoryAfterItsLastMemberLeaves(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.join("attic")
          .compose(v -> a.say("attic", "one"))
          .compose(v -> a.say("attic", "two"))
          .compose(v -> a.say("attic", "three"))
          .compose(v -> a.leave("attic"))
          .compose(v -> b.ok(new JsonObject().put("type", "rooms")))
          .compose(ack -> {
            ctx.verify(() -> assertFalse(ack.getJsonArray("rooms").encode().contains("attic"), ack::encode));
            return b.join("attic");
          })
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 3, "members", new JsonArray().add(b.welcomeNick())));
            return b.say("attic", "four");
          })
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 4));
            return b.ok(frame("history", "attic"));
          })
          .map(ack -> {
            ctx.verify(() -> assertEquals(List.of(1L, 2L, 3L, 4L), longs(messages(ack), "seq")));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Join, say one message, leave: leaves {@code room} idle with seq 1. */
  private static Future<Void> visit(ChatClient c, String room) {
    return c.join(room).compose(v -> c.say(room, "hello " + room)).compose(v -> c.leave(room)).mapEmpty();
  }

  @AllTransports
  @ServerConfig("rooms.maxIdleRooms=2")
  void idleRoomsBeyondTheBoundAreForgottenLeastRecentlyUsedFirst(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient keeper = cs.get(1);
      return keeper.join("busy")
          .compose(v -> keeper.say("busy", "still here"))
          .compose(v -> visit(a, "r1"))
          .compose(v -> visit(a, "r2"))
          // r1 is used again, so r2 is now the least recently used idle room.
          .compose(v -> a.join("r1"))
          .compose(v -> a.leave("r1"))
          // A third idle room: one must go, and it is r2. An occupied room never counts.
          .compose(v -> visit(a, "r3"))
          .compose(v -> Future.all(List.of(
              a.ok(frame("history", "r1")), a.ok(frame("history", "r2")),
              a.ok(frame("history", "r3")), a.ok(frame("history", "busy")))))
          .compose(h -> {
            ctx.verify(() -> {
              assertEquals(1, messages(h.resultAt(0)).size(), "r1 was used recently and is kept");
              assertEquals(0, messages(h.resultAt(1)).size(), "r2 is the least recently used and is forgotten");
              assertEquals(1, messages(h.resultAt(2)).size(), "r3 is kept");
              assertEquals(1, messages(h.resultAt(3)).size(), "an occupied room is never forgotten");
            });
            return a.join("r2");
          })
          .map(ack -> {
            ctx.verify(() -> assertFrame(ack, "seq", 0));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  @ServerConfig("limits.maxRoomsPerConnection=2")
  void aConnectionMayJoinOnlySoManyRooms(Transport t, VertxTestContext ctx) {
    connect(t).compose(c -> c.join("a")
        .compose(v -> c.join("b"))
        .compose(v -> c.request(frame("join", "c").put("id", "third")))
        .compose(err -> {
          ctx.verify(() -> assertError(err, "too_many_rooms", "third"));
          // Joining a room it is already in is not a new room.
          return c.join("a");
        })
        .compose(v -> c.leave("a"))
        .compose(v -> c.join("c"))
        .compose(v -> c.ok(frame("members", "c")))
        .map(ack -> {
          ctx.verify(() -> assertEquals(Set.of(c.welcomeNick()), memberSet(ack)));
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void roomsNeedMembershipToSendLeaveOrType(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 1).compose(cs -> connect(t).compose(outsider -> {
      ChatClient member = cs.get(0);
      List<JsonObject> frames = List.of(
          frame("send", "lobby").put("text", "let me in").put("id", "s"),
          frame("send", "never-created").put("text", "anyone?").put("id", "s2"),
          frame("leave", "lobby").put("id", "l"),
          frame("typing", "lobby").put("id", "ty"));
      Future<Void> f = Future.succeededFuture();
      for (JsonObject fr : frames) {
        f = f.compose(v -> outsider.request(fr).map(err -> {
          ctx.verify(() -> assertError(err, "not_member", fr.getValue("id")));
          return null;
        }));
      }
      return f.compose(v -> outsider.ping())
          .compose(v -> member.assertNothing(Match.type("message").or(Match.type("typing")).or(Match.type("left")), 200));
    })).onComplete(ctx.succeedingThenComplete());
  }
}
