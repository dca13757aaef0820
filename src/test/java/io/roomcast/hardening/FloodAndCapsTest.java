package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.await;
import static io.roomcast.hardening.Waits.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.Transport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flood control and connection caps: the per-connection token bucket (limits.ratePerSecond,
 * limits.rateBurst) answering {@code rate_limited} and closing a persistent flooder with 4029 without
 * disturbing its room; the per-IP cap (HTTP 429) and the global cap (HTTP 503) at upgrade, with slots
 * freed when connections close; and X-Forwarded-For trusted only from http.trustedProxies.
 */
class FloodAndCapsTest extends RoomcastTestBase {
  private final List<StreamClient> streams = new ArrayList<>();
  private final List<RawWebSocket> raws = new ArrayList<>();
  private LogCapture log;

  @AfterEach
  void closeOwnClients() {
    if (log != null) {
      log.close();
    }
    raws.forEach(RawWebSocket::close);
    for (StreamClient s : streams) {
      await(s.close(), 5_000);
    }
  }

  private StreamClient stream(Map<String, String> headers, List<JsonObject> sink) {
    StreamClient c = await(StreamClient.connect(vertx, port(), "/ws", headers, f -> {
      synchronized (sink) {
        sink.add(f);
      }
    }), 5_000);
    streams.add(c);
    return c;
  }

  private RawWebSocket.Handshake upgrade(Map<String, String> headers) throws IOException {
    RawWebSocket raw = RawWebSocket.tcp(port());
    raws.add(raw);
    return raw.upgrade("/ws", headers);
  }

  // Flooding ----------------------------------------------------------------------------------

