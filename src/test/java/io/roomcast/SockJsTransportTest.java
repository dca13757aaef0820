package io.roomcast;

import static io.roomcast.support.FrameAssert.assertFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.SockJsClient;
import io.roomcast.support.TestServer;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What only the SockJS xhr-polling transport has: its own heartbeats and session timeout instead of
 * the idle timeout, ending a session from the client side, and close frames carrying the close code.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class SockJsTransportTest extends RoomcastTestBase {

  private Future<SockJsClient> sockjs() {
    return connect(Transport.SOCKJS).map(c -> (SockJsClient) c);
  }

  private Future<Void> sleep(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, t -> p.complete());
    return p.future();
  }

  @Test
  void eachProtocolFrameTravelsAsOneSockJsMessage(VertxTestContext ctx) {
    // A frame whose text looks like several frames and SockJS framing must arrive as one message.
    String tricky = "a[\"x\"]\nc[1,\"y\"]\n\"},{\"type\":\"ping\"} \u2028 \u00e9 \ud83d\ude00";
    inRoom(Transport.SOCKJS, "lobby", 2).compose(cs -> cs.get(0).say("lobby", tricky)
        .compose(ack -> cs.get(1).next("message"))
        .map(m -> {
          ctx.verify(() -> {
            assertFrame(m, "text", tricky);
            // Nothing but whole JSON objects was received.
            for (JsonObject f : cs.get(1).received()) {
              assertFalse(f.getString("type").startsWith("<"), f::encode);
            }
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig({"sockjs.heartbeatMs=200", "heartbeat.intervalMs=200", "heartbeat.idleTimeoutMs=600"})
  void aQuietSessionIsKeptAliveBySockJsHeartbeatsNotClosedByTheIdleTimeout(VertxTestContext ctx) {
    sockjs().compose(c -> sleep(1_500).compose(v -> {
      // 2.5 idle timeouts without the client sending anything: SockJS sessions own their liveness.
      ctx.verify(() -> {
        assertFalse(c.isClosed(), () -> "closed with " + c.closeFuture().result() + ", close frame " + c.closeFrame());
        assertTrue(c.heartbeatsReceived() >= 3, "heartbeats at sockjs.heartbeatMs: " + c.heartbeatsReceived());
      });
      return c.ping();
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void closeEndsTheSessionAtOnceAndTheOthersSeeLeft(VertxTestContext ctx) {
    inRoom(Transport.SOCKJS, "lobby", 2).compose(cs -> {
      SockJsClient leaver = (SockJsClient) cs.get(1);
      ChatClient stays = cs.get(0);
      long start = System.nanoTime();
      return leaver.close().compose(v -> {
        long ms = (System.nanoTime() - start) / 1_000_000;
        ctx.verify(() -> assertTrue(ms < TestServer.SOCKJS_SESSION_TIMEOUT_MS,
            "closing cuts the pending poll, which ends the session without waiting for the session timeout; took " + ms + " ms"));
        return stays.next("left");
      }).map(left -> {
        ctx.verify(() -> {
          assertFrame(left, "room", "lobby", "nick", leaver.welcomeNick());
          assertEquals(1000, leaver.closeFuture().result());
        });
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig("sockjs.heartbeatMs=200")
  void aClientThatStopsPollingIsDroppedAfterTheSessionTimeout(VertxTestContext ctx) {
    inRoom(Transport.SOCKJS, "lobby", 2).compose(cs -> {
      SockJsClient vanishes = (SockJsClient) cs.get(1);
      ChatClient stays = cs.get(0);
      long start = System.nanoTime();
      // The poll in flight is answered by the next heartbeat; after that nobody polls.
      vanishes.stopPolling();
      return stays.await(Match.type("left"), TestServer.SOCKJS_SESSION_TIMEOUT_MS + 5_000).compose(left -> {
        long ms = (System.nanoTime() - start) / 1_000_000;
        ctx.verify(() -> {
          assertFrame(left, "room", "lobby", "nick", vanishes.welcomeNick());
          assertTrue(ms >= TestServer.SOCKJS_SESSION_TIMEOUT_MS - 300,
              "dropped " + ms + " ms after the last poll, before sockjs.sessionTimeoutMs (" + TestServer.SOCKJS_SESSION_TIMEOUT_MS + ")");
        });
        return vanishes.sessionGone(2_000);
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig("limits.maxFrameBytes=1024")
  void messageOverMaxFrameBytesClosesTheSessionSaying1009(VertxTestContext ctx) {
    sockjs().compose(c -> {
      String fits = new JsonObject().put("type", "ping").put("id", "x".repeat(900)).encode();
      ctx.verify(() -> assertTrue(fits.length() < 1024));
      return c.request(new JsonObject(fits))
          .compose(ack -> {
            ctx.verify(() -> assertEquals("ack", ack.getString("type")));
            c.sendText(new JsonObject().put("type", "ping").put("id", "x".repeat(2000)).encode());
            return c.closeFuture();
          })
          .map(code -> {
            ctx.verify(() -> {
              List<JsonObject> got = c.received();
              assertEquals(new JsonObject().put("type", "closing").put("code", 1009).put("reason", "message too big"),
                  got.get(got.size() - 1), "the last frame says why the session closes");
              // vertx-web closes every SockJS session with 3000 "Go away!", whatever code it is given
              assertEquals(new JsonArray().add(3000).add("Go away!"), c.closeFrame(), "the SockJS close frame");
            });
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig("limits.maxConnectionsPerIp=1")
  void aSessionOverThePerIpCapIsClosedSaying4429(VertxTestContext ctx) {
    sockjs()
        .compose(first -> SockJsClient.open(vertx, port(), SockJsClient.PATH, null, null))
        .compose(refused -> refused.closeFuture().map(code -> {
          ctx.verify(() -> {
            assertEquals(List.of(new JsonObject().put("type", "closing").put("code", 4429)
                    .put("reason", "too many connections from your address")), refused.received(),
                "no welcome for a refused session, only the reason it is closed");
            assertEquals(new JsonArray().add(3000).add("Go away!"), refused.closeFrame());
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
