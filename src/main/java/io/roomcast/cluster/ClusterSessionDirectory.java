package io.roomcast.cluster;

import io.roomcast.http.SessionDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The cluster-wide {@link SessionDirectory}: a Vert.x shared async map (a Hazelcast map in clustered
 * mode) from SockJS session id to {@code "<nodeId> <host:port>"} of the node holding it. Entries carry
 * the cluster node id because a node that dies cannot remove its own entries: a holder that is no
 * longer a cluster member counts as absent, and its entry is removed when met (and by a periodic
 * sweep, for sessions nobody asks about again). Outside a cluster every holder counts as alive.
 */
public final class ClusterSessionDirectory implements SessionDirectory {
  /** The shared map's name. */
  public static final String MAP = "roomcast.sockjs.sessions";
  private static final Logger LOG = Logger.getLogger("io.roomcast.sockjs");
  /** A claim that meets a dead holder replaces it; this bounds the retries when others race for it. */
  private static final int CLAIM_ATTEMPTS = 3;
  private static final long SWEEP_MS = 5 * 60_000;

  private final Vertx vertx;
  private final Supplier<String> selfAddress;
  private Future<AsyncMap<String, String>> map;

  /**
   * {@code selfAddress} gives this node's HTTP {@code host:port} as other nodes reach it; it is read at
   * each claim, so it may be known only once the HTTP server listens.
   */
  public ClusterSessionDirectory(Vertx vertx, Supplier<String> selfAddress) {
    this.vertx = vertx;
    this.selfAddress = selfAddress;
    // Spread over the nodes, so they do not all sweep at once.
    long first = SWEEP_MS / 2 + ThreadLocalRandom.current().nextLong(SWEEP_MS);
    vertx.setTimer(first, t -> {
      sweep();
      vertx.setPeriodic(SWEEP_MS, p -> sweep());
    });
  }

  @Override
  public Future<String> claim(String session) {
    String mine = nodeId() + " " + self();
    return map().compose(m -> claim(m, session, mine, CLAIM_ATTEMPTS));
  }

  private Future<String> claim(AsyncMap<String, String> m, String session, String mine, int attempts) {
    return m.putIfAbsent(session, mine).compose(previous -> {
      if (previous == null || previous.equals(mine)) {
        return Future.succeededFuture(null);
      }
      if (alive(previous)) {
        return Future.succeededFuture(address(previous));
      }
      if (attempts <= 1) {
        return Future.failedFuture(new IllegalStateException("could not claim SockJS session " + session));
      }
      // Replace the dead holder only if nobody did meanwhile, then settle who won.
      return m.replaceIfPresent(session, previous, mine)
          .compose(replaced -> replaced ? Future.succeededFuture(null) : claim(m, session, mine, attempts - 1));
    });
  }

  @Override
  public Future<String> lookup(String session) {
    return map().compose(m -> m.get(session).compose(holder -> {
      if (holder == null) {
        return Future.succeededFuture(null);
      }
      if (!alive(holder)) {
        m.removeIfPresent(session, holder);
        return Future.succeededFuture(null);
      }
      return Future.succeededFuture(address(holder));
    }));
  }

  /**
   * Removes the session's entry, whoever holds it: the holder calls this once the session has ended,
   * and another node when the holder cannot be reached any more.
   */
  @Override
  public void release(String session) {
    map().compose(m -> m.remove(session))
        .onFailure(e -> LOG.warning("could not release SockJS session " + session + ": " + e));
  }

  @Override
  public String self() {
    return selfAddress.get();
  }

  private synchronized Future<AsyncMap<String, String>> map() {
    if (map == null || map.failed()) {
      map = vertx.sharedData().getAsyncMap(MAP);
    }
    return map;
  }

  private ClusterManager clusterManager() {
    return vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }

  private String nodeId() {
    ClusterManager cm = clusterManager();
    return cm == null ? "local" : cm.getNodeId();
  }

  /** Whether the entry's node is a cluster member. */
  private boolean alive(String entry) {
    ClusterManager cm = clusterManager();
    return cm == null || cm.getNodes().contains(nodeOf(entry));
  }

  private static String nodeOf(String entry) {
    return entry.substring(0, entry.indexOf(' '));
  }

  private static String address(String entry) {
    return entry.substring(entry.indexOf(' ') + 1);
  }

  /** Removes the entries of nodes that have left the cluster. */
  private void sweep() {
    ClusterManager cm = clusterManager();
    if (cm == null) {
      return;
    }
    map().compose(m -> m.entries().map(entries -> {
      Set<String> members = Set.copyOf(cm.getNodes());
      List<Future<Boolean>> removals = new ArrayList<>();
      for (Map.Entry<String, String> e : entries.entrySet()) {
        if (!members.contains(nodeOf(e.getValue()))) {
          removals.add(m.removeIfPresent(e.getKey(), e.getValue()));
        }
      }
      return removals.size();
    })).onSuccess(n -> {
      if (n > 0) {
        LOG.info("removing " + n + " SockJS sessions of nodes that left the cluster");
      }
    }).onFailure(e -> LOG.warning("SockJS session sweep failed: " + e));
  }
}
