package io.roomcast.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.roomcast.chat.Listeners;
import io.roomcast.chat.ClusterView;
import io.roomcast.config.ConfigException;
import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.impl.transports.IoUringTransport;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.transport.Transport;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Creates the Vert.x instance of a node: plain, or clustered with Hazelcast when
 * {@code cluster.enabled}. Members find each other by the TCP/IP member list (multicast only when
 * asked for: it rarely works in data centres). A member that stops answering heartbeats for 5 s is
 * dropped, so a dead node's sessions are released well within 10 s.
 */
public final class Cluster {
  private Cluster() {
  }

  /**
   * A started Vert.x instance for this config; failed with a {@link ConfigException} when
   * {@code http.transport} names a transport this machine cannot load.
   */
  public static Future<Vertx> vertx(RoomcastConfig config) {
    RoomcastConfig.Cluster c = config.cluster();
    Transport transport;
    try {
      transport = transport(config.http().transport());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    // The metrics slot holds the registry of local consumers (Listeners), nothing else.
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(config.eventLoops())
        .setMetricsOptions(new MetricsOptions().setEnabled(true));
    VertxBuilder builder = Vertx.builder().with(options).withTransport(transport)
        .withMetrics(o -> new Listeners());
    if (!c.enabled()) {
      return Future.succeededFuture(builder.build());
    }
    Logger.getLogger("com.hazelcast").setLevel(Level.WARNING);
    String publicHost = c.publicHost().isEmpty() ? c.host() : c.publicHost();
    options.setEventBusOptions(new EventBusOptions()
        .setHost(c.host()).setPort(c.eventBusPort()).setClusterPublicHost(publicHost));
    if (c.lingerMicros() > 0) {
      builder.withTransport(lingering(transport, c.lingerMicros()));
    }
    return builder.withClusterManager(new HazelcastClusterManager(hazelcast(c))).buildClustered();
  }

  /**
   * The transport {@code http.transport} names. {@code auto} prefers io_uring: a fan-out writes one
   * frame to each of many sockets in one event-loop turn, and io_uring submits all of those writes
   * with one system call where epoll makes one per socket (on a kernel with page-table isolation
   * every system call's entry and exit is dear). Kernels and container profiles that forbid io_uring
   * get epoll, and anything else NIO.
   */
  static Transport transport(String name) {
    return switch (name) {
      case "io_uring" -> available(IoUringRings.TRANSPORT, name);
      case "epoll" -> available(Transport.EPOLL, name);
      case "nio" -> Transport.NIO;
      default -> IoUringRings.TRANSPORT.available() ? IoUringRings.TRANSPORT
          : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
    };
  }

  /**
   * {@code t}, with the node's outgoing connections (its event bus links to the other nodes) holding
   * each flush back for {@code micros}: see {@link LingerTransport}.
   */
  private static Transport lingering(Transport t, long micros) {
    return withImplementation(t, () -> new LingerTransport(t.implementation(), micros));
  }

  /** {@code t} under its own name and availability, whose Netty side {@code implementation} makes. */
  static Transport withImplementation(Transport t,
      java.util.function.Supplier<io.vertx.core.spi.transport.Transport> implementation) {
    return new Transport() {
      @Override
      public String name() {
        return t.name();
      }

      @Override
      public boolean available() {
        return t.available();
      }

      @Override
      public Throwable unavailabilityCause() {
        return t.unavailabilityCause();
      }

      @Override
      public io.vertx.core.spi.transport.Transport implementation() {
        return implementation.get();
      }
    };
  }

  private static Transport available(Transport t, String name) {
    if (!t.available()) {
      Throwable cause = t.unavailabilityCause();
      throw new ConfigException("http.transport is " + name + ", which this machine cannot use: "
          + (cause == null ? "not available" : cause.getMessage()));
    }
    return t;
  }

  /** The name ({@code io_uring}, {@code epoll} or {@code nio}) of the transport a Vert.x instance runs on. */
  public static String transportName(Vertx vertx) {
    io.vertx.core.spi.transport.Transport t = LingerTransport.unwrap(((VertxInternal) vertx).transport());
    return t instanceof IoUringTransport ? "io_uring" : t instanceof EpollTransport ? "epoll" : "nio";
  }

  /** The Hazelcast config: Vert.x's own (its maps and event bus subscriptions), then our network. */
  static Config hazelcast(RoomcastConfig.Cluster c) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(c.name());
    boolean anyInterface = c.host().equals("0.0.0.0");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // Vert.x and our own shutdown hook leave the cluster in order; Hazelcast's would race them.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", String.valueOf(anyInterface));
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    // The first node of a cluster otherwise waits 5 s for others before it starts alone.
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    // Hazelcast's own metrics are collected every few seconds whether anyone reads them or not; on a
    // node that shares its core with the sockets, that is CPU taken from the chat.
    hz.getMetricsConfig().setEnabled(false);
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(c.port()).setPortAutoIncrement(true);
    if (!anyInterface) {
      net.getInterfaces().setEnabled(true).addInterface(c.host());
    }
    if (!c.publicHost().isEmpty()) {
      net.setPublicAddress(c.publicHost());
    }
    JoinConfig join = net.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(c.multicast());
    join.getTcpIpConfig().setEnabled(!c.multicast()).setMembers(c.members()).setConnectionTimeoutSeconds(2);
    return hz;
  }

  /** This node's id in the cluster ({@code "local"} when not clustered). */
  public static String nodeId(Vertx vertx) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return cm == null ? "local" : cm.getNodeId();
  }

  /** The chat's view of the cluster this Vert.x instance belongs to. */
  public static ClusterView view(Vertx vertx) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return cm instanceof HazelcastClusterManager h ? new HazelcastView(h) : ClusterView.single();
  }

  /**
   * Stops a node the hard way, as a crash would: Hazelcast leaves without handing anything over and
   * sockets drop. For failure tests and drills.
   */
  public static Future<Void> crash(Vertx vertx) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    if (cm instanceof HazelcastClusterManager h) {
      HazelcastInstance hz = h.getHazelcastInstance();
      hz.getLifecycleService().terminate();
    }
    return vertx.close();
  }
}
