package io.roomcast.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The whole validated configuration. Built only by {@link #from(JsonObject)} from a JSON tree that
 * {@link ConfigLoader} has already checked for unknown keys and wrong types; this class checks ranges.
 */
public record RoomcastConfig(Http http, SockJs sockjs, Limits limits, Heartbeat heartbeat, Rooms rooms, Bots bots,
    Cluster cluster) {

  /**
   * HTTP server settings; {@code instances} 0 means one HTTP verticle per CPU core, and
   * {@code eventLoops} 0 one event loop per CPU core (see {@link #eventLoops()}). {@code transport} is
   * the node's network transport: {@code auto} (io_uring where the kernel allows it, else epoll, else
   * NIO), {@code io_uring}, {@code epoll} or {@code nio}. An empty
   * {@code allowedOrigins} admits same-origin browser pages only; {@code ["*"]} admits any.
   */
  public record Http(String host, int port, int instances, int eventLoops, String transport, String webroot,
      String wsPath, List<String> allowedOrigins, List<String> trustedProxies, long upgradeTimeoutMs) {
  }

  /** The SockJS fallback endpoint; heartbeat and session timeout are SockJS's own. */
  public record SockJs(boolean enabled, String path, long heartbeatMs, long sessionTimeoutMs) {
  }

  /**
   * Per-connection and per-server limits: frame and text size, rooms, the outbound queue that marks a
   * slow consumer, the frame rate (token bucket) and the connection caps.
   */
  public record Limits(int maxFrameBytes, int maxTextLength, int maxRoomsPerConnection, int maxQueueBytes,
      int ratePerSecond, int rateBurst, int floodCloseAfter, int maxConnections, int maxConnectionsPerIp) {
  }

  public record Heartbeat(long intervalMs, long idleTimeoutMs) {
  }

  public record Rooms(int historySize, int maxIdleRooms) {
  }

  public record Bots(boolean echo) {
  }

  /**
   * Clustered mode (Hazelcast): {@code host}/{@code port} are where this member binds (the port
   * auto-increments when taken, so nodes on one host can share a config), {@code publicHost} is the
   * address other members reach it at when it differs (NAT, containers), {@code members} the TCP/IP
   * join list ({@code "host"} or {@code "host:port"}). {@code httpAddress} ({@code host:port}) is where
   * other nodes forward SockJS requests for sessions this node holds; empty means the public (or
   * cluster) host with the HTTP port. {@code requestTimeoutMs} bounds a gateway's wait for the chat.
   * {@code lingerMicros} is how long a node holds what it sends another node before the system call,
   * so that what it sends meanwhile goes along (0: every message at once).
   */
  public record Cluster(boolean enabled, String name, String host, int port, String publicHost, int eventBusPort,
      List<String> members, boolean multicast, String httpAddress, long requestTimeoutMs,
      int lingerMicros) {
  }

  /** The values of {@code http.transport}. */
  public static final List<String> TRANSPORTS = List.of("auto", "io_uring", "epoll", "nio");

  /** The built-in defaults (the same values as conf/config.json). */
  public static RoomcastConfig defaults() {
    return from(ConfigLoader.defaults());
  }

  public static RoomcastConfig from(JsonObject json) {
    JsonObject h = json.getJsonObject("http");
    JsonObject s = json.getJsonObject("sockjs");
    JsonObject l = json.getJsonObject("limits");
    JsonObject hb = json.getJsonObject("heartbeat");
    JsonObject r = json.getJsonObject("rooms");
    JsonObject b = json.getJsonObject("bots");
    JsonObject c = json.getJsonObject("cluster");
    String wsPath = path(h, "wsPath", "http.wsPath");
    String sockJsPath = path(s, "path", "sockjs.path");
    if (wsPath.equals(sockJsPath)) {
      throw new ConfigException("sockjs.path must differ from http.wsPath");
    }
    List<String> origins = h.getJsonArray("allowedOrigins").stream().map(String::valueOf).toList();
    List<String> proxies = h.getJsonArray("trustedProxies").stream().map(String::valueOf).toList();
    return new RoomcastConfig(
        new Http(nonEmpty(h, "host", "http.host"), range(h, "port", "http.port", 0, 65535),
            range(h, "instances", "http.instances", 0, 256), range(h, "eventLoops", "http.eventLoops", 0, 256),
            oneOf(h, "transport", "http.transport", TRANSPORTS), nonEmpty(h, "webroot", "http.webroot"), wsPath,
            origins, proxies, range(h, "upgradeTimeoutMs", "http.upgradeTimeoutMs", 100, 600_000)),
        new SockJs(s.getBoolean("enabled"), sockJsPath,
            range(s, "heartbeatMs", "sockjs.heartbeatMs", 100, 3_600_000),
            range(s, "sessionTimeoutMs", "sockjs.sessionTimeoutMs", 100, 3_600_000)),
        new Limits(range(l, "maxFrameBytes", "limits.maxFrameBytes", 256, 16 * 1024 * 1024),
            range(l, "maxTextLength", "limits.maxTextLength", 1, 1 << 20),
            range(l, "maxRoomsPerConnection", "limits.maxRoomsPerConnection", 1, 100_000),
            range(l, "maxQueueBytes", "limits.maxQueueBytes", 1024, 1 << 30),
            range(l, "ratePerSecond", "limits.ratePerSecond", 1, 1_000_000),
            range(l, "rateBurst", "limits.rateBurst", 1, 1_000_000),
            range(l, "floodCloseAfter", "limits.floodCloseAfter", 1, 1_000_000),
            range(l, "maxConnections", "limits.maxConnections", 1, 10_000_000),
            range(l, "maxConnectionsPerIp", "limits.maxConnectionsPerIp", 1, 10_000_000)),
        new Heartbeat(range(hb, "intervalMs", "heartbeat.intervalMs", 100, 3_600_000),
            range(hb, "idleTimeoutMs", "heartbeat.idleTimeoutMs", 200, 86_400_000)),
        new Rooms(range(r, "historySize", "rooms.historySize", 0, 100_000),
            range(r, "maxIdleRooms", "rooms.maxIdleRooms", 0, 10_000_000)),
        new Bots(b.getBoolean("echo")),
        new Cluster(c.getBoolean("enabled"), nonEmpty(c, "name", "cluster.name"), nonEmpty(c, "host", "cluster.host"),
            range(c, "port", "cluster.port", 0, 65535), c.getString("publicHost"),
            range(c, "eventBusPort", "cluster.eventBusPort", 0, 65535),
            c.getJsonArray("members").stream().map(String::valueOf).toList(), c.getBoolean("multicast"),
            hostPort(c.getString("httpAddress"), "cluster.httpAddress"),
            range(c, "requestTimeoutMs", "cluster.requestTimeoutMs", 100, 600_000),
            range(c, "lingerMicros", "cluster.lingerMicros", 0, 100_000)));
  }

  /** The number of HTTP verticles to deploy. */
  public int httpInstances() {
    return http.instances() == 0 ? Runtime.getRuntime().availableProcessors() : http.instances();
  }

  /**
   * The node's event loops: one per CPU core unless set (Vert.x's own default is two per core). On
   * one core that is one loop, shared by the chat verticle and the HTTP verticle, so a message goes
   * from its socket to the chat and back to the room's sockets without waking another thread.
   */
  public int eventLoops() {
    return http.eventLoops() == 0 ? Runtime.getRuntime().availableProcessors() : http.eventLoops();
  }

  private static String oneOf(JsonObject o, String field, String key, List<String> allowed) {
    String v = o.getString(field);
    if (!allowed.contains(v)) {
      throw new ConfigException(key + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }
    return v;
  }

  private static int range(JsonObject o, String field, String key, int min, int max) {
    long v = o.getLong(field);
    if (v < min || v > max) {
      throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + v);
    }
    return (int) v;
  }

  private static String path(JsonObject o, String field, String key) {
    String p = o.getString(field);
    if (!p.startsWith("/") || p.length() < 2 || p.endsWith("/") || p.contains("*")) {
      throw new ConfigException(key + " must be a path like /name, got '" + p + "'");
    }
    return p;
  }

  /** Empty, or {@code host:port}. */
  private static String hostPort(String v, String key) {
    if (!v.isEmpty() && !v.matches("[^:/\\s]+:\\d{1,5}")) {
      throw new ConfigException(key + " must be host:port, got '" + v + "'");
    }
    return v;
  }

  /** Returns this config with clustering switched on (the {@code -cluster} flag). */
  public RoomcastConfig clustered() {
    return new RoomcastConfig(http, sockjs, limits, heartbeat, rooms, bots, new Cluster(true, cluster.name(),
        cluster.host(), cluster.port(), cluster.publicHost(), cluster.eventBusPort(), cluster.members(),
        cluster.multicast(), cluster.httpAddress(), cluster.requestTimeoutMs(), cluster.lingerMicros()));
  }

  private static String nonEmpty(JsonObject o, String field, String key) {
    String v = o.getString(field);
    if (v.isBlank()) {
      throw new ConfigException(key + " must not be empty");
    }
    return v;
  }
}
