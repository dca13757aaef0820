package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.eventually;
import static io.roomcast.support.FrameAssert.assertFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WebSocket handshake and control frames at {@code /ws}, byte by byte: what a client library
 * relies on (the accept key, pongs, the close handshake) and what HTTP clients meet at the path
 * (errors for requests that are not upgrades, refusals that leave the connection usable).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WebSocketUpgradeTest extends RoomcastTestBase {
  private final List<RawWebSocket> raws = new ArrayList<>();

  @AfterEach
  void closeRawSockets() {
    raws.forEach(RawWebSocket::close);
  }

  private RawWebSocket tcp() throws IOException {
    RawWebSocket ws = RawWebSocket.tcp(port());
    raws.add(ws);
    return ws;
  }

  private static JsonObject next(RawWebSocket ws) throws IOException {
    return new JsonObject(ws.nextText(5_000));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theAcceptKeyFollowsRfc6455AndFramesSentWithTheRequestAreServed() throws IOException {
    RawWebSocket ws = tcp();
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    // The key and accept value of RFC 6455's own example.
    first.writeBytes(ws.upgradeRequest("/ws?nick=early", "dGhlIHNhbXBsZSBub25jZQ==", Map.of()));
    first.writeBytes(RawWebSocket.encode(RawWebSocket.TEXT, true, utf8("{\"type\":\"join\",\"id\":\"j\",\"room\":\"r\"}")));
    ws.writeRaw(first.toByteArray()); // one write: the join may arrive in the same read as the request

    RawWebSocket.Handshake h = ws.readHandshake();
    assertEquals(101, h.status(), h.toString());
    assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", h.headers().get("sec-websocket-accept"));
    assertEquals("websocket", h.headers().get("upgrade").toLowerCase(Locale.ROOT));
    assertFrame(next(ws), "type", "welcome", "nick", "early");
    assertFrame(next(ws), "type", "ack", "id", "j");
  }

  @Test
  void pingsAreAnsweredWithTheirPayloadAndTheClientsCloseIsEchoed() throws IOException {
    HealthProbe health = new HealthProbe(vertx, port());
    RawWebSocket ws = RawWebSocket.open(port(), "/ws/"); // a trailing slash is the same path
    raws.add(ws);
    assertFrame(next(ws), "type", "welcome");
    ws.sendFrame(RawWebSocket.PING, true, utf8("are you there"));
    RawWebSocket.Frame pong = ws.read(5_000);
    assertNotNull(pong, "no pong");
    assertEquals(RawWebSocket.PONG, pong.opcode(), pong.toString());
    assertArrayEquals(utf8("are you there"), pong.payload());

    ws.sendClose(4321);
    RawWebSocket.Frame close = ws.awaitClose(5_000, false);
    assertNotNull(close, "no close frame");
    assertEquals(4321, close.closeCode(), "the server echoes the client's close code");
    assertTrue(ws.awaitEof(5_000) >= 0, "the server ends the TCP connection after the close handshake");
    eventually(() -> health.connections() == 0, 5_000, () -> health.get().encode());
    health.close();
  }

  @Test
  void requestsThatAreNotUpgradesGet400AndAForeignOriginGets403() throws IOException {
    String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    assertEquals(400, status("Upgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 8\r\n"),
        "an unsupported WebSocket version");
    assertEquals(400, status("Upgrade: h2c\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n"),
        "another protocol");
    assertEquals(400, status("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"), "no key");
    assertEquals(400, status(""), "a plain GET");
    assertEquals(403, tcp().upgrade("/ws", Map.of("Origin", "https://evil.example")).status());
    assertEquals(101, tcp().upgrade("/ws", Map.of("Origin", "http://127.0.0.1:" + port())).status(),
        "the page's own origin");
  }

  @Test
  void aConnectionThatServedOtherRequestsUpgradesButAPipelinedUpgradeIsRefused() throws IOException {
    RawWebSocket ws = tcp();
    for (String path : new String[] {"/", "/health"}) {
      ws.writeRaw(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertEquals(200, ws.readHandshake().status(), path);
    }
    assertEquals(101, ws.upgrade("/ws?nick=reuser", Map.of()).status(), "after two answered requests");
    assertFrame(next(ws), "type", "welcome", "nick", "reuser");

    // An upgrade sent before the answer to the request ahead of it must not overtake that answer.
    RawWebSocket pipelined = tcp();
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    both.writeBytes(pipelined.upgradeRequest("/ws", "dGhlIHNhbXBsZSBub25jZQ==", Map.of()));
    pipelined.writeRaw(both.toByteArray());
    assertEquals(200, pipelined.readHandshake().status(), "the first request's answer comes first");
    assertEquals(400, pipelined.readHandshake().status(), "the pipelined upgrade is refused, not taken");
  }

  /** Sends GET /ws with {@code headers} (each line ending in CRLF) besides Host, and returns the status. */
  private int status(String headers) throws IOException {
    RawWebSocket ws = tcp();
    ws.writeRaw(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
    return ws.readHandshake().status();
  }

  @Test
  @ServerConfig("limits.maxConnectionsPerIp=1")
  void aRefusedUpgradeLeavesTheConnectionUsableForTheNextRequest() throws IOException {
    HealthProbe health = new HealthProbe(vertx, port());
    RawWebSocket holder = RawWebSocket.open(port(), "/ws");
    raws.add(holder);
    RawWebSocket waiting = tcp();
    RawWebSocket.Handshake refused = waiting.upgrade("/ws", Map.of());
    assertEquals(429, refused.status());
    assertEquals(null, refused.headers().get("upgrade"), "no upgrade on a refusal");

    holder.close();
    eventually(() -> health.connections() == 0, 5_000, () -> health.get().encode());
    assertEquals(101, waiting.upgrade("/ws?nick=patient", Map.of()).status(), "the same TCP connection, again");
    assertFrame(next(waiting), "type", "welcome", "nick", "patient");
    health.close();
  }
}
