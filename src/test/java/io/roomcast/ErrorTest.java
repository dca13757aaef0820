package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static io.roomcast.support.FrameAssert.assertFrame;
import static io.roomcast.support.FrameAssert.assertKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.Transport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every stateless error of protocol v1, one malformed frame per test: the right code, the id echoed
 * (or absent when there was none or it could not be read), a message naming the bad field, and a
 * connection that keeps working afterwards. Stateful errors (not_member, nick_taken, too_many_rooms,
 * no_such_user) are tested with the features they guard.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class ErrorTest extends RoomcastTestBase {

  /** A malformed frame, the error it must get, the id the error must echo (null: none) and a word its message must contain. */
  record Case(String name, String frame, String code, Object id, String mentions) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<Case> CASES = List.of(
      new Case("not JSON", "hello there", "invalid_json", null, null),
      new Case("truncated JSON", "{\"type\":\"ping\",\"id\":1", "invalid_json", null, null),
      new Case("JSON array", "[\"ping\"]", "invalid_frame", null, "object"),
      new Case("JSON string", "\"ping\"", "invalid_frame", null, "object"),
      new Case("missing type", "{\"id\":\"e1\"}", "invalid_frame", "e1", "type"),
      new Case("type not a string", "{\"type\":42,\"id\":\"e2\"}", "invalid_frame", "e2", "type"),
      new Case("id an object", "{\"type\":\"ping\",\"id\":{\"n\":1}}", "invalid_frame", null, "id"),
      new Case("id a boolean", "{\"type\":\"ping\",\"id\":true}", "invalid_frame", null, "id"),
      new Case("join without room", "{\"type\":\"join\",\"id\":\"e3\"}", "invalid_frame", "e3", "room"),
      new Case("room not a string", "{\"type\":\"join\",\"room\":7,\"id\":8}", "invalid_frame", 8, "room"),
      new Case("since negative", "{\"type\":\"join\",\"room\":\"r\",\"since\":-1,\"id\":\"e4\"}", "invalid_frame", "e4", "since"),
      new Case("since a string", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"3\",\"id\":\"e5\"}", "invalid_frame", "e5", "since"),
      new Case("send without text, not a member", "{\"type\":\"send\",\"room\":\"r\",\"id\":\"e6\"}", "invalid_frame", "e6", "text"),
      new Case("text not a string", "{\"type\":\"send\",\"room\":\"r\",\"text\":5,\"id\":\"e7\"}", "invalid_frame", "e7", "text"),
      new Case("data not an object", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"x\",\"data\":[1],\"id\":\"e8\"}", "invalid_frame", "e8", "data"),
      new Case("nick missing", "{\"type\":\"nick\",\"id\":\"e9\"}", "invalid_frame", "e9", "nick"),
      new Case("direct without to", "{\"type\":\"direct\",\"text\":\"hi\",\"id\":\"e10\"}", "invalid_frame", "e10", "to"),
      new Case("direct without text", "{\"type\":\"direct\",\"to\":\"bob\",\"id\":\"e11\"}", "invalid_frame", "e11", "text"),
      new Case("history limit a string", "{\"type\":\"history\",\"room\":\"r\",\"limit\":\"5\",\"id\":\"e12\"}", "invalid_frame", "e12", "limit"),
      new Case("history before a fraction", "{\"type\":\"history\",\"room\":\"r\",\"before\":1.5,\"id\":\"e13\"}", "invalid_frame", "e13", "before"),
      new Case("members without room", "{\"type\":\"members\",\"id\":\"e14\"}", "invalid_frame", "e14", "room"),
      new Case("unknown type", "{\"type\":\"dance\",\"id\":\"e15\"}", "unknown_type", "e15", "dance"),
      new Case("unknown type without id", "{\"type\":\"dance\"}", "unknown_type", null, "dance"),
      new Case("empty room", "{\"type\":\"join\",\"room\":\"\",\"id\":\"e16\"}", "invalid_room", "e16", null),
      new Case("room with a space", "{\"type\":\"join\",\"room\":\"the lobby\",\"id\":\"e17\"}", "invalid_room", "e17", null),
      new Case("room of 65 characters", "{\"type\":\"join\",\"room\":\"" + "r".repeat(65) + "\",\"id\":\"e18\"}", "invalid_room", "e18", null),
      new Case("room not ASCII", "{\"type\":\"join\",\"room\":\"caf\u00e9\",\"id\":\"e19\"}", "invalid_room", "e19", null),
      new Case("send to a bad room, not a member", "{\"type\":\"send\",\"room\":\"no/slash\",\"text\":\"x\",\"id\":\"e20\"}", "invalid_room", "e20", null),
      new Case("history of a bad room", "{\"type\":\"history\",\"room\":\"*\",\"id\":\"e21\"}", "invalid_room", "e21", null),
      new Case("bad room without id", "{\"type\":\"join\",\"room\":\"bad room\"}", "invalid_room", null, null),
      new Case("empty nick", "{\"type\":\"nick\",\"nick\":\"\",\"id\":\"e22\"}", "invalid_nick", "e22", null),
      new Case("nick of 33 characters", "{\"type\":\"nick\",\"nick\":\"" + "n".repeat(33) + "\",\"id\":\"e23\"}", "invalid_nick", "e23", null),
      new Case("nick with a space", "{\"type\":\"nick\",\"nick\":\"al ice\",\"id\":24}", "invalid_nick", 24, null),
      new Case("direct to a bad nick", "{\"type\":\"direct\",\"to\":\"b@b\",\"text\":\"hi\",\"id\":\"e25\"}", "invalid_nick", "e25", null),
      new Case("empty text", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"\",\"id\":\"e26\"}", "invalid_text", "e26", null),
      new Case("text over maxTextLength", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"" + "t".repeat(4097) + "\",\"id\":\"e27\"}", "invalid_text", "e27", null),
      new Case("empty direct text", "{\"type\":\"direct\",\"to\":\"bob\",\"text\":\"\",\"id\":\"e28\"}", "invalid_text", "e28", null));

  static Stream<Arguments> malformedFrames() {
    return Stream.of(Transport.values()).flatMap(t -> CASES.stream().map(c -> Arguments.of(t, c)));
  }

  @ParameterizedTest(name = "[{0}] {1}")
  @MethodSource("malformedFrames")
  void malformedFrameGetsItsErrorAndTheConnectionKeepsWorking(Transport t, Case c, VertxTestContext ctx) {
    connect(t).compose(client -> {
      client.sendText(c.frame());
      return client.next("error").compose(err -> {
        ctx.verify(() -> {
          assertError(err, c.code(), c.id());
          assertKeys(err, c.id() == null ? new String[] {"type", "code", "message"} : new String[] {"type", "id", "code", "message"});
          if (c.mentions() != null) {
            assertTrue(err.getString("message").toLowerCase(Locale.ROOT).contains(c.mentions()),
                () -> "the message should name '" + c.mentions() + "': " + err.encode());
          }
        });
        return client.ping();
      }).compose(v -> client.assertNothing(Match.any(), 100)).map(v -> {
        ctx.verify(() -> assertFalse(client.isClosed()));
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void pingIsAckedWithItsIdAndNothingElse(Transport t, VertxTestContext ctx) {
    connect(t).compose(c -> c.request(new JsonObject().put("type", "ping").put("id", "p1"))
        .compose(ack -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("type", "ack").put("id", "p1"), ack));
          return c.request(new JsonObject().put("type", "ping").put("id", 12.5));
        })
        .map(ack -> {
          ctx.verify(() -> assertFrame(ack, "type", "ack", "id", 12.5));
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void framesWithoutIdTakeEffectButGetNoAck(Transport t, VertxTestContext ctx) {
    inRoom(t, "lobby", 1).compose(cs -> connect(t).compose(quiet -> {
      ChatClient member = cs.get(0);
      quiet.send(new JsonObject().put("type", "join").put("room", "lobby"));
      return member.next("joined")
          .compose(joined -> {
            ctx.verify(() -> assertFrame(joined, "nick", quiet.welcomeNick()));
            quiet.send(new JsonObject().put("type", "send").put("room", "lobby").put("text", "no id"));
            quiet.send(new JsonObject().put("type", "ping"));
            return member.await(Match.message("lobby", "no id"));
          })
          .compose(m -> quiet.await(Match.message("lobby", "no id")))
          .compose(m -> quiet.assertNothing(Match.type("ack"), 300))
          .map(v -> {
            ctx.verify(() -> assertEquals(List.of("welcome", "message"), types(quiet.received()),
                "a frame without id gets no ack"));
            return null;
          });
    })).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void repliesComeInTheOrderTheFramesWereSent(Transport t, VertxTestContext ctx) {
    connect(t).compose(c -> {
      // Frames answered by the chat and frames answered locally (ping, malformed) interleave.
      c.sendText("{\"type\":\"join\",\"room\":\"lobby\",\"id\":1}");
      c.sendText("{\"type\":\"ping\",\"id\":2}");
      c.sendText("not json");
      c.sendText("{\"type\":\"members\",\"room\":\"lobby\",\"id\":3}");
      c.sendText("{\"type\":\"ping\",\"id\":4}");
      c.sendText("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"id\":5}");
      c.sendText("{\"type\":\"dance\",\"id\":6}");
      return c.awaitMany(Match.type("ack").or(Match.type("error")), 7, 3_000).map(replies -> {
        ctx.verify(() -> {
          List<Object> ids = new ArrayList<>();
          replies.forEach(r -> ids.add(r.getValue("id")));
          List<Object> expected = new ArrayList<>(List.of(1, 2));
          expected.add(null);
          expected.addAll(List.of(3, 4, 5, 6));
          assertEquals(expected, ids, "replies in frame order: " + replies);
          assertFrame(replies.get(2), "code", "invalid_json");
          assertFrame(replies.get(6), "code", "unknown_type");
        });
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void unknownFieldsAreIgnored(Transport t, VertxTestContext ctx) {
    connect(t).compose(c -> c.ok(new JsonObject().put("type", "join").put("room", "lobby").put("id", "j")
            .put("colour", "blue").put("future", new JsonArray().add(1))))
        .map(ack -> {
          ctx.verify(() -> assertFrame(ack, "room", "lobby"));
          return null;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  private static List<String> types(List<JsonObject> frames) {
    return frames.stream().map(f -> f.getString("type")).toList();
  }
}
