package io.roomcast;

import io.roomcast.bot.EchoBotVerticle;
import io.roomcast.chat.ChatVerticle;
import io.roomcast.chat.LocalCodec;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.http.HttpVerticle;
import io.roomcast.http.NodeServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Deploys one Roomcast node on a Vert.x instance:
 *
 * <pre>
 *   browsers/programs ──WebSocket /ws──▶ HttpVerticle ×N (one per event loop; sockets + local room index)
 *                                           │  roomcast.internal.commands (request/reply)
 *                                           ▼
 *                                      ChatVerticle ×1 (rooms, nicks, seq, history)
 *                                           │  roomcast.internal.deliver (publish, encoded once)
 *                                           └──▶ every HttpVerticle ──▶ its member sockets
 *   other verticles (EchoBotVerticle, yours) ──roomcast.publish / .direct / .presence / .rooms / .events.&lt;room&gt;
 * </pre>
 */
public final class Roomcast {
  private final Vertx vertx;
  private final List<HttpVerticle> http;
  private final List<String> deployments;

  private Roomcast(Vertx vertx, List<HttpVerticle> http, List<String> deployments) {
    this.vertx = vertx;
    this.http = http;
    this.deployments = deployments;
  }

  /** Deploys the chat verticle, the HTTP verticles and the enabled bots. */
  public static Future<Roomcast> deploy(Vertx vertx, RoomcastConfig config) {
    return deploy(vertx, config, null);
  }

  /**
   * Deploys with a SockJS session directory: SockJS requests for sessions another node holds are
   * forwarded there ({@code null}: a single node, nothing forwarded).
   */
  public static Future<Roomcast> deploy(Vertx vertx, RoomcastConfig config, io.roomcast.http.SessionDirectory sockJsSessions) {
    LocalCodec.registerAll(vertx.eventBus());
    List<HttpVerticle> http = new CopyOnWriteArrayList<>();
    List<String> ids = new CopyOnWriteArrayList<>();
    int instances = config.httpInstances();
    // Port 0 with several instances: a negative port makes them share one random port.
    int port = config.http().port() == 0 && instances > 1 ? -1 : config.http().port();
    NodeServices services = NodeServices.create(config, sockJsSessions);
    return vertx.deployVerticle(new ChatVerticle(config))
        .compose(id -> {
          ids.add(id);
          return vertx.deployVerticle(() -> {
            HttpVerticle v = new HttpVerticle(config, port, services);
            http.add(v);
            return v;
          }, new DeploymentOptions().setInstances(instances));
        })
        .compose(id -> {
          ids.add(id);
          return config.bots().echo()
              ? vertx.deployVerticle(new EchoBotVerticle(config.limits().maxTextLength())).onSuccess(ids::add)
              : Future.succeededFuture();
        })
        .map(v -> new Roomcast(vertx, http, ids));
  }

  /** The port clients connect to. */
  public int port() {
    return http.get(0).actualPort();
  }

  /** Open client sessions on this node. */
  public int sessions() {
    return http.stream().mapToInt(v -> v.gateway().sessionCount()).sum();
  }

  public Future<Void> undeploy() {
    Future<Void> f = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      f = f.compose(v -> vertx.undeploy(id));
    }
    return f;
  }
}
