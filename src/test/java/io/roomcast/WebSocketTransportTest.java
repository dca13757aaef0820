package io.roomcast;

import static io.roomcast.support.FrameAssert.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RawWebSocket;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.roomcast.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What only a native WebSocket has: binary frames, frame size limits, pings and close codes. */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class WebSocketTransportTest extends RoomcastTestBase {
  /** Raw sockets stay referenced until the test ends (Vert.x 5 closes unreferenced clients on GC). */
  private final List<RawWebSocket> raws = new ArrayList<>();

  private Future<WsClient> ws() {
    return connect(Transport.WS).map(c -> (WsClient) c);
  }

  private Future<Void> sleep(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, t -> p.complete());
    return p.future();
  }

  @Test
  void binaryFrameIsRefusedAndTheConnectionKeepsWorking(VertxTestContext ctx) {
    ws().compose(c -> c.sendBinary(Buffer.buffer("{\"type\":\"ping\",\"id\":1}"))
        .compose(v -> c.next("error"))
        .compose(err -> {
          ctx.verify(() -> assertError(err, "unsupported_binary", null));
          return c.ping();
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig("limits.maxFrameBytes=1024")
  void frameOverMaxFrameBytesClosesWith1009(VertxTestContext ctx) {
    ws().compose(c -> {
      // Just under the limit is fine.
      String fits = new JsonObject().put("type", "ping").put("id", "x".repeat(900)).encode();
      ctx.verify(() -> assertTrue(fits.length() < 1024));
      return c.request(new JsonObject(fits))
          .compose(ack -> {
            ctx.verify(() -> assertEquals("ack", ack.getString("type")));
            String tooBig = new JsonObject().put("type", "ping").put("id", "x".repeat(2000)).encode();
            return c.sendFrame(WebSocketFrame.textFrame(tooBig, true));
          })
          .compose(v -> c.closeFuture())
          .map(code -> {
            ctx.verify(() -> assertEquals(1009, code));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig("limits.maxFrameBytes=1024")
  void fragmentedMessageOverMaxFrameBytesClosesWith1009(VertxTestContext ctx) {
    ws().compose(c -> {
      String part = "x".repeat(600);
      return c.sendFrame(WebSocketFrame.textFrame("{\"type\":\"ping\",\"id\":\"" + part, false))
          .compose(v -> c.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part + "\"}"), true)))
          .compose(v -> c.closeFuture())
          .map(code -> {
            ctx.verify(() -> assertEquals(1009, code));
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig({"heartbeat.intervalMs=200", "heartbeat.idleTimeoutMs=600"})
  void aClientThatAnswersPingsStaysConnected(VertxTestContext ctx) {
    ws().compose(c -> {
      ctx.verify(() -> assertEquals(200, c.welcome().getInteger("heartbeatMs")));
      // The client sends nothing itself for 2.5 idle timeouts; only Vert.x's automatic pongs.
      return sleep(1_500).compose(v -> {
        ctx.verify(() -> {
          assertFalse(c.isClosed(), "closed although it answered every ping");
          assertTrue(c.pingsReceived() >= 4, "pings received: " + c.pingsReceived());
        });
        return c.ping();
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Clients that connect together (as all do after a restart) are not pinged together: each one's
   * first ping comes after half to all of the interval, so a big node does not write a ping to every
   * socket in the same turn, interval after interval.
   */
  @Test
  @ServerConfig({"heartbeat.intervalMs=2000", "heartbeat.idleTimeoutMs=20000"})
  void clientsThatConnectTogetherArePingedAtDifferentTimes(VertxTestContext ctx) {
    connect(Transport.WS, 20).compose(cs -> sleep(3_200).map(cs)).onComplete(ctx.succeeding(cs -> ctx.verify(() -> {
      List<Long> after = cs.stream().map(c -> ((WsClient) c).firstPingAfterMs()).sorted().toList();
      assertTrue(after.get(0) >= 800, "a first ping before half the interval: " + after);
      // Due by the interval plus a sweep (2,250 ms), with room for a loaded machine.
      assertTrue(after.get(after.size() - 1) <= 3_000, "a first ping long after the interval: " + after);
      assertTrue(after.get(after.size() - 1) - after.get(0) >= 400, "first pings bunched together: " + after);
      ctx.completeNow();
    })));
  }

  @Test
  @ServerConfig({"heartbeat.intervalMs=200", "heartbeat.idleTimeoutMs=600"})
  void aClientThatSendsNothingNotEvenPongsIsClosedWith4000(VertxTestContext ctx) {
    RawWebSocket.connect(vertx, port(), "/ws").compose(raw -> {
      raws.add(raw);
      long upgraded = System.currentTimeMillis();
      return raw.closeCode().map(code -> {
        long elapsed = System.currentTimeMillis() - upgraded;
        ctx.verify(() -> {
          assertEquals(4000, code);
          assertTrue(elapsed >= 550 && elapsed < 3_000, "closed " + elapsed + " ms after the upgrade, expected about 600");
          List<RawWebSocket.Frame> frames = raw.frames();
          assertEquals(RawWebSocket.OP_TEXT, frames.get(0).opcode());
          assertEquals("welcome", new JsonObject(frames.get(0).text()).getString("type"));
          assertTrue(frames.stream().filter(f -> f.opcode() == RawWebSocket.OP_PING).count() >= 2,
              "the server pinged before giving up: " + frames);
        });
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @ServerConfig({"heartbeat.intervalMs=200", "heartbeat.idleTimeoutMs=600"})
  void protocolPingsCountAsActivityForAClientThatNeverPongs(VertxTestContext ctx) {
    RawWebSocket.connect(vertx, port(), "/ws").compose(raw -> {
      raws.add(raw);
      // A protocol ping every 200 ms for 1.5 s (2.5 idle timeouts); no pongs at all.
      Promise<Void> done = Promise.promise();
      int[] sent = {0};
      vertx.setPeriodic(200, id -> {
        if (raw.closeCode().isComplete() || sent[0] == 7) {
          vertx.cancelTimer(id);
          done.complete();
        } else {
          raw.sendText("{\"type\":\"ping\",\"id\":" + (++sent[0]) + "}");
        }
      });
      return done.future().compose(v -> sleep(100)).map(v -> {
        ctx.verify(() -> {
          assertFalse(raw.closeCode().isComplete(), "closed with " + raw.closeCode().result());
          long acks = raw.frames().stream()
              .filter(f -> f.opcode() == RawWebSocket.OP_TEXT && f.text().contains("\"ack\""))
              .count();
          assertEquals(7, acks, "every ping acked: " + raw.frames());
        });
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }
}
