package io.roomcast.http;

import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.file.Path;

/**
 * The HTTP verticle (one instance per event loop): serves {@code webroot/}, upgrades the ws path to a
 * WebSocket and hands each socket to its {@link Gateway}. Instances share one listening port.
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
    router.get(config.http().wsPath()).handler(this::upgrade);
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

  private void upgrade(RoutingContext ctx) {
    String nick = ctx.request().getParam("nick");
    ctx.request().toWebSocket()
        .onSuccess(ws -> gateway.open(new WebSocketTransport(ws), nick))
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
