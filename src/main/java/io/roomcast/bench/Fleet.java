package io.roomcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The bench's own Vert.x instance, its WebSocket clients (one per URL) and every connection, spread
 * over the shards (one per event loop) and the URLs round-robin. Only the main thread calls it.
 */
final class Fleet implements AutoCloseable {
  private static final long CALL_TIMEOUT_MS = 30_000;

  final Vertx vertx;
  final List<Shard> shards = new ArrayList<>();
  final List<BenchClient> clients = new ArrayList<>();
  /** Kept in fields: Vert.x 5 closes a client nothing references once it is garbage-collected. */
  private final List<WebSocketClient> wsClients = new ArrayList<>();
  private final List<WebSocketConnectOptions> targets = new ArrayList<>();
  private final List<URI> urls;
  private final boolean spreadRooms;
  private final PrintStream err;
  private boolean closed;

  Fleet(BenchOptions o, PrintStream err) {
    this.urls = o.urls;
    this.spreadRooms = o.spreadRooms;
    this.err = err;
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.threads).setPreferNativeTransport(true));
    try {
      for (int i = 0; i < o.threads; i++) {
        Shard s = new Shard(o.size, o.keys);
        // Each deployment gets the next event loop, round-robin: one shard per loop.
        await(vertx.deployVerticle(s), "start the bench's event loops");
        shards.add(s);
      }
    } catch (BenchException e) {
      vertx.close();
      throw e;
    }
    int perUrl = o.totalClients() / urls.size() + 1;
    for (URI u : urls) {
      wsClients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxConnections(perUrl + 16) // the default (50) would queue the others
          .setConnectTimeout((int) o.connectTimeoutMs)
          .setMaxFrameSize(16 * 1024 * 1024) // join acks list every member
          .setMaxMessageSize(16 * 1024 * 1024)
          .setTcpNoDelay(true)));
      String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      boolean tls = u.getScheme().equals("wss");
      targets.add(new WebSocketConnectOptions().setHost(u.getHost())
          .setPort(u.getPort() > 0 ? u.getPort() : tls ? 443 : 80).setURI(path).setSsl(tls));
    }
  }

  /** Adds client {@code index} in {@code room}; it lives on shard index % shards. */
  BenchClient add(int room, String roomName, boolean publisher) {
    int index = clients.size();
    Shard s = shards.get(index % shards.size());
    BenchClient c = new BenchClient(s, index, room, roomName);
    clients.add(c);
    s.clients.add(c);
    if (publisher) {
      s.publishers.add(c);
    }
    return c;
  }

  /**
   * Opens every client (welcome and join ack included), at most {@code concurrency} at a time, so the
   * connect rate is the server's and not a thundering herd's. Throws a one-line failure on the first
   * connection that fails.
   */
  void connectAll(int concurrency, long timeoutMs) {
    int n = clients.size();
    Promise<Void> all = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n || all.future().isComplete()) {
        return;
      }
      BenchClient c = clients.get(i);
      int u = (spreadRooms ? c.room : i) % urls.size();
      c.shard.call(() -> c.open(wsClients.get(u), targets.get(u), timeoutMs)).compose(f -> f).onComplete(ar -> {
        if (ar.failed()) {
          all.tryFail(describe(i, done.get(), n, urls.get(u), ar.cause()));
        } else if (done.incrementAndGet() == n) {
          all.tryComplete();
        } else {
          launch[0].run();
        }
      });
    };
    for (int k = 0; k < Math.min(concurrency, n); k++) {
      launch[0].run();
    }
    // Each connection is bounded by timeoutMs (plus the TCP connect timeout), and a failure ends it all.
    await(all.future(), (n / Math.max(1, concurrency) + 2) * (timeoutMs * 2), "connect " + n + " clients");
    long noWelcome = counters().noWelcome();
    if (noWelcome > 0) {
      err.println("bench: warning: " + noWelcome + " connections got no welcome within 3 s; joined anyway");
    }
  }

  /** Runs {@code f} on every shard and waits for all answers. */
  <T> List<T> onShards(Function<Shard, Future<T>> f) {
    List<Future<T>> fs = new ArrayList<>();
    for (Shard s : shards) {
      fs.add(f.apply(s));
    }
    await(Future.all(fs), "ask the bench's event loops");
    List<T> out = new ArrayList<>();
    for (Future<T> x : fs) {
      out.add(x.result());
    }
    return out;
  }

  /** Sums the shards' counters. */
  Shard.Counters counters() {
    return counters(false);
  }

  /** Sums the shards' counters, with the merged latency histogram when {@code withLatency}. */
  Shard.Counters counters(boolean withLatency) {
    Shard.Counters sum = null;
    for (Shard.Counters c : onShards(s -> s.counters(withLatency))) {
      sum = sum == null ? c : sum.plus(c);
    }
    return sum;
  }

  /** Closes every connection (bounded wait), the clients and the Vert.x instance. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      List<Future<Void>> closing = new ArrayList<>();
      for (BenchClient c : clients) {
        closing.add(c.shard.call(c::close).compose(f -> f));
      }
      Future.join(closing).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway: vertx.close() below drops whatever is left
    }
    for (WebSocketClient w : wsClients) {
      w.close();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the process is about to end or the test moves on
    }
  }

  /** Appended to a refusal with HTTP 429 or 503: the server's caps are below the run's size. */
  static final String CAPS_HINT = " (raise the server's connection caps: see bench --help)";

  private static String describe(int i, int connected, int n, URI url, Throwable e) {
    String why = e instanceof UpgradeRejectedException r ? "upgrade refused with HTTP " + r.getStatus()
        + (r.getStatus() == 429 || r.getStatus() == 503 ? CAPS_HINT : "") : reason(e);
    return failedConnection(i, connected, n, url, why);
  }

  /** A connection failure's cause in a few words. */
  static String reason(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName()
        : e.getMessage().contains("Connection refused") ? "connection refused" : e.getMessage();
  }

  /** The one line that ends a run whose connection {@code i} (of {@code n}) failed. */
  static String failedConnection(int i, long connected, int n, URI url, String why) {
    return connected == 0 ? "cannot connect to " + url + ": " + why
        : "connection " + (i + 1) + " of " + n + " to " + url + " failed: " + why;
  }

  static <T> T await(Future<T> f, String what) {
    return await(f, CALL_TIMEOUT_MS, what);
  }

  static <T> T await(Future<T> f, long timeoutMs, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw BenchException.failed(c.getMessage() == null ? what + " failed: " + c : c.getMessage());
    } catch (TimeoutException e) {
      throw BenchException.failed("could not " + what + " within " + timeoutMs + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BenchException.failed("interrupted while waiting to " + what);
    }
  }
}
