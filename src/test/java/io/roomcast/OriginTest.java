package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.SockJsClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-site WebSocket hijacking protection on {@code /ws} and {@code /sockjs}: a request whose
 * {@code Origin} is neither the server itself nor listed in {@code http.allowedOrigins} gets HTTP
 * 403; {@code ["*"]} allows any origin; requests without Origin (programs, not browsers) pass.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class OriginTest extends RoomcastTestBase {
  private static final String FOREIGN = "http://evil.example";
  private static final String LISTED = "https://chat.example.com";
  private static final int ALLOWED = 200;

  /** Held in fields: Vert.x 5 closes unreferenced clients on GC. */
  private HttpClient http;
  private NetClient net;

  @BeforeEach
  void clients() {
    // No keep-alive: vertx-web closes the connection after answering a poll, and a pooled connection
    // reused at that moment fails the next request.
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    net = vertx.createNetClient();
  }

  private String self() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * The /ws upgrade's status, written by hand so that exactly the Origin header given is sent (none
   * when null): 101 is reported as {@link #ALLOWED} once the welcome has come as well.
   */
  private Future<Integer> ws(String origin) {
    Promise<Integer> status = Promise.promise();
    Buffer received = Buffer.buffer();
    return net.connect(port(), "127.0.0.1").compose(so -> {
      so.handler(data -> {
        received.appendBuffer(data);
        String text = received.toString(StandardCharsets.ISO_8859_1);
        int head = text.indexOf("\r\n\r\n");
        if (head < 0) {
          return;
        }
        int code = Integer.parseInt(text.substring(9, 12));
        if (code != 101) {
          status.tryComplete(code);
        } else if (text.contains("\"type\":\"welcome\"")) {
          status.tryComplete(ALLOWED);
        }
      });
      so.closeHandler(v -> status.tryFail("connection closed after " + received.toString(StandardCharsets.ISO_8859_1)));
      so.write("GET /ws HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port() + "\r\n"
          + (origin == null ? "" : "Origin: " + origin + "\r\n")
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n");
      return status.future().eventually(so::close);
    });
  }

  /** The status of GET /sockjs/info. */
  private Future<Integer> sockJsInfo(String origin) {
    return status(HttpMethod.GET, SockJsClient.PATH + "/info", origin);
  }

  /** The status of opening an xhr-polling session (a new session id each time). */
  private Future<Integer> sockJsOpen(String origin) {
    String session = SockJsClient.PATH + "/000/" + UUID.randomUUID().toString().replace("-", "") + "/xhr";
    return status(HttpMethod.POST, session, origin);
  }

  private Future<Integer> status(HttpMethod method, String uri, String origin) {
    return http.request(method, port(), "127.0.0.1", uri).compose(req -> {
      if (origin != null) {
        req.putHeader(HttpHeaders.ORIGIN, origin);
      }
      return req.send().compose(resp -> resp.body().map(b -> resp.statusCode()));
    });
  }

  /** Every endpoint's answer to each origin, as "origin endpoint" → status, to compare in one go. */
  private Future<Map<String, Integer>> statuses(List<String> origins) {
    Map<String, Integer> out = new LinkedHashMap<>();
    Future<Void> f = Future.succeededFuture();
    for (String origin : origins) {
      f = f.compose(v -> ws(origin)).map(s -> put(out, origin, "/ws", s))
          .compose(v -> sockJsInfo(origin)).map(s -> put(out, origin, "/sockjs/info", s))
          .compose(v -> sockJsOpen(origin)).map(s -> put(out, origin, "/sockjs xhr", s));
    }
    return f.map(v -> out);
  }

  private static String label(String origin) {
    return origin == null ? "(no Origin)" : "Origin: " + origin;
  }

  private static Void put(Map<String, Integer> out, String origin, String endpoint, int status) {
    out.put(label(origin) + " " + endpoint, status);
    return null;
  }

  private static Map<String, Integer> expect(List<String> origins, int status) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String origin : origins) {
      for (String endpoint : List.of("/ws", "/sockjs/info", "/sockjs xhr")) {
        out.put(label(origin) + " " + endpoint, status);
      }
    }
    return out;
  }

  private void check(VertxTestContext ctx, List<String> refused, List<String> allowed) {
    List<String> all = new ArrayList<>(refused);
    all.addAll(allowed);
    statuses(all).map(actual -> {
      Map<String, Integer> expected = expect(refused, 403);
      expected.putAll(expect(allowed, ALLOWED));
      ctx.verify(() -> assertEquals(expected, actual));
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void byDefaultOnlyTheServersOwnPagesAndProgramsWithoutOriginMayConnect(VertxTestContext ctx) {
    int port = port();
    check(ctx,
        List.of(FOREIGN, LISTED, "null", "http://127.0.0.1:" + (port == 65535 ? 1 : port + 1),
            "http://127.0.0.1:" + port + ".evil.example", "http://localhost:" + port),
        java.util.Arrays.asList(self(), self() + "/", "HTTP://127.0.0.1:" + port, null));
  }

  @Test
  @ServerConfig("http.allowedOrigins=[\"https://chat.example.com\"]")
  void aListedOriginMayConnectToo(VertxTestContext ctx) {
    check(ctx,
        List.of(FOREIGN, "http://chat.example.com", "https://chat.example.com:8443", "https://evil.chat.example.com"),
        java.util.Arrays.asList(LISTED, "https://CHAT.example.com", LISTED + ":443", self(), null));
  }

  @Test
  @ServerConfig("http.allowedOrigins=[\"*\"]")
  void aStarAllowsAnyOrigin(VertxTestContext ctx) {
    check(ctx, List.of(), java.util.Arrays.asList(FOREIGN, "null", LISTED, self(), null));
  }

  @Test
  @ServerConfig("http.allowedOrigins=[\"https://chat.example.com\"]")
  void aSockJsSessionFromAnAllowedOriginChats(VertxTestContext ctx) {
    // A whole session (open, polls, sends) with the Origin header a browser on the listed site sends.
    SockJsClient.connect(vertx, port(), SockJsClient.PATH, "alice", LISTED)
        .compose(c -> c.ping().compose(v -> c.close()))
        .onComplete(ctx.succeedingThenComplete());
  }
}
