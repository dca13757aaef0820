package io.roomcast;

import static io.roomcast.support.FrameAssert.assertFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.SockJsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SockJS endpoint as raw HTTP: {@code /info}, and every transport vertx-web offers opening a
 * session whose first message is the protocol welcome (with the nick asked for on the session URL).
 * The scenario tests run over xhr-polling; this checks the other transports are switched on and
 * carry the same protocol.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class SockJsEndpointTest extends RoomcastTestBase {
  private static final long READ_TIMEOUT_MS = 5_000;

  /** Held in fields: Vert.x 5 closes unreferenced clients on GC. */
  private HttpClient http;
  private WebSocketClient wsClient;

  @BeforeEach
  void clients() {
    // No keep-alive: vertx-web closes the connection after answering a poll, and a pooled connection
    // reused at that moment fails the next request.
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    wsClient = vertx.createWebSocketClient();
  }

  private static String sessionUrl() {
    return SockJsClient.PATH + "/123/" + UUID.randomUUID().toString().replace("-", "");
  }

  /** A whole (short) response. */
  private Future<HttpClientResponse> request(HttpMethod method, String uri, Buffer body, List<String> bodyOut) {
    return http.request(method, port(), "127.0.0.1", uri)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> {
          bodyOut.add(b.toString(StandardCharsets.UTF_8));
          return resp;
        }));
  }

  /**
   * Reads a streaming response until {@code extract} finds what it looks for in the text so far, then
   * drops the connection (which ends the SockJS session).
   */
  private <T> Future<T> readUntil(HttpMethod method, String uri, Function<String, T> extract) {
    Promise<T> found = Promise.promise();
    StringBuilder text = new StringBuilder();
    HttpClientRequest[] request = new HttpClientRequest[1];
    long timer = vertx.setTimer(READ_TIMEOUT_MS, t -> found.tryFail(new AssertionError(
        "nothing found in " + READ_TIMEOUT_MS + " ms of " + method + " " + uri + ": " + text)));
    http.request(method, port(), "127.0.0.1", uri).compose(req -> {
      request[0] = req;
      return req.send();
    }).onComplete(ar -> {
      if (ar.failed()) {
        found.tryFail(ar.cause());
        return;
      }
      HttpClientResponse resp = ar.result();
      if (resp.statusCode() != 200) {
        found.tryFail(new AssertionError(method + " " + uri + " answered " + resp.statusCode()));
        return;
      }
      resp.handler(chunk -> {
        synchronized (text) {
          text.append(chunk.toString(StandardCharsets.UTF_8));
          T result = extract.apply(text.toString());
          if (result != null) {
            found.tryComplete(result);
          }
        }
      });
    });
    return found.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (request[0] != null) {
        request[0].connection().close();
      }
    });
  }

  /** The protocol frames in a SockJS {@code a[...]} frame. */
  private static List<JsonObject> messages(String sockJsFrame) {
    List<JsonObject> out = new ArrayList<>();
    for (Object m : new JsonArray(sockJsFrame.substring(1))) {
      out.add(new JsonObject((String) m));
    }
    return out;
  }

  /** The welcome inside the first {@code a[...]} of {@code frames}, after an {@code o}; null until both came. */
  private static JsonObject welcomeAfterOpen(List<String> frames) {
    int open = frames.indexOf("o");
    for (int i = open + 1; open >= 0 && i < frames.size(); i++) {
      if (frames.get(i).startsWith("a[")) {
        return messages(frames.get(i)).get(0);
      }
    }
    return null;
  }

  /** SockJS frames of a text made of lines ({@code xhr_streaming}: one frame per line). */
  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    int end;
    int start = 0;
    while ((end = text.indexOf('\n', start)) >= 0) {
      out.add(text.substring(start, end));
      start = end + 1;
    }
    return out;
  }

  /** SockJS frames quoted as JavaScript string arguments, as in {@code p("o")} or {@code cb("a[...]")}. */
  private static List<String> calls(String text, String function) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile(Pattern.quote(function) + "\\((\"(?:[^\"\\\\]|\\\\.)*\")\\);").matcher(text);
    while (m.find()) {
      out.add(new JsonArray("[" + m.group(1) + "]").getString(0));
    }
    return out;
  }

  @Test
  void infoAnnouncesWebSocketAndNoCookies(VertxTestContext ctx) {
    List<String> body = new ArrayList<>();
    request(HttpMethod.GET, SockJsClient.PATH + "/info", null, body).onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      assertTrue(resp.getHeader(HttpHeaders.CONTENT_TYPE).startsWith("application/json"), resp.getHeader(HttpHeaders.CONTENT_TYPE));
      JsonObject info = new JsonObject(body.get(0));
      assertFrame(info, "websocket", true, "cookie_needed", false);
      assertTrue(info.getValue("entropy") instanceof Number, info::encode);
      ctx.completeNow();
    })));
  }

  @Test
  void theIframeTransportLoadsTheClientLibraryFromOurOwnWebroot(VertxTestContext ctx) {
    List<String> body = new ArrayList<>();
    request(HttpMethod.GET, SockJsClient.PATH + "/iframe.html", null, body)
        .compose(resp -> {
          ctx.verify(() -> {
            assertEquals(200, resp.statusCode());
            assertTrue(body.get(0).contains("src=\"/js/vendor/sockjs.min.js\""), body.get(0));
          });
          return request(HttpMethod.GET, "/js/vendor/sockjs.min.js", null, body);
        })
        .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
          assertEquals(200, resp.statusCode(), "the library the iframe loads is served");
          assertTrue(body.get(1).contains("SockJS"));
          ctx.completeNow();
        })));
  }

  @Test
  void xhrStreamingDeliversTheWelcome(VertxTestContext ctx) {
    readUntil(HttpMethod.POST, sessionUrl() + "/xhr_streaming?nick=alice", text -> {
      List<String> frames = lines(text);
      return frames.isEmpty() ? null : welcomeAfterOpen(frames.subList(1, frames.size()));
    }).onComplete(ctx.succeeding(welcome -> ctx.verify(() -> {
      assertFrame(welcome, "type", "welcome", "protocol", 1, "nick", "alice");
      ctx.completeNow();
    })));
  }

  @Test
  void xhrStreamingStartsWithTheSockJsPrelude(VertxTestContext ctx) {
    readUntil(HttpMethod.POST, sessionUrl() + "/xhr_streaming", text -> text.contains("\no\n") ? text : null)
        .onComplete(ctx.succeeding(text -> ctx.verify(() -> {
          assertEquals("h".repeat(2048) + "\no\n", text.substring(0, 2051), "2 KB of h, then the open frame");
          ctx.completeNow();
        })));
  }

  @Test
  void eventSourceDeliversTheWelcome(VertxTestContext ctx) {
    readUntil(HttpMethod.GET, sessionUrl() + "/eventsource?nick=eve", text -> {
      List<String> frames = new ArrayList<>();
      for (String event : text.split("\r\n\r\n", -1)) {
        String e = event.strip();
        if (e.startsWith("data: ")) {
          frames.add(e.substring("data: ".length()));
        }
      }
      return text.endsWith("\r\n\r\n") ? welcomeAfterOpen(frames) : null;
    }).onComplete(ctx.succeeding(welcome -> ctx.verify(() -> {
      assertFrame(welcome, "type", "welcome", "nick", "eve");
      ctx.completeNow();
    })));
  }

  @Test
  void htmlFileDeliversTheWelcome(VertxTestContext ctx) {
    readUntil(HttpMethod.GET, sessionUrl() + "/htmlfile?c=cb&nick=hal", text -> welcomeAfterOpen(calls(text, "p")))
        .onComplete(ctx.succeeding(welcome -> ctx.verify(() -> {
          assertFrame(welcome, "type", "welcome", "nick", "hal");
          ctx.completeNow();
        })));
  }

  @Test
  void jsonpPollingDeliversTheWelcomeAndTakesFrames(VertxTestContext ctx) {
    String url = sessionUrl();
    List<String> bodies = new ArrayList<>();
    request(HttpMethod.GET, url + "/jsonp?c=cb&nick=jo", null, bodies)
        .compose(open -> {
          ctx.verify(() -> assertEquals(List.of("o"), calls(bodies.get(0), "cb")));
          return request(HttpMethod.GET, url + "/jsonp?c=cb&nick=jo", null, bodies);
        })
        .compose(poll -> {
          ctx.verify(() -> {
            List<String> frames = calls(bodies.get(1), "cb");
            assertEquals(1, frames.size(), bodies.get(1));
            assertFrame(messages(frames.get(0)).get(0), "type", "welcome", "nick", "jo");
          });
          // jsonp_send takes a form field d holding the JSON array of messages.
          String d = new JsonArray().add("{\"type\":\"ping\",\"id\":\"j1\"}").encode();
          Buffer form = Buffer.buffer("d=" + java.net.URLEncoder.encode(d, StandardCharsets.UTF_8));
          return http.request(HttpMethod.POST, port(), "127.0.0.1", url + "/jsonp_send")
              .compose(req -> req.putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded").send(form))
              .compose(resp -> resp.body().map(resp.statusCode()));
        })
        .compose(status -> {
          ctx.verify(() -> assertEquals(200, status));
          return request(HttpMethod.GET, url + "/jsonp?c=cb", null, bodies);
        })
        .onComplete(ctx.succeeding(poll -> ctx.verify(() -> {
          List<String> frames = calls(bodies.get(2), "cb");
          assertEquals(List.of(new JsonObject().put("type", "ack").put("id", "j1")), messages(frames.get(0)));
          ctx.completeNow();
        })));
  }

  /**
   * The first {@code count} messages on a WebSocket at {@code uri}, each as its text with a
   * {@code "binary:"} prefix when it came as a binary message; {@code send} goes out as a text
   * message after {@code sendAfter} messages.
   */
  private Future<List<String>> webSocketMessages(String uri, int count, int sendAfter, String send) {
    Promise<List<String>> done = Promise.promise();
    List<String> got = new ArrayList<>();
    // Handlers before the connect, or the first message may be dropped (see support.WsClient).
    ClientWebSocket ws = wsClient.webSocket();
    ws.frameHandler(frame -> {
      if (!frame.isText() && !frame.isBinary()) {
        return; // the messages here are small enough for one frame each
      }
      synchronized (got) {
        got.add((frame.isBinary() ? "binary:" : "") + frame.textData());
        if (got.size() == sendAfter) {
          ws.writeTextMessage(send);
        }
        if (got.size() == count) {
          done.tryComplete(new ArrayList<>(got));
          ws.close();
        }
      }
    });
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port()).setURI(uri)).onFailure(done::tryFail);
    vertx.setTimer(READ_TIMEOUT_MS, t -> done.tryFail(new AssertionError("messages on " + uri + ": " + got)));
    return done.future();
  }

  @Test
  void theSockJsWebSocketTransportCarriesTheProtocolInSockJsFrames(VertxTestContext ctx) {
    // o, a[welcome], then the ack of the ping sent in SockJS framing.
    webSocketMessages(sessionUrl() + "/websocket?nick=wendy", 3, 2, new JsonArray().add("{\"type\":\"ping\",\"id\":\"w1\"}").encode())
        .onComplete(ctx.succeeding(msgs -> ctx.verify(() -> {
          assertEquals("o", msgs.get(0));
          assertFrame(messages(msgs.get(1)).get(0), "type", "welcome", "nick", "wendy");
          assertEquals(List.of(new JsonObject().put("type", "ack").put("id", "w1")), messages(msgs.get(2)));
          ctx.completeNow();
        })));
  }

  @Test
  void theRawWebSocketTransportCarriesBareProtocolFrames(VertxTestContext ctx) {
    // No SockJS framing at /sockjs/websocket: the welcome, then the ack of a ping, as on /ws.
    webSocketMessages(SockJsClient.PATH + "/websocket?nick=rob", 2, 1, "{\"type\":\"ping\",\"id\":\"r1\"}")
        .onComplete(ctx.succeeding(msgs -> ctx.verify(() -> {
          assertFalse(msgs.get(0).startsWith("binary:"), () -> "every frame is a text message: " + msgs);
          assertFalse(msgs.get(1).startsWith("binary:"), () -> "every frame is a text message: " + msgs);
          assertFrame(new JsonObject(msgs.get(0)), "type", "welcome", "nick", "rob");
          assertEquals(new JsonObject().put("type", "ack").put("id", "r1"), new JsonObject(msgs.get(1)));
          ctx.completeNow();
        })));
  }

  @Test
  @ServerConfig("sockjs.path=\"/fallback\"")
  void theSockJsPathIsConfigurable(VertxTestContext ctx) {
    List<String> body = new ArrayList<>();
    request(HttpMethod.GET, SockJsClient.PATH + "/info", null, body)
        .compose(resp -> {
          ctx.verify(() -> assertEquals(404, resp.statusCode(), "nothing at the default path"));
          return SockJsClient.connect(vertx, port(), "/fallback", "fay", null);
        })
        .compose(c -> {
          ctx.verify(() -> assertEquals("fay", c.welcomeNick()));
          return c.ping().compose(v -> c.close());
        })
        .onComplete(ctx.succeedingThenComplete());
  }
}
