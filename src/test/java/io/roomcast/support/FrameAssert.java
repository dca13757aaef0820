package io.roomcast.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** JUnit assertions on frames, with the whole frame in every failure message. */
public final class FrameAssert {
  private FrameAssert() {
  }

  /**
   * Asserts {@code frame} has each {@code key, value} pair (numbers compare by value). Other fields
   * are not checked; use {@link #assertKeys} to pin the exact field set.
   */
  public static void assertFrame(JsonObject frame, Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("key/value pairs expected");
    }
    for (int i = 0; i < keyValues.length; i += 2) {
      String key = (String) keyValues[i];
      Object expected = keyValues[i + 1];
      Object actual = frame.getValue(key);
      if (!Match.equal(actual, expected)) {
        fail("field '" + key + "': expected <" + expected + "> but was <" + actual + "> in " + frame.encode());
      }
    }
  }

  /** Asserts the frame has exactly these fields. */
  public static void assertKeys(JsonObject frame, String... keys) {
    assertEquals(java.util.Set.of(keys), frame.fieldNames(), () -> "fields of " + frame.encode());
  }

  /** Asserts {@code frame.ts} is epoch milliseconds within the last minute (or a second ahead). */
  public static void assertRecentTs(JsonObject frame) {
    Object ts = frame.getValue("ts");
    assertTrue(ts instanceof Number, () -> "ts must be a number in " + frame.encode());
    long now = System.currentTimeMillis();
    long v = ((Number) ts).longValue();
    assertTrue(v <= now + 1_000 && v >= now - 60_000, () -> "ts " + v + " is not recent epoch ms (now " + now + ") in " + frame.encode());
  }

  /** Asserts an error frame with this code, an echoed {@code id} (or none when null) and a message. */
  public static void assertError(JsonObject frame, String code, Object id) {
    assertFrame(frame, "type", "error", "code", code);
    if (id == null) {
      assertFalse(frame.containsKey("id"), () -> "error must carry no id: " + frame.encode());
    } else {
      assertFrame(frame, "id", id);
      assertEquals(id.getClass(), frame.getValue("id").getClass(), () -> "id type must be echoed as sent: " + frame.encode());
    }
    String message = frame.getString("message");
    assertTrue(message != null && !message.isBlank(), () -> "error needs a message: " + frame.encode());
  }

  /** The strings of a JSON array, for comparing member lists. */
  public static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    for (Object o : array) {
      out.add((String) o);
    }
    return out;
  }

  /** The {@code message} frames of a {@code history} ack, oldest first. */
  public static List<JsonObject> messages(JsonObject historyAck) {
    List<JsonObject> out = new ArrayList<>();
    historyAck.getJsonArray("messages").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  /** The long values of {@code field} across frames. */
  public static List<Long> longs(List<JsonObject> frames, String field) {
    List<Long> out = new ArrayList<>();
    for (JsonObject f : frames) {
      out.add(f.getLong(field));
    }
    return out;
  }
}
