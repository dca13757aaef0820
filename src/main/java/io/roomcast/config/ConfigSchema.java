package io.roomcast.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;

/**
 * The shape of the configuration is the shape of the defaults: a key that is not in the defaults is
 * unknown, and a value must have the type of its default. Checks here give one-line messages that
 * name the dotted key.
 */
final class ConfigSchema {
  private ConfigSchema() {
  }

  /** Merges {@code overlay} into {@code base}, refusing unknown keys and values of the wrong type. */
  static void mergeChecked(JsonObject base, JsonObject overlay, String prefix) {
    for (String key : overlay.fieldNames()) {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      if (!base.containsKey(key)) {
        throw new ConfigException("unknown config key '" + path + "'");
      }
      Object def = base.getValue(key);
      Object v = overlay.getValue(key);
      if (def instanceof JsonObject defObj) {
        if (!(v instanceof JsonObject obj)) {
          throw new ConfigException(path + " must be an object");
        }
        mergeChecked(defObj, obj, path);
      } else {
        base.put(key, checkType(path, def, v));
      }
    }
  }

  /** Sets {@code path} from an environment variable's text, parsed as the type of the default. */
  static void applyEnv(JsonObject config, String path, String envName, String text) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    String leaf = parts[parts.length - 1];
    Object def = node.getValue(leaf);
    Object value;
    String t = text.trim();
    if (def instanceof Number) {
      try {
        value = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new ConfigException(envName + " (" + path + ") must be an integer, got '" + text + "'");
      }
    } else if (def instanceof Boolean) {
      if (!t.equalsIgnoreCase("true") && !t.equalsIgnoreCase("false")) {
        throw new ConfigException(envName + " (" + path + ") must be true or false, got '" + text + "'");
      }
      value = Boolean.parseBoolean(t);
    } else if (def instanceof JsonArray) {
      try {
        value = t.startsWith("[") ? new JsonArray(t) : commaList(t);
      } catch (RuntimeException e) {
        throw new ConfigException(envName + " (" + path + ") must be a JSON array or a comma-separated list");
      }
    } else {
      value = text;
    }
    node.put(leaf, checkType(envName + " (" + path + ")", def, value));
  }

  private static JsonArray commaList(String t) {
    JsonArray a = new JsonArray();
    for (String s : t.split(",")) {
      if (!s.isBlank()) {
        a.add(s.trim());
      }
    }
    return a;
  }

  private static Object checkType(String path, Object def, Object v) {
    if (def instanceof Number) {
      boolean integral = v instanceof Integer || v instanceof Long
          || (v instanceof BigInteger b && b.bitLength() < 63);
      if (!integral) {
        throw new ConfigException(path + " must be an integer, got " + describe(v));
      }
      return ((Number) v).longValue();
    }
    if (def instanceof Boolean && !(v instanceof Boolean)) {
      throw new ConfigException(path + " must be true or false, got " + describe(v));
    }
    if (def instanceof String && !(v instanceof String)) {
      throw new ConfigException(path + " must be a string, got " + describe(v));
    }
    if (def instanceof JsonArray) {
      if (!(v instanceof JsonArray arr)) {
        throw new ConfigException(path + " must be an array, got " + describe(v));
      }
      for (Object item : arr) {
        if (!(item instanceof String)) {
          throw new ConfigException(path + " must be an array of strings");
        }
      }
    }
    return v;
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }
    if (v instanceof JsonObject) {
      return "an object";
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    return v.getClass().getSimpleName().toLowerCase() + " " + v;
  }
}
