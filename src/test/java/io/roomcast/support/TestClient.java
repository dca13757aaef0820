package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The test client, minus the transport: it decodes every frame the server sends into a log and a queue
 * of frames not yet taken, and implements {@link ChatClient}'s waiting, requests and negative
 * assertions on top of them.
 *
 * <p>A transport is a small subclass (see {@link WsClient}): it connects, implements {@link #write}
 * and {@link #closeTransport}, reports each text frame to {@link #onText} and the end of the
 * connection to {@link #onClosed}, and completes its connect future with {@link #whenWelcomed}. Then
 * one constant in {@link Transport} runs every scenario test over it.
 *
 * <p>Handlers may run on any thread; state is guarded by this object's monitor and promises are
 * completed outside it.
 */
public abstract class TestClient implements ChatClient {
  private static final AtomicLong IDS = new AtomicLong();

  protected final Vertx vertx;
  private final Transport transport;
  private final List<JsonObject> log = new ArrayList<>();
  private final LinkedList<JsonObject> pending = new LinkedList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final List<Watcher> watchers = new ArrayList<>();
  private final Promise<JsonObject> welcome = Promise.promise();
  private final Promise<Integer> closed = Promise.promise();
  private JsonObject welcomeFrame;
  private boolean isClosed;

  private static final class Waiter {
    final Predicate<JsonObject> match;
    final Promise<JsonObject> promise = Promise.promise();
    long timer;

    Waiter(Predicate<JsonObject> match) {
      this.match = match;
    }
  }

  private static final class Watcher {
    final Predicate<JsonObject> match;
    JsonObject violation;

    Watcher(Predicate<JsonObject> match) {
      this.match = match;
    }
  }

  protected TestClient(Vertx vertx, Transport transport) {
    this.vertx = vertx;
    this.transport = transport;
  }

  // Transport side -------------------------------------------------------------------------------

  /** Writes one text frame on the transport. */
  protected abstract void write(String text);

  /** Closes the transport with a normal close. */
  protected abstract Future<Void> closeTransport();

  /** Completes when the welcome arrives (fails if the first frame is something else or it never comes). */
  protected Future<ChatClient> whenWelcomed(long timeoutMs) {
    long timer = vertx.setTimer(timeoutMs, t -> welcome.tryFail(new TimeoutException(
        transport + " client got no welcome within " + timeoutMs + " ms; received " + received())));
    return welcome.future().onComplete(ar -> vertx.cancelTimer(timer)).map(w -> this);
  }

  /** One text frame from the server. */
  protected void onText(String text) {
    JsonObject frame;
    try {
      Object v = Json.decodeValue(text);
      frame = v instanceof JsonObject o ? o : new JsonObject().put("type", "<not an object>").put("raw", text);
    } catch (DecodeException e) {
      frame = new JsonObject().put("type", "<not JSON>").put("raw", text);
    }
    Waiter taker = null;
    boolean first;
    synchronized (this) {
      first = log.isEmpty();
      log.add(frame);
      if (first && "welcome".equals(frame.getString("type"))) {
        welcomeFrame = frame;
      } else {
        for (Watcher w : watchers) {
          if (w.violation == null && w.match.test(frame)) {
            w.violation = frame;
          }
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (w.match.test(frame)) {
            it.remove();
            taker = w;
            break;
          }
        }
        if (taker == null) {
          pending.add(frame);
        }
      }
    }
    if (first) {
      if (welcomeFrame != null) {
        welcome.tryComplete(frame);
      } else {
        welcome.tryFail(new AssertionError("the first frame is not a welcome: " + frame.encode()));
      }
    }
    if (taker != null) {
      vertx.cancelTimer(taker.timer);
      taker.promise.tryComplete(frame);
    }
  }

  /** The transport closed, with this close status code (null when the transport has none). */
  protected void onClosed(Integer code) {
    List<Waiter> failed;
    synchronized (this) {
      if (isClosed) {
        return;
      }
      isClosed = true;
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    welcome.tryFail(new IllegalStateException(transport + " connection closed with code " + code + " before the welcome"));
    closed.tryComplete(code);
    for (Waiter w : failed) {
      vertx.cancelTimer(w.timer);
      w.promise.tryFail(new AssertionError("connection closed (code " + code + ") while waiting for " + w.match
          + "; not taken: " + pendingSnapshot()));
    }
  }

  // ChatClient -----------------------------------------------------------------------------------

  @Override
  public Transport transport() {
    return transport;
  }

  @Override
  public synchronized JsonObject welcome() {
    if (welcomeFrame == null) {
      throw new IllegalStateException("no welcome yet");
    }
    return welcomeFrame;
  }

  @Override
  public void send(JsonObject frame) {
    write(frame.encode());
  }

  @Override
  public void sendText(String text) {
    write(text);
  }

  @Override
  public Future<JsonObject> request(JsonObject frame) {
    JsonObject out = frame.copy();
    if (!out.containsKey("id")) {
      out.put("id", "r" + IDS.incrementAndGet());
    }
    Object id = out.getValue("id");
    Future<JsonObject> reply = await(Match.where("ack or error with id " + id, f ->
        ("ack".equals(f.getString("type")) || "error".equals(f.getString("type"))) && Match.equal(f.getValue("id"), id)),
        DEFAULT_TIMEOUT_MS);
    send(out);
    return reply;
  }

  @Override
  public Future<JsonObject> await(Predicate<JsonObject> match, long timeoutMs) {
    Waiter w = new Waiter(match);
    synchronized (this) {
      for (Iterator<JsonObject> it = pending.iterator(); it.hasNext(); ) {
        JsonObject f = it.next();
        if (match.test(f)) {
          it.remove();
          return Future.succeededFuture(f);
        }
      }
      if (isClosed) {
        return Future.failedFuture(new AssertionError("connection is closed (code " + closed.future().result()
            + "); no frame matches " + match + "; not taken: " + pending));
      }
      waiters.add(w);
      w.timer = vertx.setTimer(timeoutMs, t -> {
        boolean removed;
        synchronized (this) {
          removed = waiters.remove(w);
        }
        if (removed) {
          w.promise.tryFail(new AssertionError("timed out after " + timeoutMs + " ms waiting for " + match
              + " on " + transport + " client " + nickOrUnknown() + "; not taken: " + pendingSnapshot()));
        }
      });
    }
    return w.promise.future();
  }

  @Override
  public Future<List<JsonObject>> awaitMany(Predicate<JsonObject> match, int count, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    List<JsonObject> out = new ArrayList<>(count);
    Future<Void> f = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      int n = i;
      f = f.compose(v -> await(match, Math.max(1, deadline - System.currentTimeMillis()))
          .recover(e -> Future.failedFuture(new AssertionError("got " + n + " of " + count + " frames: " + e.getMessage())))
          .map(frame -> {
            out.add(frame);
            return null;
          }));
    }
    return f.map(v -> out);
  }

  @Override
  public Future<Void> assertNothing(Predicate<JsonObject> match, long millis) {
    Watcher w = new Watcher(match);
    synchronized (this) {
      for (JsonObject f : pending) {
        if (match.test(f)) {
          return Future.failedFuture(new AssertionError("expected no frame matching " + match + " but got " + f.encode()));
        }
      }
      watchers.add(w);
    }
    Promise<Void> done = Promise.promise();
    vertx.setTimer(millis, t -> {
      JsonObject violation;
      synchronized (this) {
        watchers.remove(w);
        violation = w.violation;
      }
      if (violation == null) {
        done.complete();
      } else {
        done.fail(new AssertionError("expected no frame matching " + match + " within " + millis
            + " ms but got " + violation.encode()));
      }
    });
    return done.future();
  }

  @Override
  public synchronized List<JsonObject> received() {
    return new ArrayList<>(log);
  }

  @Override
  public Future<Integer> closeFuture() {
    return closed.future();
  }

  @Override
  public synchronized boolean isClosed() {
    return isClosed;
  }

  @Override
  public Future<Void> close() {
    if (isClosed()) {
      return Future.succeededFuture();
    }
    return closeTransport().recover(e -> Future.succeededFuture()).compose(v -> closed.future().mapEmpty());
  }

  @Override
  public String toString() {
    return transport + " client " + nickOrUnknown();
  }

  private synchronized String nickOrUnknown() {
    return welcomeFrame == null ? "(not welcomed)" : welcomeFrame.getString("nick");
  }

  private synchronized String pendingSnapshot() {
    return pending.toString();
  }
}
