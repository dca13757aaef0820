package io.roomcast.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Sends each SockJS request to the node that holds its session, so that SockJS works behind a
 * round-robin load balancer without sticky sessions. vertx-web keeps a SockJS session in the memory
 * of the node that opened it, while the session's later requests (polls, {@code xhr_send} posts, new
 * streaming requests) may reach any node. Installed in front of the SockJS handler, only in a
 * cluster, for paths {@code <sockjs.path>/<server>/<session>/<transport>}:
 *
 * sessions this node holds, the {@code websocket} transport (a single request) and requests already
 * forwarded once ({@value #FORWARDED} header: no loops) stay here; an opening transport first
 * {@link SessionDirectory#claim claims} the session, so the holder is recorded before the client sees
 * the open frame; a sending transport looks the holder up (unknown sessions get the local 404). A
 * holder that cannot be reached is released and the client gets a SockJS close frame, so it reconnects.
 *
 * <p>The sessions a node holds are kept in a node-local shared map, common to all its HTTP verticles,
 * as vertx-web shares its sessions among them the same way.
 */
public final class SockJsForwarder implements Handler<RoutingContext> {
  /** Marks a request one node has forwarded to another: it is always answered where it lands. */
  public static final String FORWARDED = "X-Roomcast-Forwarded";
  /** The frame of a session whose holder is gone: sockjs-client reports a close and the app reconnects. */
  static final String LOST = "c[1006,\"session lost: its server is gone\"]";
  private static final Logger LOG = Logger.getLogger("io.roomcast.sockjs");
  /** Transports that create the session when it does not exist, with the method they use. */
  private static final Map<String, HttpMethod> OPENING = Map.of("xhr", HttpMethod.POST,
      "xhr_streaming", HttpMethod.POST, "eventsource", HttpMethod.GET, "htmlfile", HttpMethod.GET,
      "jsonp", HttpMethod.GET);
  private static final Set<String> SENDING = Set.of("xhr_send", "jsonp_send");
  /** What follows the SockJS path in a session's URI, as vertx-web's routes match it. */
  private static final Pattern SESSION_URI = Pattern.compile("([^/.]+)/([^/.]+)/([^/?]+)(\\?.*)?");
  /** Headers that describe one hop, not the message (RFC 9110 section 7.6.1), plus what the client recomputes. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "expect");

  private final Vertx vertx;
  private final HttpClient client;
  private final SessionDirectory directory;
  private final String prefix;
  private final long releaseDelayMs;
  private final long idleTimeoutMs;
  private final LocalMap<String, Boolean> held;

  /** {@code client} comes from {@link #createClient}; the caller keeps it (Vert.x 5 closes unreferenced clients). */
  public SockJsForwarder(Vertx vertx, HttpClient client, SessionDirectory directory, String sockJsPath,
      long heartbeatMs, long sessionTimeoutMs) {
    this.vertx = vertx;
    this.client = client;
    this.directory = directory;
    this.prefix = sockJsPath + "/";
    this.releaseDelayMs = sessionTimeoutMs;
    // A holder answers a poll or writes a heartbeat at least every heartbeatMs: silence well beyond
    // that means the holder or the network is gone.
    this.idleTimeoutMs = 2 * heartbeatMs + 5_000;
    this.held = vertx.sharedData().getLocalMap("roomcast.sockjs.held");
  }

  /**
   * The client for forwarded requests: one connection per forwarded poll or stream, without keep-alive
   * (vertx-web closes the connection after each poll it answers: a pooled one could go as it is reused).
   */
  public static HttpClient createClient(Vertx vertx, int maxConnections) {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(2_000),
        new PoolOptions().setHttp1MaxSize(Math.max(16, maxConnections)));
  }

  /** {server, session, transport} of {@code <sockjs.path>/<server>/<session>/<transport>}, or null. */
  private String[] parse(String uri) {
    Matcher m = uri == null || !uri.startsWith(prefix) ? null : SESSION_URI.matcher(uri.substring(prefix.length()));
    return m != null && m.matches() ? new String[] {m.group(1), m.group(2), m.group(3)} : null;
  }

  /**
   * Called for every session the local SockJS handler opens: one this node claimed is released from
   * the directory once it has ended. Not at once: a session the server closed still answers its
   * client's polls with the close frame until it has gone unpolled for the session timeout, and until
   * then its requests must come here rather than open a new session elsewhere.
   */
  public void opened(SockJSSocket socket) {
    String[] parts = parse(socket.uri());
    String session = parts == null ? null : parts[1];
    if (session != null && (held.replace(session, false, true) || Boolean.TRUE.equals(held.get(session)))) {
      socket.endHandler(v -> vertx.setTimer(releaseDelayMs, t -> {
        held.remove(session);
        directory.release(session);
      }));
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String[] parts = parse(req.path());
    if (parts == null || req.getHeader(FORWARDED) != null || held.containsKey(parts[1])) {
      ctx.next();
      return;
    }
    String session = parts[1];
    String transport = parts[2];
    boolean opening = OPENING.get(transport) == req.method();
    if (!opening && !SENDING.contains(transport)) {
      ctx.next(); // websocket (one request, nothing follows), CORS preflights, wrong methods: as usual
      return;
    }
    // Opening transports claim first, so the holder is recorded before the client sees the open frame.
    whenDone(opening ? directory.claim(session) : directory.lookup(session), ctx, holder -> {
      if (holder != null && !holder.equals(directory.self())) {
        proxy(ctx, holder, transport, session);
        return;
      }
      if (opening) {
        held.put(session, false); // claimed; opened() marks it open
        // A request the local handler refuses (say jsonp without a callback) opens nothing: unclaim.
        // Checked a while after the answer, as vertx-web answers "o" before it calls opened().
        ctx.addEndHandler(ar -> vertx.setTimer(releaseDelayMs, t -> {
          if (held.remove(session, false)) {
            directory.release(session);
          }
        }));
      }
      ctx.next();
    });
  }

  /** Continues on the request's own context: a clustered directory may answer on another thread. */
  private void whenDone(Future<String> holder, RoutingContext ctx, Handler<String> then) {
    Context context = vertx.getOrCreateContext();
    holder.onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        // Without the directory, this node can still serve the session if the request is its own.
        LOG.warning("SockJS session directory failed, handling " + ctx.request().path() + " here: " + ar.cause());
        ctx.next();
      } else {
        then.handle(ar.result());
      }
    }));
  }

  private void proxy(RoutingContext ctx, String holder, String transport, String session) {
    HttpServerRequest req = ctx.request();
    HttpServerResponse resp = ctx.response();
    int colon = holder.lastIndexOf(':');
    String host = holder.substring(0, colon).replaceAll("^\\[|\\]$", ""); // an IPv6 host may be bracketed
    int port = Integer.parseInt(holder.substring(colon + 1));
    MultiMap headers = copyHeaders(req.headers(), HttpHeaders.headers()).set(FORWARDED, "1");
    if (req.remoteAddress() != null) {
      String xff = req.getHeader("X-Forwarded-For");
      String peer = req.remoteAddress().hostAddress();
      headers.set("X-Forwarded-For", xff == null ? peer : xff + ", " + peer);
    }
    Buffer body = ctx.body().available() ? ctx.body().buffer() : null;
    RequestOptions options = new RequestOptions().setMethod(req.method()).setURI(req.uri()).setHeaders(headers)
        .setServer(SocketAddress.inetSocketAddress(port, host)).setHost(host).setPort(port)
        .setIdleTimeout(idleTimeoutMs);
    resp.exceptionHandler(e -> { }); // a client that goes away is handled by the close handler
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        onUpstreamFailure(ctx, ar.cause(), holder, transport, session);
        return;
      }
      HttpClientRequest upstream = ar.result();
      // The holder sees the Host the client used, so that its same-origin check agrees with ours.
      if (req.authority() != null) {
        upstream.authority(req.authority());
      }
      // The client went away (closed the page, cut its poll): so does the request to the holder, which
      // then ends the session as it would for a direct client.
      resp.closeHandler(v -> {
        if (!resp.ended()) {
          upstream.reset();
        }
      });
      (body == null ? upstream.send() : upstream.send(body)).onComplete(sent -> {
        if (sent.failed()) {
          onUpstreamFailure(ctx, sent.cause(), holder, transport, session);
        } else {
          relay(req, resp, sent.result());
        }
      });
    });
  }

  /** Streams the holder's answer back as it comes (xhr_streaming and eventsource never end by themselves). */
  private static void relay(HttpServerRequest req, HttpServerResponse resp, HttpClientResponse upstream) {
    resp.setStatusCode(upstream.statusCode()).setStatusMessage(upstream.statusMessage());
    copyHeaders(upstream.headers(), resp.headers());
    String length = upstream.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else if (req.version() != HttpVersion.HTTP_1_0) {
      resp.setChunked(true);
    }
    upstream.pipe().endOnFailure(false).to(resp).onFailure(e -> {
      // Cut short: the client must not take a truncated answer for a whole one.
      if (!resp.ended()) {
        resp.reset();
      }
      upstream.request().reset();
    });
  }

  private void onUpstreamFailure(RoutingContext ctx, Throwable cause, String holder, String transport, String session) {
    HttpServerResponse resp = ctx.response();
    if (resp.closed() || resp.headWritten()) {
      return;
    }
    boolean unreachable = cause instanceof ConnectException || cause instanceof NoRouteToHostException
        || cause instanceof UnknownHostException;
    if (!unreachable) {
      // The holder was reached but the exchange broke: it may be alive, so its entry stays.
      resp.setStatusCode(502).end();
      return;
    }
    LOG.info("SockJS session " + session + " lost: its holder " + holder + " is unreachable (" + cause + ")");
    directory.release(session);
    answerLost(ctx, transport);
  }

  /** What SockJS answers for a session that closed, in the framing of each transport. */
  private static void answerLost(RoutingContext ctx, String transport) {
    HttpServerResponse resp = ctx.response();
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin == null ? "*" : origin)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, String.valueOf(origin != null))
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store, no-cache, no-transform, must-revalidate, max-age=0");
    String c = ctx.request().getParam("c");
    String callback = c != null ? c : ctx.request().getParam("callback");
    String quoted = new JsonArray().add(LOST).encode().replaceAll("^\\[|\\]$", ""); // a JavaScript string literal
    switch (transport) {
      case "xhr", "xhr_streaming" -> resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/javascript; charset=UTF-8")
          .end(LOST + "\n");
      case "eventsource" -> resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=UTF-8")
          .end("\r\ndata: " + LOST + "\r\n\r\n");
      case "jsonp", "htmlfile" -> {
        if (callback == null || !callback.matches("[a-zA-Z0-9_.]+")) {
          resp.setStatusCode(500).end("\"callback\" parameter required\n");
        } else if (transport.equals("jsonp")) {
          resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/javascript; charset=UTF-8")
              .end("/**/" + callback + "(" + quoted + ");\r\n");
        } else { // htmlfile: the iframe page that hands each frame to its parent's callback
          resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=UTF-8").end("<!doctype html>\n<html><head>"
              + "<script>\ndocument.domain = document.domain;\nvar c = parent." + callback + ";\nc.start();\n"
              + "c.message(" + quoted + ");\nc.stop();\n</script></head><body></body></html>\n");
        }
      }
      default -> resp.setStatusCode(404).end(); // xhr_send, jsonp_send: as for any closed session
    }
  }

  /** Copies the end-to-end headers: not the hop-by-hop ones, nor those that Connection names as such. */
  private static MultiMap copyHeaders(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaders.CONNECTION);
    Set<String> named = connection == null ? Set.of() : Arrays.stream(connection.toLowerCase(Locale.ROOT).split(","))
        .map(String::trim).collect(Collectors.toSet());
    from.forEach((name, value) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(n) && !named.contains(n)) {
        to.add(name, value);
      }
    });
    return to;
  }
}
