package io.roomcast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A flat frame reads every field as Vert.x's own parser does, and leaves to that parser whatever is
 * not a flat object: so the frame parser's answers (and its errors) are what they were.
 */
class FlatFrameTest {

  /** Each of these reads as a flat frame, with exactly the values of the JSON object. */
  private static final List<String> FLAT = List.of(
      "{}",
      "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"id\":1}",
      " {\"type\" : \"send\" , \"id\" : \"abc\" }  ",
      "{\"id\":12345678901,\"big\":123456789012345678901234567890,\"neg\":-5}",
      "{\"id\":1.5,\"e\":1e3,\"huge\":1e400,\"tiny\":-0.0}",
      "{\"t\":true,\"f\":false,\"n\":null}",
      "{\"type\":\"send\",\"type\":\"join\",\"room\":\"a\",\"room\":null}",
      "{\"text\":\"quote \\\" backslash \\\\ \\u0000 \\ud83d\\ude00 \\ud800 é 中\"}",
      "{\"\":\"empty name\",\"data\":null}");

  /** And these do not: nested values, bad or trailing JSON, not an object. */
  private static final List<String> NOT_FLAT = List.of(
      "{\"type\":\"send\",\"data\":{\"k\":1}}",
      "{\"a\":[1,2]}",
      "{\"a\":1",
      "{\"a\":1}}",
      "{\"a\":1} {\"b\":2}",
      "{\"a\":1} x",
      "[]",
      "\"text\"",
      "42",
      "",
      "{a:1}",
      "{\"a\":01}",
      "{\"a\":NaN}");

  @Test
  void flatFramesReadAsVertxReadsThem() {
    for (String text : FLAT) {
      FlatFrame flat = FlatFrame.parse(text);
      assertNotNull(flat, text);
      JsonObject object = (JsonObject) Json.decodeValue(text);
      for (String name : object.fieldNames()) {
        assertEquals(object.getValue(name), flat.get(name), text + " field " + name);
      }
      assertNull(flat.get("absent"), text);
    }
  }

  @Test
  void everythingElseIsLeftToVertx() {
    for (String text : NOT_FLAT) {
      assertNull(FlatFrame.parse(text), text);
    }
  }

  /** Random flat objects, with repeated names, every kind of value and odd spacing. */
  @Test
  void randomFlatObjectsReadAlike() {
    Random random = new Random(7);
    String[] names = {"type", "id", "room", "text", "since", "data", "x"};
    String[] values = {"\"s\"", "\"\\n\\t\\\"\"", "0", "-1", "2147483648", "9223372036854775808", "3.25", "1E-7",
        "true", "false", "null", "\"\\u00e9\\ud83d\\ude00\""};
    for (int round = 0; round < 500; round++) {
      StringBuilder text = new StringBuilder("{");
      for (int i = random.nextInt(8); i > 0; i--) {
        text.append(random.nextBoolean() ? " " : "").append('"').append(names[random.nextInt(names.length)])
            .append("\":").append(random.nextBoolean() ? "\n" : "").append(values[random.nextInt(values.length)]);
        if (i > 1) {
          text.append(',');
        }
      }
      String frame = text.append('}').toString();
      FlatFrame flat = FlatFrame.parse(frame);
      assertNotNull(flat, frame);
      JsonObject object = (JsonObject) Json.decodeValue(frame);
      for (String name : names) {
        assertEquals(object.getValue(name), flat.get(name), frame + " field " + name);
      }
    }
  }
}
