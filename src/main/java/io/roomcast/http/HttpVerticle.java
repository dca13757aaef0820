package io.roomcast.http;

import io.netty.channel.Channel;
import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.nio.file.Path;

/**
 * The HTTP verticle (one instance per event loop): serves {@code webroot/} and {@code /health},
 * upgrades the ws path to a WebSocket, bridges SockJS fallback clients from the sockjs path, and hands
 * every connection to its {@link Gateway}. Instances share one listening port.
 */
public final class HttpVerticle extends VerticleBase {
  private final RoomcastConfig config;
  private final int port;
  private final NodeServices node;
  private HttpServer server;
  private Gateway gateway;
  private WebSocketUpgrade.Endpoint wsEndpoint;
  /** Forwards SockJS requests to the node holding their session (cluster only); a field, as Vert.x 5
   *  closes clients nobody references. */
  private HttpClient sockJsForwardClient;

  /** {@code port} overrides the configured one (a negative port shares one random port among instances). */
  public HttpVerticle(RoomcastConfig config, int port, NodeServices node) {
    this.config = config;
    this.port = port;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    gateway = new Gateway(vertx, config, node);
    Router router = Router.router(vertx);
    OriginCheck origins = new OriginCheck(config.http().allowedOrigins());
    router.get("/health").handler(new HealthRoute(vertx, node)::handle);
    // WebSocket upgrades are taken before the router (WebSocketUpgrade); what reaches it here is a
    // request that is not one, or one from a foreign origin (403).
    router.get(config.http().wsPath()).handler(origins::handle).handler(ctx ->
        ctx.response().setStatusCode(400).end("expected a WebSocket upgrade\n"));
    wsEndpoint = new WebSocketUpgrade.Endpoint(config.http().wsPath(), origins, node, gateway,
        config.limits().maxFrameBytes(), config.http().upgradeTimeoutMs());
    if (config.sockjs().enabled()) {
      mountSockJs(router, origins);
    }
    // The UI is small and changes with every release: browsers revalidate instead of running a stale copy.
    router.route().handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      ctx.next();
    });
    router.route().handler(staticHandler(config.http().webroot()));

    // Heartbeat pings keep healthy WebSockets busy; this only ends connections nobody uses.
    int idleSeconds = (int) Math.max(30, 2 * (config.heartbeat().idleTimeoutMs() + config.heartbeat().intervalMs()) / 1000);
    // No h2c: with it, Vert.x creates the connection (and calls connectionHandler, which starts the
    // upgrade deadline) only once the first request head is complete, so a client that sends nothing
    // or half a head was never timed out. WebSocket and SockJS only need HTTP/1.1.
    HttpServerOptions options = new HttpServerOptions()
        .setHttp2ClearTextEnabled(false)
        // For SockJS's websocket transport; /ws is upgraded by WebSocketUpgrade. No permessage-deflate
        // (browsers always offer it): it would compress every frame once per recipient.
        .setMaxWebSocketFrameSize(config.limits().maxFrameBytes())
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // With one HTTP verticle every response is written on its event loop, so Vert.x may write an
        // HTTP connection's output directly instead of through a thread-safe queue: that queue (a
        // 1,025-slot array) stays alive with every WebSocket, about 4.8 KB per connection. With
        // several, vertx-web's SockJS sessions (shared by all of them) write to polls that arrived
        // on another event loop, which strict thread mode refuses.
        .setStrictThreadMode(config.httpInstances() == 1)
        .setIdleTimeout(idleSeconds);
    server = vertx.createHttpServer(options)
        .connectionHandler(this::onConnection)
        .requestHandler(router);
    return Future.join(gateway.start(), server.listen(port, config.http().host()));
  }

  @Override
  public Future<?> stop() {
    return gateway.stop().eventually(() -> server.close());
  }

  /** The port this instance listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  public Gateway gateway() {
    return gateway;
  }

  /**
   * Every HTTP/1 connection gets a {@link WebSocketUpgrade} just before Vert.x's handler: it upgrades
   * the ws path and enforces http.upgradeTimeoutMs on the first request.
   */
  private void onConnection(HttpConnection conn) {
    Channel channel = Channels.of(conn);
    if (channel != null && channel.pipeline().get(WebSocketUpgrade.VERTX_HANDLER) != null) {
      channel.pipeline().addBefore(WebSocketUpgrade.VERTX_HANDLER, "wsUpgrade", new WebSocketUpgrade(wsEndpoint));
    }
  }

  /**
   * The SockJS fallback: every transport vertx-web offers, each message one protocol frame, fed to the
   * same gateway as {@code /ws}. The iframe transport loads the client library from our own webroot.
   */
  private void mountSockJs(Router router, OriginCheck origins) {
    RoomcastConfig.SockJs sockjs = config.sockjs();
    String all = sockjs.path() + "/*";
    int maxFrame = config.limits().maxFrameBytes();
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .setHeartbeatInterval(sockjs.heartbeatMs())
        .setSessionTimeout(sockjs.sessionTimeoutMs())
        .setInsertJSESSIONID(false)
        .setLibraryURL("/js/vendor/sockjs.min.js");
    router.route(all).handler(origins::handle);
    // xhr_send bodies are JSON arrays of escaped strings: allow room for escaping, then check each
    // message against maxFrameBytes in the transport.
    router.post(all).handler(BodyHandler.create(false).setBodyLimit(maxFrame * 6L + 1024));
    // In a cluster, requests for a session another node holds go there (after the body is read).
    SockJsForwarder forwarder = null;
    if (node.sockJsSessions() != null) {
      sockJsForwardClient = SockJsForwarder.createClient(vertx, config.limits().maxConnections());
      forwarder = new SockJsForwarder(vertx, sockJsForwardClient, node.sockJsSessions(), sockjs.path(),
          sockjs.heartbeatMs(), sockjs.sessionTimeoutMs());
      router.route(all).handler(forwarder);
    }
    SockJsForwarder forwarding = forwarder;
    router.route(all).subRouter(SockJSHandler.create(vertx, options).socketHandler(socket -> {
      if (forwarding != null) {
        forwarding.opened(socket); // released from the directory once it ends
      }
      SockJsTransport transport = new SockJsTransport(vertx, socket, maxFrame);
      String ip = node.guard().clientIp(socket.routingContext().request());
      ConnectionGuard.Verdict verdict = node.guard().admit(ip);
      if (verdict != ConnectionGuard.Verdict.ADMITTED) {
        // SockJS has no HTTP status for a refused session: the same refusals as close codes.
        boolean perIp = verdict == ConnectionGuard.Verdict.TOO_MANY_FROM_IP;
        node.refusals().count(perIp ? "too_many_connections_from_ip" : "server_full", ip);
        transport.close(perIp ? 4429 : 4503, perIp ? "too many connections from your address" : "server full");
        return;
      }
      transport.bind(gateway.open(transport, WebSocketUpgrade.nick(socket.uri()), ip));
    }));
  }

  private static StaticHandler staticHandler(String webroot) {
    // An absolute webroot is served as is; a relative one from the working directory, falling back to
    // the copy inside the jar, so `java -jar` works from any directory.
    return Path.of(webroot).isAbsolute()
        ? StaticHandler.create(FileSystemAccess.ROOT, webroot).setCachingEnabled(false)
        : StaticHandler.create(webroot).setCachingEnabled(false);
  }
}
