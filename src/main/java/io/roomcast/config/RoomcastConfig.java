package io.roomcast.config;

import io.vertx.core.json.JsonObject;

/**
 * The whole validated configuration. Built only by {@link #from(JsonObject)} from a JSON tree that
 * {@link ConfigLoader} has already checked for unknown keys and wrong types; this class checks ranges.
 */
public record RoomcastConfig(Http http, Limits limits, Heartbeat heartbeat, Rooms rooms, Bots bots) {

  /** HTTP server settings; {@code instances} 0 means one HTTP verticle per CPU core. */
  public record Http(String host, int port, int instances, String webroot, String wsPath) {
  }

  public record Limits(int maxFrameBytes, int maxTextLength, int maxRoomsPerConnection) {
  }

  public record Heartbeat(long intervalMs, long idleTimeoutMs) {
  }

  public record Rooms(int historySize, int maxIdleRooms) {
  }

  public record Bots(boolean echo) {
  }

  /** The built-in defaults (the same values as conf/config.json). */
  public static RoomcastConfig defaults() {
    return from(ConfigLoader.defaults());
  }

  public static RoomcastConfig from(JsonObject json) {
    JsonObject h = json.getJsonObject("http");
    JsonObject l = json.getJsonObject("limits");
    JsonObject hb = json.getJsonObject("heartbeat");
    JsonObject r = json.getJsonObject("rooms");
    JsonObject b = json.getJsonObject("bots");
    String wsPath = h.getString("wsPath");
    if (!wsPath.startsWith("/") || wsPath.length() < 2) {
      throw new ConfigException("http.wsPath must start with / and name a path, got '" + wsPath + "'");
    }
    return new RoomcastConfig(
        new Http(nonEmpty(h, "host", "http.host"), range(h, "port", "http.port", 0, 65535),
            range(h, "instances", "http.instances", 0, 256), nonEmpty(h, "webroot", "http.webroot"), wsPath),
        new Limits(range(l, "maxFrameBytes", "limits.maxFrameBytes", 256, 16 * 1024 * 1024),
            range(l, "maxTextLength", "limits.maxTextLength", 1, 1 << 20),
            range(l, "maxRoomsPerConnection", "limits.maxRoomsPerConnection", 1, 100_000)),
        new Heartbeat(range(hb, "intervalMs", "heartbeat.intervalMs", 100, 3_600_000),
            range(hb, "idleTimeoutMs", "heartbeat.idleTimeoutMs", 200, 86_400_000)),
        new Rooms(range(r, "historySize", "rooms.historySize", 0, 100_000),
            range(r, "maxIdleRooms", "rooms.maxIdleRooms", 0, 10_000_000)),
        new Bots(b.getBoolean("echo")));
  }

  /** The number of HTTP verticles to deploy. */
  public int httpInstances() {
    return http.instances() == 0 ? Runtime.getRuntime().availableProcessors() : http.instances();
  }

  private static int range(JsonObject o, String field, String key, int min, int max) {
    long v = o.getLong(field);
    if (v < min || v > max) {
      throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + v);
    }
    return (int) v;
  }

  private static String nonEmpty(JsonObject o, String field, String key) {
    String v = o.getString(field);
    if (v.isBlank()) {
      throw new ConfigException(key + " must not be empty");
    }
    return v;
  }
}
