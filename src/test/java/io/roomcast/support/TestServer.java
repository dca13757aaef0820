package io.roomcast.support;

import io.roomcast.config.ConfigLoader;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** Configurations for nodes started inside the test JVM. */
public final class TestServer {
  private TestServer() {
  }

  /** The SockJS session timeout of test nodes: see {@link #baseConfig()}. */
  public static final long SOCKJS_SESSION_TIMEOUT_MS = 1_500;

  /**
   * The built-in defaults, on a random loopback port with two HTTP verticles (so broadcasts cross
   * event loops, as in production on a multi-core machine), and a short SockJS session timeout: a
   * SockJS client that stops polling without its poll being cut (see {@link SockJsClient#close()})
   * is only noticed once that timeout passes, and tests should not wait the default 5 s for it. Test
   * clients poll again at once, so a poll-less gap of 1.5 s does not happen by accident.
   */
  public static JsonObject baseConfig() {
    JsonObject config = ConfigLoader.defaults();
    config.getJsonObject("http").put("host", "127.0.0.1").put("port", 0).put("instances", 2);
    config.getJsonObject("sockjs").put("sessionTimeoutMs", SOCKJS_SESSION_TIMEOUT_MS);
    return config;
  }

  /** Applies {@code "a.b=value"} entries; the value is JSON ({@code 5}, {@code false}, {@code "x"}). */
  public static JsonObject with(JsonObject config, String... settings) {
    for (String s : settings) {
      int eq = s.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("expected key=value, got " + s);
      }
      String[] path = s.substring(0, eq).trim().split("\\.");
      JsonObject node = config;
      for (int i = 0; i < path.length - 1; i++) {
        node = node.getJsonObject(path[i]);
      }
      if (!node.containsKey(path[path.length - 1])) {
        throw new IllegalArgumentException("no such config key: " + s.substring(0, eq));
      }
      node.put(path[path.length - 1], Json.decodeValue(s.substring(eq + 1).trim()));
    }
    return config;
  }
}
