package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;

/**
 * Room incarnations: a room that is forgotten and created again restarts its seqs at 1, and the
 * {@code epoch} in the join ack lets a reconnecting client tell that its {@code since} belongs to the
 * old incarnation (instead of being told {@code recovered:true} while messages are missing).
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
@ServerConfig("rooms.maxIdleRooms=0")
class RoomEpochTest extends RoomcastTestBase {

  private static JsonObject send(String room, String text) {
    return new JsonObject().put("type", "send").put("room", room).put("text", text);
  }

  private static JsonObject join(String room, long since, String epoch) {
    JsonObject j = new JsonObject().put("type", "join").put("room", room).put("since", since);
    return epoch == null ? j : j.put("epoch", epoch);
  }

  @AllTransports
  void sinceFromAForgottenIncarnationIsNotRecovered(Transport t, VertxTestContext ctx) {
    String[] oldEpoch = new String[1];
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return a.join("r")
          .compose(ack -> {
            oldEpoch[0] = ack.getString("epoch");
            ctx.verify(() -> assertNotNull(oldEpoch[0], "join ack carries the room's epoch"));
            return a.ok(send("r", "old 1")).compose(x -> a.ok(send("r", "old 2")));
          })
          // a leaves: the room is idle, and with maxIdleRooms=0 it is forgotten at once
          .compose(x -> a.ok(new JsonObject().put("type", "leave").put("room", "r")))
          .compose(x -> b.join("r"))
          .compose(ack -> {
            ctx.verify(() -> {
              assertEquals(0L, ack.getLong("seq"), "a forgotten room starts again at seq 0");
              assertNotEquals(oldEpoch[0], ack.getString("epoch"), "a new incarnation has a new epoch");
            });
            return b.ok(send("r", "new 1")).compose(x -> b.ok(send("r", "new 2"))).compose(x -> b.ok(send("r", "new 3")));
          })
          // a comes back with since=2 of the old incarnation: nothing is replayed, recovered is false
          .compose(x -> a.request(join("r", 2, oldEpoch[0])))
          .compose(ack -> {
            ctx.verify(() -> {
              assertEquals("ack", ack.getString("type"));
              assertFalse(ack.getBoolean("recovered"), "old-incarnation since is not recovered");
              assertEquals(3L, ack.getLong("seq"));
            });
            return a.assertNothing(Match.type("message").and(m -> m.getString("text").startsWith("new")), 300);
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AllTransports
  void sinceWithTheCurrentEpochReplaysAsUsual(Transport t, VertxTestContext ctx) {
    connect(t, 2).compose(cs -> {
      ChatClient a = cs.get(0);
      ChatClient b = cs.get(1);
      return b.join("keep")
          .compose(ack -> a.join("keep"))
          .compose(ack -> a.ok(send("keep", "one")).map(ack.getString("epoch")))
          .compose(epoch -> a.ok(new JsonObject().put("type", "leave").put("room", "keep"))
              .compose(x -> b.ok(send("keep", "two")))
              .compose(x -> a.request(join("keep", 1, epoch))))
          .compose(ack -> {
            ctx.verify(() -> assertTrue(ack.getBoolean("recovered")));
            return a.await(Match.type("message").and(m -> m.getLong("seq") == 2));
          })
          .map(m -> {
            ctx.verify(() -> {
              assertEquals(2L, m.getLong("seq"));
              assertEquals("two", m.getString("text"));
            });
            return m;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }
}
