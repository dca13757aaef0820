package io.roomcast.http;

import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * The HTTP verticle (one instance per event loop): serves {@code webroot/}, upgrades the ws path to a
 * WebSocket, bridges SockJS fallback clients from the sockjs path, and hands every connection to its
 * {@link Gateway}. Instances share one listening port.
 */
public final class HttpVerticle extends VerticleBase {
  private final RoomcastConfig config;
  private final int port;
  private HttpServer server;
  private Gateway gateway;

  /** {@code port} overrides the configured one (a negative port shares one random port among instances). */
  public HttpVerticle(RoomcastConfig config, int port) {
    this.config = config;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    gateway = new Gateway(vertx, config);
    Router router = Router.router(vertx);
    OriginCheck origins = new OriginCheck(config.http().allowedOrigins());
    router.get(config.http().wsPath()).handler(origins::handle).handler(this::upgrade);
    if (config.sockjs().enabled()) {
      mountSockJs(router, origins);
    }
    router.route().handler(staticHandler(config.http().webroot()));

    HttpServerOptions options = new HttpServerOptions()
        .setMaxWebSocketFrameSize(config.limits().maxFrameBytes())
        .setMaxWebSocketMessageSize(config.limits().maxFrameBytes());
    server = vertx.createHttpServer(options).requestHandler(router);
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
    router.route(all).subRouter(SockJSHandler.create(vertx, options).socketHandler(socket -> {
      SockJsTransport transport = new SockJsTransport(socket, maxFrame);
      transport.bind(gateway.open(transport, nickParam(socket.uri())));
    }));
  }

  private static String nickParam(String uri) {
    return new QueryStringDecoder(uri).parameters().getOrDefault("nick", List.of()).stream().findFirst().orElse(null);
  }

  private void upgrade(RoutingContext ctx) {
    String nick = ctx.request().getParam("nick");
    ctx.request().toWebSocket()
        .onSuccess(ws -> {
          WebSocketTransport transport = new WebSocketTransport(ws);
          transport.bind(gateway.open(transport, nick));
        })
        .onFailure(e -> {
          if (!ctx.response().ended()) {
            ctx.response().setStatusCode(400).end("expected a WebSocket upgrade\n");
          }
        });
  }

  private static StaticHandler staticHandler(String webroot) {
    // An absolute webroot is served as is; a relative one from the working directory, falling back to
    // the copy inside the jar, so `java -jar` works from any directory.
    return Path.of(webroot).isAbsolute()
        ? StaticHandler.create(FileSystemAccess.ROOT, webroot)
        : StaticHandler.create(webroot);
  }
}
