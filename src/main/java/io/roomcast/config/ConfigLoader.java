package io.roomcast.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the configuration: built-in defaults, then the JSON file, then {@code ROOMCAST_*} environment
 * variables on top. The vertx-config stores are declared in that order (file, then env) because the
 * library's default order would let the file override the environment.
 *
 * <p>Every leaf key has one environment variable: {@code ROOMCAST_} + the key path in upper snake case,
 * e.g. {@code http.port} → {@code ROOMCAST_HTTP_PORT}, {@code limits.maxTextLength} →
 * {@code ROOMCAST_LIMITS_MAX_TEXT_LENGTH}.
 */
public final class ConfigLoader {
  /** The file read when none is named on the command line (skipped when it does not exist). */
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /** A fresh copy of the built-in defaults, from the jar. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/roomcast-defaults.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("roomcast-defaults.json is missing from the jar", e);
    }
  }

  /** Environment variable name → dotted key, for every leaf of the defaults. */
  public static Map<String, String> environmentKeys() {
    Map<String, String> out = new LinkedHashMap<>();
    collectEnv(defaults(), "", out);
    return out;
  }

  /**
   * Loads and validates. {@code file} null means {@link #DEFAULT_FILE} if present; a named file must
   * exist. Fails with a {@link ConfigException} whose message is one line naming the key.
   */
  public static Future<RoomcastConfig> load(Vertx vertx, String file) {
    String path = file != null ? file : DEFAULT_FILE;
    boolean useFile = file != null || Files.exists(Path.of(path));
    if (useFile && !Files.isReadable(Path.of(path))) {
      return Future.failedFuture(new ConfigException("cannot read config file " + path));
    }
    Map<String, String> envKeys = environmentKeys();
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false);
    if (useFile) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", path)));
    }
    options.addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("keys", new JsonArray(envKeys.keySet().stream().toList()))));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .eventually(retriever::close)
        .recover(e -> Future.failedFuture(new ConfigException(
            "config file " + path + " is not a valid JSON object (" + firstLine(rootCause(e)) + ")")))
        .map(merged -> build(merged, envKeys));
  }

  /** Validates a merged tree (file keys plus flat {@code ROOMCAST_*} keys) into the config record. */
  static RoomcastConfig build(JsonObject merged, Map<String, String> envKeys) {
    JsonObject fromFile = merged.copy();
    Map<String, Object> env = new LinkedHashMap<>();
    for (String name : envKeys.keySet()) {
      if (fromFile.containsKey(name)) {
        env.put(name, fromFile.remove(name));
      }
    }
    JsonObject config = defaults();
    ConfigSchema.mergeChecked(config, fromFile, "");
    for (Map.Entry<String, Object> e : env.entrySet()) {
      ConfigSchema.applyEnv(config, envKeys.get(e.getKey()), e.getKey(), String.valueOf(e.getValue()));
    }
    return RoomcastConfig.from(config);
  }

  private static void collectEnv(JsonObject node, String prefix, Map<String, String> out) {
    for (String key : node.fieldNames()) {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      Object v = node.getValue(key);
      if (v instanceof JsonObject child) {
        collectEnv(child, path, out);
      } else {
        out.put("ROOMCAST_" + snake(path), path);
      }
    }
  }

  private static String snake(String path) {
    StringBuilder b = new StringBuilder();
    for (char c : path.toCharArray()) {
      if (c == '.') {
        b.append('_');
      } else if (Character.isUpperCase(c)) {
        b.append('_').append(c);
      } else {
        b.append(c);
      }
    }
    return b.toString().toUpperCase(Locale.ROOT);
  }

  private static Throwable rootCause(Throwable e) {
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    return e;
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
