package io.roomcast;

import io.roomcast.bot.EchoBotVerticle;
import io.roomcast.chat.ChatVerticle;
import io.roomcast.chat.ClusterView;
import io.roomcast.chat.ChatCodecs;
import io.roomcast.chat.LocalChat;
import io.roomcast.cluster.Cluster;
import io.roomcast.cluster.ClusterSessionDirectory;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.http.HttpVerticle;
import io.roomcast.http.NodeServices;
import io.roomcast.http.SessionDirectory;
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
 *                                           │  roomcast.internal.commands (request/reply; on the
 *                                           │  chat's own node a task on its loop: LocalChat)
 *                                           ▼
 *                                      ChatVerticle ×1 (rooms, nicks, seq, history)
 *                                           │  encoded once; a task on each HttpVerticle's loop (LocalChat),
 *                                           │  in a cluster roomcast.internal.deliver@node (publish)
 *                                           └──▶ every HttpVerticle ──▶ its member sockets
 *   other verticles (EchoBotVerticle, yours) ──roomcast.publish / .direct / .presence / .rooms / .events.&lt;room&gt;
 *
 *   clustered (Hazelcast): every node runs all of the above; only the oldest node's ChatVerticle is
 *   active, it copies each change to the second oldest (its follower) before answering, with what it says to the
 *   follower's HttpVerticles; its deliveries reach the HttpVerticles of every other node over the event bus. SockJS requests for a session held by another node are forwarded there.
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

  /**
   * Starts a node: creates its Vert.x instance (clustered when {@code cluster.enabled}) and deploys.
   * On failure the Vert.x instance is closed (not awaited: the caller hears of the failure first).
   */
  public static Future<Roomcast> start(RoomcastConfig config) {
    return Cluster.vertx(config).compose(vertx -> {
      SessionDirectory sessions = null;
      List<HttpVerticle> http = new CopyOnWriteArrayList<>();
      if (config.cluster().enabled()) {
        sessions = new ClusterSessionDirectory(vertx, () -> httpAddress(config, http.get(0).actualPort()));
      }
      return deploy(vertx, config, sessions, http).onFailure(e -> vertx.close());
    });
  }

  /** Where other nodes reach this node's HTTP server (to forward SockJS requests). */
  private static String httpAddress(RoomcastConfig config, int port) {
    RoomcastConfig.Cluster c = config.cluster();
    if (!c.httpAddress().isEmpty()) {
      return c.httpAddress();
    }
    String host = !c.publicHost().isEmpty() ? c.publicHost() : c.host().equals("0.0.0.0") ? "127.0.0.1" : c.host();
    return host + ":" + port;
  }

  /** Deploys the chat verticle, the HTTP verticles and the enabled bots. */
  public static Future<Roomcast> deploy(Vertx vertx, RoomcastConfig config) {
    return deploy(vertx, config, null);
  }

  /**
   * Deploys with a SockJS session directory: SockJS requests for sessions another node holds are
   * forwarded there ({@code null}: a single node, nothing forwarded).
   */
  public static Future<Roomcast> deploy(Vertx vertx, RoomcastConfig config, SessionDirectory sockJsSessions) {
    return deploy(vertx, config, sockJsSessions, new CopyOnWriteArrayList<>());
  }

  private static Future<Roomcast> deploy(Vertx vertx, RoomcastConfig config, SessionDirectory sockJsSessions,
      List<HttpVerticle> http) {
    ChatCodecs.registerAll(vertx.eventBus(), config.limits().maxTextLength());
    List<String> ids = new CopyOnWriteArrayList<>();
    int instances = config.httpInstances();
    // Port 0 with several instances: a negative port makes them share one random port.
    int port = config.http().port() == 0 && instances > 1 ? -1 : config.http().port();
    ClusterView view = Cluster.view(vertx);
    LocalChat local = new LocalChat();
    NodeServices services = NodeServices.create(config, view, local, sockJsSessions);
    return vertx.deployVerticle(new ChatVerticle(config, view, local))
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
              ? vertx.deployVerticle(new EchoBotVerticle(config.limits().maxTextLength(), view::isLeader)).onSuccess(ids::add)
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

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Leaves cleanly: clients are told to go (1001) and their sessions closed, the chat's last
   * changes are stored, then the node leaves the cluster (which hands its data over) and stops.
   */
  public Future<Void> close() {
    return undeploy().eventually(vertx::close);
  }

  /** Stops abruptly, as a crash would (for failure tests): nothing is handed over. */
  public Future<Void> crash() {
    return Cluster.crash(vertx);
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
