package io.roomcast.e2e.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A SockJS xhr-polling session at {@code /sockjs} spoken as raw HTTP through nginx, as sockjs-client
 * does it: {@code POST …/xhr} opens the session ({@code o}) and is then the long poll (one SockJS
 * frame per answer: {@code h}, {@code a[…]} or {@code c[…]}), {@code POST …/xhr_send} carries a JSON
 * array of frames (answered 204), one at a time so frames keep their order. Every request is a new
 * request to nginx, so successive requests of one session are spread over the nodes round-robin; the
 * node that opened the session holds it and the others forward to it.
 *
 * <p>The session counts as lost (and the link closes) when the server closes it ({@code c[…]}), when a
 * poll is answered {@code o} again (the session was gone and a new one was opened under its id), when
 * {@code xhr_send} is answered with anything but 204 (404: no such session), or when two polls in a row
 * fail (an HTTP error status or no answer).
 */
final class XhrPollingLink implements Link {
  /** Longer than the test's sockjs.heartbeatMs: a poll unanswered this long is given up. */
  private static final long POLL_IDLE_TIMEOUT_MS = 8_000;

  private final Vertx vertx;
  private final HttpClient pollClient;
  private final HttpClient sendClient;
  private final int port;
  private final String sessionUrl;
  private final String query;
  private final Events events;
  private final Set<String> servedBy = ConcurrentHashMap.newKeySet();
  private final ArrayDeque<String> outbox = new ArrayDeque<>();
  private volatile String holder = "?";
  private boolean sending;
  private boolean over;
  private int pollFailures;

  private XhrPollingLink(Vertx vertx, int port, String nick, Events events) {
    this.vertx = vertx;
    this.port = port;
    this.events = events;
    // A connection per poll (the server closes it after each answer anyway), so each poll is a new
    // request to nginx; sends share one keep-alive connection to nginx, nginx still picks a node per request.
    this.pollClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(3_000),
        new PoolOptions().setHttp1MaxSize(2));
    this.sendClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(3_000),
        new PoolOptions().setHttp1MaxSize(1));
    String server = String.format("%03d", ThreadLocalRandom.current().nextInt(1000));
    this.sessionUrl = "/sockjs/" + server + "/" + UUID.randomUUID().toString().replace("-", "");
    this.query = "?nick=" + URLEncoder.encode(nick, StandardCharsets.UTF_8);
  }

  static Future<Link> open(Vertx vertx, int port, String nick, Events events) {
    XhrPollingLink link = new XhrPollingLink(vertx, port, nick, events);
    return link.post(link.pollClient, "/xhr", null).compose(answer -> {
      if (answer.status != 200 || !answer.body.equals("o\n")) {
        link.shutdown();
        return Future.failedFuture(new IllegalStateException("opening " + link.sessionUrl + " via "
            + answer.upstream + ": expected 200 \"o\", got " + answer.status + " " + quote(answer.body)));
      }
      link.holder = answer.upstream;
      link.poll();
      return Future.succeededFuture((Link) link);
    }, e -> {
      link.shutdown();
      return Future.failedFuture(e);
    });
  }

  @Override
  public String holder() {
    return holder;
  }

  @Override
  public Set<String> servedBy() {
    return Set.copyOf(servedBy);
  }

  @Override
  public String toString() {
    return sessionUrl;
  }

  // Polling ----------------------------------------------------------------------------------------

  private void poll() {
    if (over) {
      return;
    }
    post(pollClient, "/xhr", null).onComplete(ar -> {
      if (over) {
        return;
      }
      if (ar.succeeded() && ar.result().status == 200) {
        pollFailures = 0;
        events.onActivity();
        onFrame(ar.result());
      } else {
        String why = ar.succeeded()
            ? "HTTP " + ar.result().status + " from " + ar.result().upstream + " " + quote(ar.result().body)
            : String.valueOf(ar.cause());
        if (++pollFailures >= 2) {
          ended("two polls in a row failed, the last: " + why);
        } else {
          events.onTrouble("a poll failed (polling again): " + why);
          vertx.setTimer(100, t -> poll());
        }
      }
    });
  }

  private void onFrame(Answer answer) {
    String body = answer.body;
    String frame = body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
    if (frame.equals("h")) {
      poll();
    } else if (frame.startsWith("a[")) {
      for (Object m : new JsonArray(frame.substring(1))) {
        if (over) {
          return;
        }
        events.onText((String) m);
      }
      poll();
    } else if (frame.startsWith("c[")) {
      ended("session closed by the server (answered by " + answer.upstream + "): " + frame);
    } else if (frame.equals("o")) {
      ended("session lost: a poll answered by " + answer.upstream + " opened a new session under its id");
    } else {
      ended("unexpected SockJS frame from " + answer.upstream + ": " + quote(body));
    }
  }

  // Sending ----------------------------------------------------------------------------------------

  @Override
  public void send(String text) {
    if (over) {
      return;
    }
    outbox.add(text);
    if (!sending) {
      sending = true;
      flush();
    }
  }

  private void flush() {
    if (over || outbox.isEmpty()) {
      sending = false;
      return;
    }
    List<Object> batch = new ArrayList<>(outbox);
    outbox.clear();
    String body = new JsonArray(batch).encode();
    post(sendClient, "/xhr_send", body).onComplete(ar -> {
      if (over) {
        return;
      }
      if (ar.succeeded() && ar.result().status == 204) {
        flush();
      } else {
        ended("xhr_send of " + batch.size() + " frame(s) failed: " + (ar.succeeded()
            ? "HTTP " + ar.result().status + " from " + ar.result().upstream + " " + quote(ar.result().body)
            : String.valueOf(ar.cause())));
      }
    });
  }

  // Ending -----------------------------------------------------------------------------------------

  @Override
  public void close(String why) {
    ended(why);
  }

  private void ended(String why) {
    if (over) {
      return;
    }
    over = true;
    // Closing the clients cuts a poll the server holds: vertx-web then ends the session at once
    // (otherwise it ends by sockjs.sessionTimeoutMs without polls).
    shutdown();
    events.onClosed(why);
  }

  private void shutdown() {
    pollClient.close();
    sendClient.close();
  }

  // HTTP -------------------------------------------------------------------------------------------

  private record Answer(int status, String body, String upstream) {
  }

  private Future<Answer> post(HttpClient client, String suffix, String body) {
    Future<HttpClientRequest> request;
    try {
      request = client.request(HttpMethod.POST, port, "127.0.0.1", sessionUrl + suffix + query);
    } catch (IllegalStateException e) { // closed meanwhile
      return Future.failedFuture(e);
    }
    return request.compose(req -> {
      req.idleTimeout(POLL_IDLE_TIMEOUT_MS);
      if (body != null) {
        req.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain;charset=UTF-8");
      }
      return (body == null ? req.send() : req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> {
            String upstream = Link.lastUpstream(resp.getHeader(Nginx.UPSTREAM_HEADER));
            if (resp.statusCode() / 100 == 2) {
              servedBy.add(upstream);
            }
            return new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8), upstream);
          }));
    });
  }

  private static String quote(String s) {
    return new JsonArray().add(s == null ? "" : s).encode();
  }
}