  /** What a flooder sent, in order, and what a normal (unlimited) server answer would be. */
  private record Sent(Object id, String normalAnswer) {
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aFlooderGetsRateLimitedThenClosedWith4029AndItsRoomCarriesOn() {
    log = new LogCapture();
    int burst = config.limits().rateBurst();
    int rate = config.limits().ratePerSecond();
    int closeAfter = config.limits().floodCloseAfter();
    assertEquals(List.of(20, 40, 100), List.of(rate, burst, closeAfter), "this test runs on the default limits");
    String room = "flooded";

    ChatClient bob = await(connect(Transport.WS), 5_000);
    long joinSeq = await(bob.join(room), 5_000).getLong("seq");
    List<JsonObject> flooderFrames = new ArrayList<>();
    StreamClient flooder = stream(Map.of(), flooderFrames);
    flooder.send(new JsonObject().put("type", "join").put("room", room).put("id", "join"));
    await(bob.await(Match.type("joined").and(Match.field("nick", flooder.nick()))), 5_000);

    // Bob chats at 10 messages a second, well under the limit, before, during and after the flood.
    List<Future<JsonObject>> bobAcks = new ArrayList<>();
    long bobTimer = vertx.setPeriodic(100, t -> {
      synchronized (bobAcks) {
        bobAcks.add(bob.say(room, "bob " + bobAcks.size()));
      }
    });
    Waits.sleep(500);

    // 300 frames as fast as the socket takes them: sends (string and numeric ids; the chat answers
    // them), pings (answered by the connection itself), sends missing their text (invalid_frame when
    // admitted), and text that is not JSON (no id to echo).
    List<Sent> sent = new ArrayList<>();
    sent.add(new Sent("join", "ack"));
    long floodStart = System.currentTimeMillis();
    for (int i = 0; i < 300; i++) {
      if (i % 13 == 5) {
        flooder.sendText("{not json " + i);
        sent.add(new Sent(null, "invalid_json"));
      } else if (i % 11 == 3) {
        flooder.send(new JsonObject().put("type", "send").put("id", "bad" + i).put("room", room));
        sent.add(new Sent("bad" + i, "invalid_frame"));
      } else if (i % 3 == 1) {
        flooder.send(new JsonObject().put("type", "ping").put("id", "p" + i));
        sent.add(new Sent("p" + i, "ack"));
      } else {
        Object id = i % 7 == 0 ? (Object) i : "f" + i;
        flooder.send(new JsonObject().put("type", "send").put("id", id).put("room", room).put("text", "flood " + i));
        sent.add(new Sent(id, "ack"));
      }
    }
    Short code = await(flooder.closeFuture(), 10_000);
    long floodMillis = System.currentTimeMillis() - floodStart;
    assertEquals((short) 4029, code, "the flooder's close code");
    assertEquals("flooding", flooder.closeReason());

    // Bob keeps chatting for another second, then stops.
    Waits.sleep(1_000);
    vertx.cancelTimer(bobTimer);
    List<JsonObject> replies;
    synchronized (flooderFrames) {
      replies = flooderFrames.stream().filter(f -> Match.type("ack").or(Match.type("error")).test(f)).toList();
    }

    // Replies come in order, one per frame, until the frame that closed the connection (which gets none).
    int limited = 0;
    int normal = 0;
    int admittedAfterLimit = 0;
    for (int i = 0; i < replies.size(); i++) {
      JsonObject r = replies.get(i);
      Sent s = sent.get(i);
      if (s.id() == null) {
        assertFalse(r.containsKey("id"), "frame " + i + " had no id: " + r.encode());
      } else {
        assertTrue(Match.field("id", s.id()).test(r), "frame " + i + " had id " + s.id() + ": " + r.encode());
        assertEquals(s.id().getClass(), r.getValue("id").getClass(), "id echoed with its type: " + r.encode());
      }
      String answer = "ack".equals(r.getString("type")) ? "ack" : r.getString("code");
      if ("rate_limited".equals(answer)) {
        limited++;
        assertTrue(r.getString("message") != null && !r.getString("message").isBlank(), r.encode());
      } else {
        assertEquals(s.normalAnswer(), answer, "frame " + i + " (admitted) got " + r.encode());
        if (i > 0) { // frame 0 is the join, before the flood
          normal++;
        }
        if (limited > 0) {
          admittedAfterLimit++;
        }
      }
    }
    // Refill during the flood admits at most rate * seconds (+1) more frames beyond the burst.
    long refill = floodMillis * rate / 1000 + 1;
    String summary = "flood: " + replies.size() + " replies to " + sent.size() + " frames in " + floodMillis + " ms: "
        + normal + " flood frames answered normally, " + limited + " rate_limited, " + admittedAfterLimit + " admitted by refill";
    System.out.println(summary);
    assertEquals(closeAfter, limited, "rate_limited answers before the 4029 close: " + summary);
    assertTrue(normal >= burst && normal <= burst + refill, "frames admitted: " + summary);
    assertTrue(replies.size() < sent.size(), "frames after the close get no answer: " + summary);

    // Bob: every message acked, none refused, and he saw every room message in seq order, no gaps.
    List<Future<JsonObject>> acks;
    synchronized (bobAcks) {
      acks = new ArrayList<>(bobAcks);
    }
    for (Future<JsonObject> f : acks) {
      await(f, 5_000);
    }
    long lastSeq = acks.get(acks.size() - 1).result().getLong("seq");
    await(bob.await(Match.type("message").and(Match.field("seq", lastSeq))), 5_000);
    List<Long> seqs = bob.received().stream().filter(Match.type("message")).map(f -> f.getLong("seq")).toList();
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(joinSeq + 1 + i, seqs.get(i), "bob's messages are gap-free: " + seqs);
    }
    long floodMessages = bob.received().stream().filter(Match.type("message"))
        .filter(f -> f.getString("text").startsWith("flood ")).count();
    assertTrue(floodMessages >= 1, "bob saw the flooder's admitted messages");
    assertTrue(bob.received().stream().noneMatch(Match.type("error")), "bob got no error: " + bob.received());
    await(bob.await(Match.type("left").and(Match.field("nick", flooder.nick()))), 5_000);
    log.close();
    log.assertQuietAboutClientMistakes();
  }

