package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@link ChatClient} over the SockJS xhr-polling transport, spoken as raw HTTP the way sockjs-client
 * does it (see the <a href="https://github.com/sockjs/sockjs-protocol">SockJS protocol</a>):
 *
 * <ul>
 *   <li>{@code POST {path}/{server}/{session}/xhr} opens the session (the answer is {@code o}) and is
 *       then the long poll: each answer is one SockJS frame, {@code h} (heartbeat), {@code a[...]} (a
 *       JSON array of messages; each message is one protocol frame) or {@code c[code,"reason"]} (the
 *       server closed the session). A new poll goes out as soon as the previous one is answered.</li>
 *   <li>{@code POST .../xhr_send} with a JSON array of messages sends; the answer is 204. Only one
 *       send is in flight at a time and frames written meanwhile queue up and go out together in the
 *       next one (as sockjs-client batches them), so frames reach the server in the order written.</li>
 * </ul>
 *
 * <p>SockJS has no close request for xhr transports. {@link #close()} sends what is still queued,
 * then cuts the connection of a poll the server holds: vertx-web ends a session at once when the
 * connection of its pending poll goes away (a browser tab that is closed does the same). Should that
 * not work out, polling has stopped all the same and the session ends once
 * {@code sockjs.sessionTimeoutMs} passes without a poll ({@link TestServer} makes that short).
 * Either way {@code close()} completes only once the server has ended the session (its
 * {@code xhr_send} answers 404), so a test that closes a client can rely on the server having seen it
 * go, as after a WebSocket close handshake. The close code reported for a client-side close is 1000.
 */
public final class SockJsClient extends TestClient {
  /** The default {@code sockjs.path}. */
  public static final String PATH = "/sockjs";
  /** Frames batched into one xhr_send stay under this many characters (unless one alone is larger). */
  private static final int MAX_BATCH_CHARS = 4_096;
  /** How long {@link #close()} waits for the server to end the session before giving up. */
  private static final long CLOSE_WAIT_MS = 10_000;
  /** How long a poll must have been out before the server is taken to hold it (see {@link #cutPolling()}). */
  private static final long POLL_SETTLE_MS = 30;

  /** Long polls: a connection each, as vertx-web closes the connection after every poll answer. */
  private final HttpClient pollClient;
  /** xhr_send requests: one keep-alive connection (sends are serialised anyway). */
  private final HttpClient sendClient;
  /** The node ports requests go to, taken in turn (one port: a single node). */
  private final int[] ports;
  private final AtomicInteger nextPort = new AtomicInteger();
  private final String sessionUrl;
  private final String query;
  private final String origin;
  private final AtomicInteger heartbeats = new AtomicInteger();
  private final AtomicInteger pollCount = new AtomicInteger();
  private final ArrayDeque<String> outbox = new ArrayDeque<>();
  private final List<String> sendFailures = new ArrayList<>();
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  private boolean sending;
  private boolean stopped;
  private boolean shutDown;
  /** The poll the server may be holding (sent and not answered yet). */
  private HttpClientRequest pollInFlight;
  /** Set by {@link #close()}: polls are cut once settled (see {@link #cutPolling()}). */
  private boolean closing;
  private long closeDeadline;
  /** The poll whose connection is being cut. */
  private HttpClientRequest cutting;
  /** Completes once no poll will go out any more (closing only). */
  private final Promise<Void> pollingOver = Promise.promise();
  private JsonArray closeFrame;
  private int pollFailures;

  private SockJsClient(Vertx vertx, int[] ports, String path, String nick, String origin) {
    super(vertx, Transport.SOCKJS);
    this.ports = ports;
    this.origin = origin;
    this.pollClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(2));
    this.sendClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(1));
    String server = String.format("%03d", ThreadLocalRandom.current().nextInt(1000));
    String session = UUID.randomUUID().toString().replace("-", "");
    this.sessionUrl = path + "/" + server + "/" + session;
    this.query = nick == null ? "" : "?nick=" + URLEncoder.encode(nick, StandardCharsets.UTF_8);
  }

  /** Opens a session at {@link #PATH} (with {@code ?nick=} when {@code nick} is not null) and waits for the welcome. */
  public static Future<SockJsClient> connect(Vertx vertx, int port, String nick) {
    return connect(vertx, port, PATH, nick, null);
  }

  /**
   * Opens a session at {@code path}, sending {@code origin} (when not null) as the Origin header of
   * every request, as a browser would, and waits for the welcome.
   */
  public static Future<SockJsClient> connect(Vertx vertx, int port, String path, String nick, String origin) {
    return open(vertx, port, path, nick, origin).compose(c -> c.whenWelcomed(DEFAULT_TIMEOUT_MS).map(c));
  }

  /**
   * Opens a session (the server answered {@code o}) and starts polling, without waiting for the
   * welcome: for sessions the server may refuse with a close frame instead.
   */
  public static Future<SockJsClient> open(Vertx vertx, int port, String path, String nick, String origin) {
    return open(new SockJsClient(vertx, new int[] {port}, path, nick, origin));
  }

  /**
   * Connects to several nodes of a cluster as a round-robin load balancer would: each HTTP request
   * (open, every poll, every send) goes to the next port in turn.
   */
  public static Future<SockJsClient> connectRoundRobin(Vertx vertx, int[] ports, String nick) {
    return open(new SockJsClient(vertx, ports, PATH, nick, null))
        .compose(c -> c.whenWelcomed(DEFAULT_TIMEOUT_MS).map(c));
  }

  private static Future<SockJsClient> open(SockJsClient c) {
    return c.post(c.pollClient, "/xhr", null, req -> { })
        .compose(resp -> {
          if (resp.status != 200 || !resp.body.equals("o\n")) {
            return Future.failedFuture(new AssertionError("opening " + c.sessionUrl + "/xhr" + c.query
                + ": expected 200 \"o\\n\", got " + resp.status + " " + quote(resp.body)));
          }
          c.pollCount.incrementAndGet();
          c.poll();
          return Future.succeededFuture(c);
        })
        .onFailure(e -> c.shutdownClients());
  }

  /** The session's URL path, such as {@code /sockjs/123/4f0c...}, without the query. */
  public String sessionUrl() {
    return sessionUrl;
  }

  /** How many {@code h} (heartbeat) frames the server has sent. */
  public int heartbeatsReceived() {
    return heartbeats.get();
  }

  /** How many polls have been answered (the opening one included). */
  public int pollsAnswered() {
    return pollCount.get();
  }

  /** The {@code c[code,"reason"]} frame that closed the session, or null. */
  public synchronized JsonArray closeFrame() {
    return closeFrame;
  }

  /** xhr_send requests that were not answered 204, described. */
  public synchronized List<String> sendFailures() {
    return new ArrayList<>(sendFailures);
  }

  /**
   * Stops polling as a client that has vanished would, without aborting the poll in flight (it is
   * left to be answered by the next message or heartbeat) and without reporting a close: the server
   * must notice by itself, once {@code sockjs.sessionTimeoutMs} has passed without a poll.
   */
  public synchronized void stopPolling() {
    stopped = true;
  }

  /** Completes when the server no longer knows the session (its xhr_send answers 404). */
  public Future<Void> sessionGone(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return probeUntilGone(deadline);
  }

  // Transport side -------------------------------------------------------------------------------

  @Override
  protected void write(String text) {
    synchronized (this) {
      outbox.add(text);
      if (sending) {
        return;
      }
      sending = true;
    }
    flush();
  }

  @Override
  protected Future<Void> closeTransport() {
    return whenDrained()
        .compose(v -> cutPolling())
        .compose(v -> sessionGone(CLOSE_WAIT_MS).recover(e -> Future.succeededFuture()))
        .onComplete(ar -> {
          onClosed(1000);
          shutdownClients();
        });
  }

  /**
   * Ends polling by cutting the connection of a poll the server holds: vertx-web then shuts the
   * session down at once. Every poll out while closing is cut once it has been out for
   * {@link #POLL_SETTLE_MS} unanswered (long enough for a local server to hold it); one answered
   * sooner (other members' frames may still arrive) is taken as usual and the next poll goes out. If
   * no poll could be cut within a second, polling simply stops and the session ends by its timeout.
   */
  private Future<Void> cutPolling() {
    HttpClientRequest current;
    synchronized (this) {
      if (!closing) {
        closing = true;
        closeDeadline = System.nanoTime() + 1_000_000_000L;
      }
      current = pollInFlight;
      if (current == null && (stopped || isClosed())) {
        stopped = true;
        pollingOver.tryComplete();
      }
    }
    if (current != null) {
      cutWhenSettled(current);
    }
    return pollingOver.future();
  }

  private void cutWhenSettled(HttpClientRequest poll) {
    vertx.setTimer(POLL_SETTLE_MS, t -> {
      boolean cut;
      synchronized (this) {
        cut = pollInFlight == poll;
        if (cut) {
          cutting = poll;
        }
      }
      if (cut) {
        poll.connection().close();
      }
    });
  }

  // Polling --------------------------------------------------------------------------------------

  private void poll() {
    synchronized (this) {
      if (closing && System.nanoTime() > closeDeadline) {
        stopped = true;
      }
      if (stopped || isClosed()) {
        if (closing) {
          pollingOver.tryComplete();
        }
        return;
      }
    }
    HttpClientRequest[] mine = new HttpClientRequest[1];
    post(pollClient, "/xhr", null, req -> {
      boolean abort;
      boolean arm;
      synchronized (this) {
        abort = stopped;
        arm = closing;
        if (!abort) {
          mine[0] = req;
          pollInFlight = req;
        }
      }
      if (abort) {
        req.connection().close(); // never sent: the server does not see this poll
      } else if (arm) {
        cutWhenSettled(req);
      }
    }).onComplete(ar -> {
      boolean wasCut;
      synchronized (this) {
        if (pollInFlight == mine[0]) {
          pollInFlight = null;
        }
        wasCut = mine[0] != null && cutting == mine[0];
        if (wasCut) {
          cutting = null;
        }
      }
      if (ar.succeeded() && ar.result().status == 200) {
        // Also when it was being cut: the answer came first, so the session lives on (unpolled, so
        // until its timeout at least) and the next poll goes out, to be cut in turn.
        pollFailures = 0;
        pollCount.incrementAndGet();
        onPollAnswer(ar.result().body);
      } else if (wasCut) {
        // Usually the server held the poll and ends the session now. Should an answer have been on
        // its way as the connection went, the session lives on unpolled until its timeout: polling
        // again to cut again could race with the server noticing the cut and open a new session.
        stop();
      } else if (!isStopped()) {
        String why = ar.succeeded() ? "HTTP " + ar.result().status + " " + quote(ar.result().body) : String.valueOf(ar.cause());
        if (closing) {
          stop();
        } else if (++pollFailures >= 3) {
          System.err.println(this + ": poll failed 3 times, giving up: " + why);
          stop();
          onClosed(null);
        } else {
          vertx.setTimer(50, t -> poll());
        }
      }
    });
  }

  /** One xhr-polling answer holds exactly one SockJS frame. */
  private void onPollAnswer(String body) {
    String frame = body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
    if (frame.equals("h")) {
      heartbeats.incrementAndGet();
      poll();
    } else if (frame.startsWith("a[")) {
      JsonArray messages = new JsonArray(frame.substring(1));
      for (Object m : messages) {
        onText((String) m);
      }
      poll();
    } else if (frame.startsWith("c[")) {
      JsonArray close = new JsonArray(frame.substring(1));
      synchronized (this) {
        closeFrame = close;
      }
      stop();
      onClosed(close.getInteger(0));
      shutdownClients();
    } else {
      // "o" again means the server had forgotten the session and opened a new one under its id.
      System.err.println(this + ": unexpected SockJS frame " + quote(body));
      stop();
      onClosed(null);
      shutdownClients();
    }
  }

  // Sending --------------------------------------------------------------------------------------

  private void flush() {
    List<String> batch = new ArrayList<>();
    synchronized (this) {
      int chars = 0;
      while (!outbox.isEmpty() && (batch.isEmpty() || chars + outbox.peek().length() <= MAX_BATCH_CHARS)) {
        String next = outbox.poll();
        chars += next.length() + 3;
        batch.add(next);
      }
      if (batch.isEmpty()) {
        sending = false;
      }
    }
    if (batch.isEmpty()) {
      List<Promise<Void>> waiters;
      synchronized (this) {
        waiters = new ArrayList<>(drainWaiters);
        drainWaiters.clear();
      }
      waiters.forEach(Promise::tryComplete);
      return;
    }
    String body = new JsonArray(new ArrayList<Object>(batch)).encode();
    post(sendClient, "/xhr_send", body, req -> req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain;charset=UTF-8").idleTimeout(5_000))
        .onComplete(ar -> {
          if (ar.failed() || ar.result().status != 204) {
            String why = ar.failed() ? String.valueOf(ar.cause()) : "HTTP " + ar.result().status + " " + quote(ar.result().body);
            synchronized (this) {
              sendFailures.add(why + " for " + body);
            }
            System.err.println(this + ": xhr_send failed: " + why);
          }
          flush();
        });
  }

  /** Completes once every frame written so far has been answered by the server. */
  private Future<Void> whenDrained() {
    Promise<Void> p = Promise.promise();
    synchronized (this) {
      if (!sending && outbox.isEmpty()) {
        return Future.succeededFuture();
      }
      drainWaiters.add(p);
    }
    return p.future();
  }

  private Future<Void> probeUntilGone(long deadline) {
    return post(sendClient, "/xhr_send", "[]", req -> req.idleTimeout(5_000)).transform(ar -> {
      if (ar.succeeded() && ar.result().status == 404) {
        return Future.succeededFuture();
      }
      if (isShutDown()) {
        return Future.failedFuture(new IllegalStateException(this + " was shut down"));
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("SockJS session " + sessionUrl + " still alive"));
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(25, t -> probeUntilGone(deadline).onComplete(later));
      return later.future();
    });
  }

  // HTTP -----------------------------------------------------------------------------------------

  private record Answer(int status, String body) {
  }

  /** POSTs to {@code sessionUrl + suffix} (with the nick query and Origin) and reads the whole answer. */
  private Future<Answer> post(HttpClient client, String suffix, String body, Consumer<HttpClientRequest> prepare) {
    if (isShutDown()) {
      return Future.failedFuture(new IllegalStateException(this + " was shut down"));
    }
    Future<HttpClientRequest> request;
    try {
      int port = ports[Math.floorMod(nextPort.getAndIncrement(), ports.length)];
      request = client.request(HttpMethod.POST, port, "127.0.0.1", sessionUrl + suffix + query);
    } catch (IllegalStateException e) { // closed meanwhile
      return Future.failedFuture(e);
    }
    return request.compose(req -> {
      if (origin != null) {
        req.putHeader(HttpHeaders.ORIGIN, origin);
      }
      prepare.accept(req);
      Future<HttpClientResponse> sent = body == null ? req.send() : req.send(Buffer.buffer(body));
      return sent.compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8))));
    });
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  private void stop() {
    synchronized (this) {
      stopped = true;
    }
    pollingOver.tryComplete();
  }

  private synchronized boolean isShutDown() {
    return shutDown;
  }

  private void shutdownClients() {
    synchronized (this) {
      shutDown = true;
    }
    pollClient.close();
    sendClient.close();
  }

  private static String quote(String s) {
    return new JsonArray().add(s).encode();
  }

  @Override
  public String toString() {
    return super.toString() + " (" + sessionUrl + ")";
  }
}
