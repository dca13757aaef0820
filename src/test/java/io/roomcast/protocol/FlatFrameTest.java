package io.roomcast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private static final String[] NUMBERS = {"0", "-0", "7", "-7", "2147483647", "2147483648", "-2147483648",
      "-2147483649", "9999999999", "123456789012345678", "9223372036854775807", "9223372036854775808",
      "-9223372036854775808", "-9223372036854775809", "1234567890123456789012", "0.0", "-0.0", "1.5", "1e5",
      "1E+5", "1e-5", "2.5E-3", "1.0e400", "-1e400", "4.9e-324"};

  /** Integer, Long, BigInteger or Double: the same type and value as Vert.x gives, for every size. */
  @Test
  void numbersComeAsTheTypeVertxGives() {
    for (String n : NUMBERS) {
      String frame = "{\"id\":" + n + "}";
      Object expected = ((JsonObject) Json.decodeValue(frame)).getValue("id");
      FlatFrame flat = FlatFrame.parse(frame);
      assertNotNull(flat, frame);
      assertEquals(expected, flat.get("id"), frame);
      assertEquals(expected.getClass(), flat.get("id").getClass(), frame);
    }
  }

  /**
   * Frames cut, spliced and sprinkled with JSON's own characters: whatever the scanner accepts,
   * Vert.x accepts too, with the same names, values and value types; what Vert.x refuses, the scanner
   * leaves to it.
   */
  @Test
  void mangledFramesAreReadAsVertxReadsThemOrLeftToIt() {
    Random random = new Random(23);
    String alphabet = "{}[]\":,\\/ \n\t\r\u0001-+.eE0123456789tfnrulasbu\u00e9\ud83d\ude00x";
    List<String> seeds = new java.util.ArrayList<>(FLAT);
    seeds.add("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"a \\\"b\\\" \\u00e9\",\"id\":-12.5e1}");
    seeds.add("{\"type\":\"join\",\"room\":\"r\",\"since\":9223372036854775807,\"epoch\":\"x\"}");
    int accepted = 0;
    for (int round = 0; round < 20_000; round++) {
      StringBuilder b = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
      for (int k = 1 + random.nextInt(3); k > 0; k--) {
        int at = random.nextInt(b.length() + 1);
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        switch (random.nextInt(3)) {
          case 0 -> b.insert(at, c);
          case 1 -> {
            if (at < b.length()) {
              b.deleteCharAt(at);
            }
          }
          default -> {
            if (at < b.length()) {
              b.setCharAt(at, c);
            }
          }
        }
      }
      String frame = b.toString();
      Object vertx;
      try {
        vertx = Json.decodeValue(frame);
      } catch (RuntimeException e) {
        vertx = null;
      }
      FlatFrame flat = FlatFrame.parse(frame);
      if (flat == null) {
        continue;
      }
      accepted++;
      assertTrue(vertx instanceof JsonObject, "accepted what Vert.x does not read as an object: " + frame);
      JsonObject object = (JsonObject) vertx;
      assertEquals(object.fieldNames(), flat.names(), frame);
      for (String name : object.fieldNames()) {
        Object v = object.getValue(name);
        assertEquals(v, flat.get(name), frame + " field " + name);
        if (v != null) {
          assertEquals(v.getClass(), flat.get(name).getClass(), frame + " field " + name);
        }
      }
    }
    assertTrue(accepted > 2_000, "the mangling leaves enough frames valid to compare: " + accepted);
  }
}