  // Connection caps -------------------------------------------------------------------------

  @Test
  @ServerConfig("limits.maxConnectionsPerIp=3")
  @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.SECONDS)
  void perIpCapAnswers429AtUpgradeAndASlotFreesWhenAConnectionCloses() throws IOException {
    HealthProbe health = new HealthProbe(vertx, port());
    List<StreamClient> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      three.add(stream(Map.of(), new ArrayList<>()));
    }
    RawWebSocket.Handshake refused = upgrade(Map.of());
    assertEquals(429, refused.status(), "a 4th connection from the same address");
    assertEquals(3, health.connections());

    await(three.get(0).close(), 5_000);
    // The freed slot is usable as soon as the server has seen the close.
    eventually(() -> health.connections() == 2, 5_000, () -> health.get().encode());
    RawWebSocket.Handshake admitted = upgrade(Map.of());
    assertEquals(101, admitted.status(), "a connection after one closed");
    assertEquals(429, upgrade(Map.of()).status(), "and the cap holds again");
    assertEquals(3, health.connections());
    health.close();
  }

  @Test
  @ServerConfig({"limits.maxConnections=3", "limits.maxConnectionsPerIp=100"})
  @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.SECONDS)
  void globalCapAnswers503AtUpgrade() throws IOException {
    HealthProbe health = new HealthProbe(vertx, port());
    List<StreamClient> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      three.add(stream(Map.of(), new ArrayList<>()));
    }
    assertEquals(503, upgrade(Map.of()).status(), "a 4th connection to a full server");
    assertEquals(3, health.connections());
    await(three.get(1).close(), 5_000);
    eventually(() -> health.connections() == 2, 5_000, () -> health.get().encode());
    assertEquals(101, upgrade(Map.of()).status(), "a connection after one closed");
    assertEquals(503, upgrade(Map.of()).status());
    // /health itself is not a WebSocket connection and still answers.
    assertEquals("UP", health.get().getString("status"));
    health.close();
  }

  @Test
  @ServerConfig({"http.trustedProxies=[\"127.0.0.1\"]", "limits.maxConnectionsPerIp=2"})
  @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.SECONDS)
  void behindATrustedProxyTheCapAppliesPerForwardedClient() throws IOException {
    String a = "203.0.113.7";
    stream(Map.of("X-Forwarded-For", a), new ArrayList<>());
    stream(Map.of("X-Forwarded-For", "198.51.100.1, " + a), new ArrayList<>()); // right-most hop counts
    assertEquals(429, upgrade(Map.of("X-Forwarded-For", a)).status(), "a third connection of " + a);
    assertEquals(429, upgrade(Map.of("X-Forwarded-For", "10.0.0.99, " + a)).status(),
        "a spoofed left-most entry does not change who the client is");
    assertEquals(429, upgrade(Map.of("X-Forwarded-For", a + ", 127.0.0.1")).status(),
        "a trusted proxy hop is skipped: the client is still " + a);
    assertEquals(101, upgrade(Map.of("X-Forwarded-For", "203.0.113.8")).status(), "another forwarded client");
    assertEquals(101, upgrade(Map.of()).status(), "the proxy's own address without the header");
  }

  @Test
  @ServerConfig({"http.trustedProxies=[\"10.9.9.9\"]", "limits.maxConnectionsPerIp=2"})
  @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.SECONDS)
  void fromAnUntrustedPeerXForwardedForIsIgnored() throws IOException {
    stream(Map.of("X-Forwarded-For", "203.0.113.1"), new ArrayList<>());
    stream(Map.of("X-Forwarded-For", "203.0.113.2"), new ArrayList<>());
    RawWebSocket.Handshake third = upgrade(Map.of("X-Forwarded-For", "203.0.113.3"));
    assertEquals(429, third.status(), "all three come from 127.0.0.1, whatever the header says");
    assertNull(third.headers().get("upgrade"), "no upgrade on a refusal: " + third.headers());
  }
}
