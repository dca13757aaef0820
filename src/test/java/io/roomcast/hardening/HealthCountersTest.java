package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.await;
import static io.roomcast.hardening.Waits.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health} as an operator reads it: its shape, and after each refusal is provoked (once,
 * or a known number of times), exactly the matching counter went up by exactly that much and no other
 * counter moved. (slow_consumer is provoked and checked in {@link SlowConsumerTest}.)
 *
 * <p>Every connection here carries its own X-Forwarded-For address (127.0.0.1 is a trusted proxy), so
 * the per-IP cap of 2 only bites where the test means it to.
 */
@ServerConfig({
    "http.trustedProxies=[\"127.0.0.1\"]",
    "limits.maxConnectionsPerIp=2",
    "limits.maxConnections=4",
    "limits.ratePerSecond=5",
    "limits.rateBurst=20",
    "limits.floodCloseAfter=3",
    "limits.maxRoomsPerConnection=2",
    "heartbeat.intervalMs=300",
    "heartbeat.idleTimeoutMs=1000",
    "http.upgradeTimeoutMs=500"})
class HealthCountersTest extends RoomcastTestBase {
  /** Every refusal /health counts: the documented error codes and the connection-level refusals. */
  static final List<String> REFUSALS = List.of(
      "invalid_json", "invalid_frame", "unknown_type", "invalid_room", "invalid_nick", "nick_taken", "invalid_text",
      "not_member", "too_many_rooms", "no_such_user", "unsupported_binary", "rate_limited",
      "flooding", "slow_consumer", "too_many_connections_from_ip", "server_full", "upgrade_timeout", "idle_timeout");

  private final List<StreamClient> streams = new ArrayList<>();
  private final List<RawWebSocket> raws = new ArrayList<>();
  private HealthProbe health;

  @AfterEach
  void closeOwnClients() {
    raws.forEach(RawWebSocket::close);
    for (StreamClient s : streams) {
      await(s.close(), 5_000);
    }
    if (health != null) {
      health.close();
    }
  }

  private StreamClient client(String forwardedFor, FrameQueue frames) {
    return client(forwardedFor, "/ws", frames);
  }

  private StreamClient client(String forwardedFor, String uri, FrameQueue frames) {
    StreamClient c = await(StreamClient.connect(vertx, port(), uri, Map.of("X-Forwarded-For", forwardedFor), frames), 5_000);
    streams.add(c);
    return c;
  }

  private Map<String, Long> counters() {
    JsonObject r = health.get().getJsonObject("refusals");
    Map<String, Long> out = new TreeMap<>();
    for (String k : r.fieldNames()) {
      out.put(k, r.getLong(k));
    }
    return out;
  }

