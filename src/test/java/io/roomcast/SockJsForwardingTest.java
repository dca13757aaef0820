package io.roomcast;

import static io.roomcast.support.FrameAssert.assertFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.config.RoomcastConfig;
import io.roomcast.http.SessionDirectory;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.SockJsClient;
import io.roomcast.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SockJS behind a round-robin load balancer without sticky sessions: two independent nodes in this
 * JVM (each its own Vert.x instance, not clustered) share an in-memory {@link SessionDirectory}, and a
 * session's requests, spoken as raw HTTP, go to whichever node the test picks. A request for a
 * session the other node holds must be forwarded there.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SockJsForwardingTest {
  private static final long WAIT_MS = 10_000;
  private static final String LOST = "c[1006,\"session lost: its server is gone\"]\n";

  /** The directory's entries, shared by both nodes: session id → holder's host:port. */
  private final Map<String, String> directory = new ConcurrentHashMap<>();
  private final List<Vertx> nodeVertx = new CopyOnWriteArrayList<>();
  private final List<ChatClient> clients = new CopyOnWriteArrayList<>();
  /** Runs the test's clients; the nodes have their own Vert.x instances. */
  private Vertx vertx;
  /** Held in a field: Vert.x 5 closes unreferenced clients. No keep-alive, as in {@link SockJsClient}. */
  private HttpClient http;
  private Node a;
  private Node b;

  private record Node(Vertx vertx, Roomcast roomcast, int port, String address) {
  }

  /** One node's view of the shared directory. */
  private static final class MemoryDirectory implements SessionDirectory {
    private final Map<String, String> entries;
    private volatile String self;

    MemoryDirectory(Map<String, String> entries) {
      this.entries = entries;
    }

    @Override
    public Future<String> claim(String session) {
      String holder = entries.putIfAbsent(session, self);
      return Future.succeededFuture(holder == null || holder.equals(self) ? null : holder);
    }

    @Override
    public Future<String> lookup(String session) {
      return Future.succeededFuture(entries.get(session));
    }

    @Override
    public void release(String session) {
      entries.remove(session);
    }

    @Override
    public String self() {
      return self;
    }
  }

  @BeforeEach
  void startNodes(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false), new PoolOptions().setHttp1MaxSize(16));
    // Both created here: creating a Vert.x instance on another one's event loop is frowned upon.
    Vertx first = Vertx.vertx();
    Vertx second = Vertx.vertx();
    startNode(first).compose(n -> {
      a = n;
      return startNode(second);
    }).onComplete(ctx.succeeding(n -> {
      b = n;
      ctx.completeNow();
    }));
  }

  private Future<Node> startNode(Vertx v) {
    nodeVertx.add(v);
    RoomcastConfig config = RoomcastConfig.from(TestServer.with(TestServer.baseConfig(),
        "http.instances=1", "sockjs.heartbeatMs=2000", "bots.echo=false"));
    MemoryDirectory dir = new MemoryDirectory(directory);
    return Roomcast.deploy(v, config, dir).map(r -> {
      dir.self = "127.0.0.1:" + r.port();
      return new Node(v, r, r.port(), dir.self);
    });
  }

  @AfterEach
  void stopNodes(VertxTestContext ctx) {
    Future<Void> f = Future.succeededFuture();
    for (ChatClient c : clients) {
      f = f.eventually(c::close);
    }
    f.eventually(() -> Future.join(nodeVertx.stream().map(Vertx::close).toList()))
        .onComplete(ar -> ctx.completeNow());
  }

  // Tests ------------------------------------------------------------------------------------------

  @Test
  void aSessionOpenedOnOneNodeWorksThroughTheOther(VertxTestContext ctx) {
    RawSession s = new RawSession();
    AtomicInteger turn = new AtomicInteger();
    IntSupplier alternate = () -> turn.getAndIncrement() % 2 == 0 ? a.port : b.port;
    ChatClient[] bob = new ChatClient[1];
    s.open(a.port, "alice")
        .compose(v -> s.await(() -> b.port, Match.type("welcome")))
        .compose(welcome -> {
          ctx.verify(() -> {
            assertFrame(welcome, "nick", "alice");
            assertEquals(a.address, directory.get(s.id), "the opening node holds the session");
          });
          return s.request(b.port, "ping", 1);
        })
        .compose(v -> s.await(() -> b.port, Match.type("ack").and(Match.field("id", 1))))
        .compose(v -> SockJsClient.connect(vertx, a.port, "bob")).compose(c -> {
          bob[0] = c;
          clients.add(c);
          return c.join("lobby");
        })
        .compose(v -> s.request(b.port, "join", 2))
        .compose(v -> s.await(() -> b.port, Match.type("ack").and(Match.field("id", 2))))
        .compose(v -> s.request(b.port, "send", 3, "room", "lobby", "text", "hello via B"))
        .compose(v -> Future.all(bob[0].await(Match.message("lobby", "hello via B").and(Match.field("from", "alice"))),
            s.await(() -> b.port, Match.type("ack").and(Match.field("id", 3)))))
        // Every request to the other node than the one before.
        .compose(v -> s.request(alternate.getAsInt(), "ping", 4))
        .compose(v -> s.await(alternate, Match.type("ack").and(Match.field("id", 4))))
        .compose(v -> s.request(alternate.getAsInt(), "send", 5, "room", "lobby", "text", "alternating"))
        .compose(v -> Future.all(bob[0].await(Match.message("lobby", "alternating")),
            s.await(alternate, Match.type("ack").and(Match.field("id", 5)))))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertTrue(turn.get() >= 4, "requests alternated between the nodes");
          assertEquals(2, a.roomcast.sessions(), "alice's and bob's sessions live on A");
          assertEquals(0, b.roomcast.sessions(), "no session was opened on B");
          ctx.completeNow();
        })));
  }

  /**
   * A streaming request carries frames until it has sent 128 KiB, then the client opens another one
   * for the same session, which the load balancer may send to the other node: that one must stream
   * through the forwarding node, and frames queued meanwhile must not be lost.
   */
  @Test
  void xhrStreamingStreamsThroughTheOtherNode(VertxTestContext ctx) {
    RawSession s = new RawSession();
    Stream first = s.stream(a.port, "?nick=carol");
    String text = "x".repeat(3_900);
    int count = 36; // 36 messages of ~4 KB are past 128 KiB, and within the rate limit's burst
    Stream[] second = new Stream[1];
    first.await(Match.type("welcome"))
        .compose(v -> s.request(b.port, "join", 1, "room", "big"))
        .compose(v -> first.await(Match.type("ack").and(Match.field("id", 1))))
        .compose(v -> {
          List<String> frames = IntStream.range(0, count).mapToObj(i -> new JsonObject().put("type", "send")
              .put("id", 100 + i).put("room", "big").put("text", text).encode()).toList();
          return s.send(b.port, frames).compose(status -> {
            ctx.verify(() -> assertEquals(204, status));
            return first.ended();
          });
        })
        .compose(v -> {
          second[0] = s.stream(b.port, "");
          return second[0].await(Match.type("ack").and(Match.field("id", 100 + count - 1)));
        })
        .compose(v -> s.request(b.port, "ping", 2))
        .compose(v -> second[0].await(Match.type("ack").and(Match.field("id", 2))))
        .compose(v -> {
          ctx.verify(() -> {
            assertFalse(second[0].ended().isComplete(), "the forwarded stream is still open: frames were streamed");
            List<Integer> acked = new ArrayList<>();
            for (Stream st : List.of(first, second[0])) {
              st.messages().stream().filter(Match.type("ack")).map(f -> f.getInteger("id")).filter(id -> id >= 100)
                  .forEach(acked::add);
            }
            assertEquals(IntStream.range(100, 100 + count).boxed().toList(), acked, "every send acked once, in order");
          });
          // The client goes away: the forwarded request is cut too, and the holder ends the session.
          second[0].cut();
          return eventually("the session to end on A", () -> directory.containsKey(s.id) ? null : true);
        })
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void aSessionWhoseNodeIsGoneIsReportedLost(VertxTestContext ctx) {
    RawSession polled = new RawSession();
    RawSession sent = new RawSession();
    RawSession evented = new RawSession();
    RawSession jsonp = new RawSession();
    polled.open(a.port, null)
        .compose(v -> evented.open(a.port, null))
        .compose(v -> jsonp.open(a.port, null))
        .compose(v -> polled.await(() -> a.port, Match.type("welcome")))
        .compose(v -> sent.open(a.port, null))
        .compose(v -> sent.await(() -> a.port, Match.type("welcome")))
        .compose(v -> a.vertx.close())
        .compose(v -> polled.post(b.port, "xhr", null, MultiMap.caseInsensitiveMultiMap()))
        .compose(answer -> {
          ctx.verify(() -> {
            assertEquals(200, answer.status);
            assertEquals(LOST, answer.body);
            assertEquals("application/javascript; charset=UTF-8", answer.headers.get(HttpHeaders.CONTENT_TYPE));
            assertNull(directory.get(polled.id), "the lost session was released");
          });
          return sent.send(b.port, List.of(new JsonObject().put("type", "ping").encode()));
        })
        .compose(status -> {
          ctx.verify(() -> {
            assertEquals(404, status);
            assertNull(directory.get(sent.id), "the lost session was released");
          });
          return evented.get(b.port, "eventsource");
        })
        .compose(answer -> {
          ctx.verify(() -> {
            assertEquals(200, answer.status);
            assertEquals("\r\ndata: " + LOST.trim() + "\r\n\r\n", answer.body, "the close in EventSource framing");
            assertTrue(answer.headers.get(HttpHeaders.CONTENT_TYPE).startsWith("text/event-stream"));
          });
          return jsonp.get(b.port, "jsonp?c=_jp.a1");
        })
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertEquals(200, answer.status);
          assertEquals("/**/_jp.a1(" + new JsonArray().add(LOST.trim()).encode().replaceAll("^\\[|\\]$", "") + ");\r\n",
              answer.body, "the close in JSONP framing");
          ctx.completeNow();
        })));
  }

  @Test
  void aSessionNobodyHoldsIsOpenedLocallyAndReleasedWhenItEnds(VertxTestContext ctx) {
    RawSession s = new RawSession();
    RawSession refused = new RawSession();
    s.open(b.port, "dave")
        .compose(v -> {
          ctx.verify(() -> assertEquals(b.address, directory.get(s.id), "claimed before the open frame"));
          return s.await(() -> b.port, Match.type("welcome"));
        })
        .compose(welcome -> {
          ctx.verify(() -> {
            assertFrame(welcome, "nick", "dave");
            assertEquals(1, b.roomcast.sessions());
            assertEquals(0, a.roomcast.sessions());
          });
          return s.cutPoll(b.port); // how a client that goes away ends a session
        })
        .compose(v -> eventually("the session's directory entry to go", () -> directory.containsKey(s.id) ? null : true))
        .compose(v -> s.send(b.port, List.of(new JsonObject().put("type", "ping").encode())))
        .compose(status -> {
          ctx.verify(() -> {
            assertEquals(404, status, "the session has ended");
            assertEquals(0, b.roomcast.sessions());
          });
          // Claimed, but refused by the SockJS handler (jsonp needs a callback): no session, no entry.
          return http.request(HttpMethod.GET, b.port, "127.0.0.1", refused.url + "/jsonp").compose(req -> req.send())
              .compose(resp -> resp.body().map(body -> resp.statusCode()));
        })
        .compose(status -> {
          ctx.verify(() -> assertEquals(500, status));
          return eventually("the unopened session's claim to go", () -> directory.containsKey(refused.id) ? null : true);
        })
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void aForwardedRequestIsNeverForwardedAgain(VertxTestContext ctx) {
    RawSession s = new RawSession();
    MultiMap forwarded = MultiMap.caseInsensitiveMultiMap().add("X-Roomcast-Forwarded", "1");
    Buffer ping = Buffer.buffer(new JsonArray().add(new JsonObject().put("type", "ping").put("id", 7).encode()).encode());
    s.open(a.port, null)
        .compose(v -> s.await(() -> a.port, Match.type("welcome")))
        .compose(v -> s.post(b.port, "xhr_send", ping, forwarded))
        .compose(answer -> {
          ctx.verify(() -> assertEquals(404, answer.status, "answered by B, which does not know the session"));
          return s.post(b.port, "xhr", null, forwarded);
        })
        .compose(answer -> {
          ctx.verify(() -> {
            assertEquals("o\n", answer.body, "B opened a session of its own instead of forwarding the poll");
            assertEquals(a.address, directory.get(s.id), "A still holds the session");
          });
          return s.request(b.port, "ping", 8); // without the header: forwarded to A
        })
        .compose(v -> s.await(() -> a.port, Match.type("ack").and(Match.field("id", 8))))
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  // Raw SockJS over HTTP ---------------------------------------------------------------------------

  private record Answer(int status, String body, MultiMap headers) {
  }

  /** Completes once {@code check} gives non-null, checking every 20 ms for {@link #WAIT_MS}. */
  private <T> Future<T> eventually(String what, Supplier<T> check) {
    Promise<T> done = Promise.promise();
    long deadline = System.currentTimeMillis() + WAIT_MS;
    vertx.setPeriodic(20, id -> {
      T value = check.get();
      if (value != null || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        if (value != null) {
          done.complete(value);
        } else {
          done.fail(new AssertionError("waited " + WAIT_MS + " ms for " + what));
        }
      }
    });
    return done.future();
  }

  /** The protocol frames in a SockJS {@code a[...]} frame. */
  private static List<JsonObject> protocolFrames(String sockJsFrame) {
    return new JsonArray(sockJsFrame.substring(1)).stream().map(m -> new JsonObject((String) m)).toList();
  }

  /**
   * One SockJS session, each of its requests sent to the node the caller names, as a browser behind
   * a round-robin load balancer would (the Origin is the page's, served by that same node).
   */
  private final class RawSession {
    final String id = UUID.randomUUID().toString().replace("-", "");
    final String url = SockJsClient.PATH + "/000/" + id;
    /** Protocol frames polled and not yet taken by {@link #await}. */
    final List<JsonObject> unread = new ArrayList<>();

    Future<Answer> post(int port, String transport, Buffer body, MultiMap headers) {
      return http.request(HttpMethod.POST, port, "127.0.0.1", url + "/" + transport).compose(req -> {
        req.headers().addAll(headers).set(HttpHeaders.ORIGIN, "http://127.0.0.1:" + port);
        return body == null ? req.send() : req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain;charset=UTF-8").send(body);
      }).compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8), resp.headers())));
    }

    Future<Answer> get(int port, String transport) {
      return http.request(HttpMethod.GET, port, "127.0.0.1", url + "/" + transport).compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8), resp.headers())));
    }

    Future<Void> open(int port, String nick) {
      String query = nick == null ? "" : "?nick=" + nick;
      return post(port, "xhr" + query, null, MultiMap.caseInsensitiveMultiMap()).compose(answer ->
          answer.status == 200 && answer.body.equals("o\n") ? Future.succeededFuture()
              : Future.failedFuture(new AssertionError("open answered " + answer)));
    }

    /** Sends frames with xhr_send; completes with the status. */
    Future<Integer> send(int port, List<String> frames) {
      Buffer body = Buffer.buffer(new JsonArray(new ArrayList<Object>(frames)).encode());
      return post(port, "xhr_send", body, MultiMap.caseInsensitiveMultiMap()).map(Answer::status);
    }

    /** Sends one frame of {@code type} with {@code id} and further fields, expecting 204. */
    Future<Void> request(int port, String type, int id, Object... fields) {
      JsonObject frame = new JsonObject().put("type", type).put("id", id);
      if (type.equals("join")) {
        frame.put("room", "lobby");
      }
      for (int i = 0; i < fields.length; i += 2) {
        frame.put((String) fields[i], fields[i + 1]);
      }
      return send(port, List.of(frame.encode())).compose(status -> status == 204 ? Future.succeededFuture()
          : Future.failedFuture(new AssertionError("xhr_send to " + port + " answered " + status)));
    }

    /** Polls ({@code port} picks the node for each poll) until a frame matches. */
    Future<JsonObject> await(IntSupplier port, Predicate<JsonObject> match) {
      return await(port, match, System.currentTimeMillis() + WAIT_MS);
    }

    private Future<JsonObject> await(IntSupplier port, Predicate<JsonObject> match, long deadline) {
      for (int i = 0; i < unread.size(); i++) {
        if (match.test(unread.get(i))) {
          return Future.succeededFuture(unread.remove(i));
        }
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("no frame " + match + " in " + WAIT_MS + " ms; got " + unread));
      }
      int p = port.getAsInt();
      return post(p, "xhr", null, MultiMap.caseInsensitiveMultiMap()).compose(answer -> {
        if (answer.status != 200 || !(answer.body.startsWith("a[") || answer.body.equals("h\n"))) {
          return Future.failedFuture(new AssertionError("poll to " + p + " answered " + answer));
        }
        if (answer.body.startsWith("a[")) {
          unread.addAll(protocolFrames(answer.body.trim()));
        }
        return await(port, match, deadline);
      });
    }

    /** Sends a poll and cuts its connection once the server holds it, as a closed browser tab does. */
    Future<Void> cutPoll(int port) {
      Promise<Void> cut = Promise.promise();
      http.request(HttpMethod.POST, port, "127.0.0.1", url + "/xhr").onSuccess(req -> {
        req.send();
        vertx.setTimer(200, t -> req.connection().close().onComplete(ar -> cut.complete()));
      }).onFailure(cut::fail);
      return cut.future();
    }

    /** Opens an xhr_streaming request to {@code port}. */
    Stream stream(int port, String query) {
      return new Stream(port, url + "/xhr_streaming" + query);
    }
  }

  /** An xhr_streaming response read as it comes: one SockJS frame per line. */
  private final class Stream {
    private final StringBuilder text = new StringBuilder();
    private final Promise<Void> ended = Promise.promise();
    private HttpClientRequest request;

    Stream(int port, String uri) {
      http.request(HttpMethod.POST, port, "127.0.0.1", uri).compose(req -> {
        request = req;
        req.putHeader(HttpHeaders.ORIGIN, "http://127.0.0.1:" + port);
        return req.send();
      }).onComplete(ar -> {
        if (ar.failed() || ar.result().statusCode() != 200) {
          ended.tryFail(ar.failed() ? ar.cause() : new AssertionError("xhr_streaming answered " + ar.result().statusCode()));
          return;
        }
        ar.result().handler(chunk -> {
          synchronized (text) {
            text.append(chunk.toString(StandardCharsets.UTF_8));
          }
        });
        ar.result().endHandler(v -> ended.tryComplete());
        ar.result().exceptionHandler(ended::tryFail);
      });
    }

    Future<Void> ended() {
      return ended.future();
    }

    /** Every protocol frame streamed so far. */
    List<JsonObject> messages() {
      String all;
      synchronized (text) {
        all = text.toString();
      }
      return all.lines().filter(l -> l.startsWith("a[")).flatMap(l -> protocolFrames(l).stream())
          .collect(Collectors.toList());
    }

    Future<JsonObject> await(Predicate<JsonObject> match) {
      return eventually("a streamed frame " + match, () -> messages().stream().filter(match).findFirst().orElse(null));
    }

    void cut() {
      request.connection().close();
    }
  }
}
