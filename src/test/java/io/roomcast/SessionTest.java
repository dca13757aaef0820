package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static io.roomcast.support.FrameAssert.assertRecentTs;
import static io.roomcast.support.FrameAssert.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Set;

/** The welcome, nicks (up front and renames, uniqueness, the reserved bot nick) and direct messages. */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class SessionTest extends RoomcastTestBase {

  @AllTransports
  @ServerConfig("heartbeat.intervalMs=1234")
  void welcomeIsTheFirstFrameAndNamesAGuest(Transport t, VertxTestContext ctx) {
    connect(t, 2).onComplete(ctx.succeeding(cs -> ctx.verify(() -> {
      JsonObject w1 = cs.get(0).welcome();
      JsonObject w2 = cs.get(1).welcome();
      assertKeys(w1, "type", "protocol", "session", "nick", "heartbeatMs");
      assertFrame(w1, "type", "welcome", "protocol", 1, "heartbeatMs", 1234);
      assertEquals(w1, cs.get(0).received().get(0));
      assertTrue(w1.getString("session").length() > 0);
      for (JsonObject w : List.of(w1, w2)) {
        assertTrue(w.getString("nick").matches("guest-[0-9]+"), () -> "guest nick: " + w.encode());
      }
      assertNotEquals(w1.getString("nick"), w2.getString("nick"));
      assertNotEquals(w1.getString("session"), w2.getString("session"));
      ctx.completeNow();
    })));
  }

  @AllTransports
  void nickAskedUpFrontIsGiven(Transport t, VertxTestContext ctx) {
    connect(t, "alice")
        .compose(c -> {
          ctx.verify(() -> assertFrame(c.welcome(), "type", "welcome", "nick", "alice"));
          return c.assertNothing(Match.type("error"), 200);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void invalidNickUpFrontGivesAGuestAndAnErrorAfterTheWelcome(Transport t, VertxTestContext ctx) {
    connect(t, "not a nick!")
        .compose(c -> c.next("error").map(err -> {
          ctx.verify(() -> {
            assertTrue(c.welcomeNick().startsWith("guest-"), c.welcome()::encode);
            assertError(err, "invalid_nick", null);
            assertEquals(List.of(c.welcome(), err), c.received().subList(0, 2), "the error follows the welcome");
          });
          return c;
        }))
        .compose(ChatClient::ping)
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void takenNickUpFrontGivesAGuestAndNickTaken(Transport t, VertxTestContext ctx) {
    connect(t, "alice")
        .compose(alice -> connect(t, "ALICE"))
        .compose(c -> c.next("error").map(err -> {
          ctx.verify(() -> {
            assertTrue(c.welcomeNick().startsWith("guest-"), c.welcome()::encode);
            assertError(err, "nick_taken", null);
            assertEquals(List.of(c.welcome(), err), c.received().subList(0, 2));
          });
          return c;
        }))
        .compose(ChatClient::ping)
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void reservedBotNickUpFrontIsRefused(Transport t, VertxTestContext ctx) {
    connect(t, "echo-bot")
        .compose(c -> c.next("error").map(err -> {
          ctx.verify(() -> {
            assertNotEquals("echo-bot", c.welcomeNick());
            assertError(err, "nick_taken", null);
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void renameIsAckedAndAnnouncedToRoomMembersOnly(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 2).compose(cs -> connect(t).compose(outsider -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      String old = a.welcomeNick();
      return a.rename("alice")
          .compose(ack -> {
            ctx.verify(() -> assertFrame(ack, "type", "ack", "nick", "alice"));
            return b.next("renamed");
          })
          .compose(renamed -> {
            ctx.verify(() -> {
              assertKeys(renamed, "type", "room", "old", "nick");
              assertFrame(renamed, "room", "lobby", "old", old, "nick", "alice");
            });
            // The user itself is a member of the room too.
            return a.next("renamed");
          })
          .compose(own -> {
            ctx.verify(() -> assertFrame(own, "room", "lobby", "old", old, "nick", "alice"));
            return outsider.assertNothing(Match.type("renamed"), 300);
          })
          .compose(v -> b.ok(new JsonObject().put("type", "members").put("room", "lobby")))
          .map(members -> {
            ctx.verify(() -> assertEquals(Set.of("alice", b.welcomeNick()), Set.copyOf(strings(members.getJsonArray("members")))));
            return null;
          });
    })).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void renameToTheSameNickIsHarmless(Transport t, VertxTestContext ctx) {
    connect(t, "alice")
        .compose(a -> a.rename("alice").map(ack -> {
          ctx.verify(() -> assertFrame(ack, "type", "ack", "nick", "alice"));
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void nicksAreUniqueIgnoringCase(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.rename("Alice")
          .compose(v -> b.request(new JsonObject().put("type", "nick").put("nick", "aLiCe").put("id", 41)))
          .compose(err -> {
            ctx.verify(() -> assertError(err, "nick_taken", 41));
            return b.request(new JsonObject().put("type", "nick").put("nick", "alice"));
          })
          .compose(err -> {
            ctx.verify(() -> assertFrame(err, "type", "error", "code", "nick_taken"));
            // The holder may change the case of its own nick.
            return a.rename("ALICE");
          })
          // Giving a nick up frees it.
          .compose(v -> a.rename("bob"))
          .compose(v -> b.rename("alice"))
          .compose(v -> b.ping());
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void closingFreesTheNick(Transport t, VertxTestContext ctx) {
    connect(t, "alice")
        .compose(ChatClient::close)
        .compose(v -> connect(t))
        .compose(c -> c.rename("alice"))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void reservedBotNickIsRefused(Transport t, VertxTestContext ctx) {
    connect(t)
        .compose(c -> c.request(new JsonObject().put("type", "nick").put("nick", "echo-bot"))
            .compose(err -> {
              ctx.verify(() -> assertFrame(err, "type", "error", "code", "nick_taken"));
              return c.request(new JsonObject().put("type", "nick").put("nick", "Echo-Bot"));
            })
            .map(err -> {
              ctx.verify(() -> assertFrame(err, "type", "error", "code", "nick_taken"));
              return null;
            }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void nickRulesAllowLettersDigitsAndUnderscoreDashDotUpTo32(Transport t, VertxTestContext ctx) {
    String longest = "a".repeat(32);
    connect(t)
        .compose(c -> c.rename("A_b-c.9")
            .compose(v -> c.rename(longest))
            .compose(v -> c.request(new JsonObject().put("type", "nick").put("nick", longest + "b")))
            .compose(err -> {
              ctx.verify(() -> assertFrame(err, "type", "error", "code", "invalid_nick"));
              return c.request(new JsonObject().put("type", "nick").put("nick", "zoë"));
            })
            .map(err -> {
              ctx.verify(() -> assertFrame(err, "type", "error", "code", "invalid_nick"));
              return null;
            }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void directReachesOnlyTheNamedUser(Transport t, VertxTestContext ctx) {
    Future.all(connect(t, "alice"), connect(t, "bob"), connect(t, "carol")).compose(all -> {
      ChatClient alice = all.resultAt(0);
      ChatClient bob = all.resultAt(1);
      ChatClient carol = all.resultAt(2);
      return alice.ok(new JsonObject().put("type", "direct").put("to", "bob").put("text", "psst"))
          .compose(ack -> bob.next("direct"))
          .compose(d -> {
            ctx.verify(() -> {
              assertKeys(d, "type", "from", "text", "ts");
              assertFrame(d, "from", "alice", "text", "psst");
              assertRecentTs(d);
            });
            // Nick lookup ignores case, like nick uniqueness.
            return carol.ok(new JsonObject().put("type", "direct").put("to", "BOB").put("text", "hey"));
          })
          .compose(ack -> {
            // The ack names the recipient as he spells his nick.
            ctx.verify(() -> assertFrame(ack, "type", "ack", "to", "bob"));
            return bob.await(Match.type("direct").and(Match.field("from", "carol")));
          })
          .compose(d -> Future.all(alice.assertNothing(Match.type("direct"), 200), carol.assertNothing(Match.type("direct"), 200)));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void directToAnUnknownNickIsNoSuchUser(Transport t, VertxTestContext ctx) {
    connect(t)
        .compose(c -> c.request(new JsonObject().put("type", "direct").put("to", "nobody").put("text", "hi").put("id", "d1"))
            .compose(err -> {
              ctx.verify(() -> assertError(err, "no_such_user", "d1"));
              return c.ping();
            }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