  /** Asserts the counters moved by exactly {@code expected} (every other counter unchanged). */
  private Map<String, Long> assertMoved(Map<String, Long> before, Map<String, Long> expected, String what) {
    Map<String, Long> after = counters();
    Map<String, Long> delta = new TreeMap<>();
    for (String k : after.keySet()) {
      long d = after.get(k) - before.getOrDefault(k, 0L);
      if (d != 0) {
        delta.put(k, d);
      }
    }
    assertEquals(new TreeMap<>(expected), delta, what + ": counters that moved (before " + before + ", after " + after + ")");
    return after;
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 40, unit = TimeUnit.SECONDS)
  void eachRefusalIsCountedOnceUnderItsCode() throws IOException {
    health = new HealthProbe(vertx, port());
    JsonObject h0 = health.get();
    assertEquals("UP", h0.getString("status"));
    assertEquals(0, h0.getInteger("connections"));
    assertNotNull(h0.getInteger("rooms"), h0.encode());
    assertTrue(h0.getLong("uptimeMs") >= 0, h0.encode());
    assertEquals(0, HealthProbe.chatSessions(h0));
    List<String> missing = REFUSALS.stream().filter(k -> !h0.getJsonObject("refusals").containsKey(k)).toList();
    assertEquals(List.of(), missing, "refusal counters absent from a fresh /health: " + h0.encode());
    Map<String, Long> c = counters();

    // Every protocol error once, on one connection.
    FrameQueue a = new FrameQueue();
    StreamClient alice = client("10.0.0.1", a);
    Map<String, String> errors = new LinkedHashMap<>();
    errors.put("invalid_frame", "{\"type\":\"join\",\"id\":\"invalid_frame\"}");
    errors.put("unknown_type", "{\"type\":\"fly\",\"id\":\"unknown_type\"}");
    errors.put("invalid_room", "{\"type\":\"join\",\"id\":\"invalid_room\",\"room\":\"a b\"}");
    errors.put("invalid_nick", "{\"type\":\"nick\",\"id\":\"invalid_nick\",\"nick\":\"a b\"}");
    errors.put("nick_taken", "{\"type\":\"nick\",\"id\":\"nick_taken\",\"nick\":\"echo-bot\"}");
    errors.put("invalid_text", "{\"type\":\"send\",\"id\":\"invalid_text\",\"room\":\"r\",\"text\":\"\"}");
    errors.put("not_member", "{\"type\":\"send\",\"id\":\"not_member\",\"room\":\"r\",\"text\":\"x\"}");
    errors.put("no_such_user", "{\"type\":\"direct\",\"id\":\"no_such_user\",\"to\":\"nobody\",\"text\":\"x\"}");
    for (Map.Entry<String, String> e : errors.entrySet()) {
      alice.sendText(e.getValue());
      assertEquals(e.getKey(), a.reply(e.getKey(), 5_000).getString("code"));
    }
    alice.sendText("{\"type\":\"join\",\"id\":\"j1\",\"room\":\"r1\"}");
    alice.sendText("{\"type\":\"join\",\"id\":\"j2\",\"room\":\"r2\"}");
    alice.sendText("{\"type\":\"join\",\"id\":\"too_many_rooms\",\"room\":\"r3\"}");
    a.reply("j1", 5_000);
    a.reply("j2", 5_000);
    assertEquals("too_many_rooms", a.reply("too_many_rooms", 5_000).getString("code"));
    alice.sendText("{\"type\":");
    a.take(Match.error("invalid_json"), 5_000);
    alice.sendBinary(Buffer.buffer(new byte[] {1}));
    a.take(Match.error("unsupported_binary"), 5_000);
    Map<String, Long> expected = new TreeMap<>();
    for (String code : List.of("invalid_json", "invalid_frame", "unknown_type", "invalid_room", "invalid_nick", "nick_taken",
        "invalid_text", "not_member", "too_many_rooms", "no_such_user", "unsupported_binary")) {
      expected.put(code, 1L);
    }
    c = assertMoved(c, expected, "one of each protocol error");

    // A nick refused up front is a refusal too.
    FrameQueue upFrames = new FrameQueue();
    StreamClient upFront = client("10.0.0.8", "/ws?nick=not%20valid", upFrames);
    upFrames.take(Match.error("invalid_nick"), 5_000);
    c = assertMoved(c, Map.of("invalid_nick", 1L), "an invalid nick asked for up front");
    await(upFront.close(), 5_000);

    // rate_limited: more frames than the burst, at once.
    FrameQueue b = new FrameQueue();
    StreamClient bob = client("10.0.0.2", b);
    int burst = config.limits().rateBurst();
    for (int i = 0; i < burst + 3; i++) {
      bob.sendText("{\"type\":\"ping\",\"id\":" + i + "}");
    }
    long limited = 0;
    for (int i = 0; i < burst + 3; i++) {
      JsonObject r = b.reply(i, 5_000);
      if ("rate_limited".equals(r.getString("code"))) {
        limited++;
      }
    }
    assertTrue(limited >= 1, "some frames were rate limited");
    c = assertMoved(c, Map.of("rate_limited", limited), "a burst over the limit");
    await(bob.close(), 5_000);

    // flooding: keep going past floodCloseAfter rate_limited answers.
    FrameQueue f = new FrameQueue();
    StreamClient flooder = client("10.0.0.3", f);
    int closeAfter = config.limits().floodCloseAfter();
    for (int i = 0; i < burst + closeAfter + 10; i++) {
      flooder.sendText("{\"type\":\"ping\",\"id\":" + i + "}");
    }
    assertEquals((short) 4029, await(flooder.closeFuture(), 5_000));
    long floodLimited = f.snapshot().stream().filter(Match.error("rate_limited")).count();
    c = assertMoved(c, Map.of("flooding", 1L, "rate_limited", floodLimited), "a flooder closed with 4029");
    assertEquals(closeAfter, floodLimited, "rate_limited answers the flooder got before the close");

    // too_many_connections_from_ip: a third connection from one forwarded address.
    eventually(() -> health.connections() == 1, 5_000, () -> health.get().encode());
    client("10.0.0.4", new FrameQueue());
    client("10.0.0.4", new FrameQueue());
    assertEquals(429, upgrade("10.0.0.4").status());
    c = assertMoved(c, Map.of("too_many_connections_from_ip", 1L), "HTTP 429 at upgrade");

    // server_full: alice, two from 10.0.0.4 and one from 10.0.0.5 hold all 4 slots.
    client("10.0.0.5", new FrameQueue());
    eventually(() -> health.connections() == 4, 5_000, () -> health.get().encode());
    assertEquals(503, upgrade("10.0.0.6").status());
    c = assertMoved(c, Map.of("server_full", 1L), "HTTP 503 at upgrade");

    // upgrade_timeout: a TCP connection that never sends its request.
    try (RawWebSocket silent = RawWebSocket.tcp(port())) {
      assertTrue(silent.awaitEof(5_000) >= 0, "the silent connection is closed");
    }
    c = assertMoved(c, Map.of("upgrade_timeout", 1L), "a request never sent");

    // idle_timeout: a WebSocket client that stops answering pings. Free a slot first.
    await(streams.get(streams.size() - 1).close(), 5_000);
    eventually(() -> health.connections() == 3, 5_000, () -> health.get().encode());
    RawWebSocket mute = RawWebSocket.tcp(port());
    raws.add(mute);
    assertEquals(101, mute.upgrade("/ws", Map.of("X-Forwarded-For", "10.0.0.7")).status());
    RawWebSocket.Frame close = mute.awaitClose(5_000, false);
    assertNotNull(close);
    assertEquals(4000, close.closeCode(), close.toString());
    // The server now waits (a few seconds) for a close handshake that never comes; the refusal was one.
    Waits.sleep(1_500);
    c = assertMoved(c, Map.of("idle_timeout", 1L), "one idle connection closed with 4000");

    JsonObject h = health.get();
    assertEquals(HealthProbe.chatSessions(h), h.getInteger("connections"), "connections and chat sessions agree: " + h.encode());
  }

  private RawWebSocket.Handshake upgrade(String forwardedFor) throws IOException {
    RawWebSocket raw = RawWebSocket.tcp(port());
    raws.add(raw);
    return raw.upgrade("/ws", Map.of("X-Forwarded-For", forwardedFor));
  }
}
