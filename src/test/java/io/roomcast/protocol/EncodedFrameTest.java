package io.roomcast.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A frame's bytes are what Vert.x's own JSON encoding gives, whatever the text and data hold. */
class EncodedFrameTest {

  @Test
  void encodesExactlyAsVertxDoes() {
    JsonObject data = new JsonObject().put("n", 1).put("big", Long.MAX_VALUE).put("pi", 3.25)
        .put("ok", true).put("none", (Object) null).put("list", new JsonArray().add("a").add(2).add(new JsonObject()))
        .put("nested", new JsonObject().put("deep", new JsonArray().add(new JsonArray())));
    String[] texts = {"", "hello", "quote \" backslash \\ slash / tab \t newline \n nul \u0000",
        "\u2028 \u00e9 \ud83d\ude00 中文", "a[\"x\"]\nc[1,\"y\"]", "x".repeat(70_000)};
    for (String text : texts) {
      JsonObject frame = Frames.message("lobby", 42, "ann", text, null, data, 1_795_300_000_000L);
      assertArrayEquals(frame.toBuffer().getBytes(), EncodedFrame.of(frame).bytes(), text.length() > 80 ? "long text" : text);
      assertEquals(frame, EncodedFrame.of(frame).toJson());
    }
  }

  /**
   * Random text over every kind of character (controls, quotes, ASCII, two- and three-byte UTF-8,
   * surrogate pairs, and now and then a lone surrogate), and every kind of value a frame's data may
   * hold: the bytes are Jackson's, and what Jackson refuses is refused alike.
   */
  @Test
  void encodesAnyTextAndDataExactlyAsJacksonDoes() {
    java.util.Random random = new java.util.Random(42);
    char[] pool = {0, 1, 8, 9, 10, 12, 13, 31, ' ', '"', '\\', '/', 'a', 'Z', '~', 0x7f, 0x80, 0xe9, 0x7ff, 0x800,
        0x2028, 0xfeff, 0xffff, '中'};
    for (int round = 0; round < 2000; round++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(40); i > 0; i--) {
        int kind = random.nextInt(20);
        if (kind == 0) {
          text.appendCodePoint(0x10000 + random.nextInt(0xFFFFF));
        } else if (kind == 1 && round % 10 == 0) {
          text.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate, sometimes
        } else {
          text.append(pool[random.nextInt(pool.length)]);
        }
      }
      JsonObject data = new JsonObject().put(text.toString(), random.nextLong()).put("i", random.nextInt())
          .put("d", random.nextDouble() * Math.pow(10, random.nextInt(40) - 20)).put("f", random.nextFloat())
          .put("neg", -random.nextInt(1000)).put("min", Long.MIN_VALUE)
          .put("big", new java.math.BigDecimal("12345678901234567890.000000001"))
          .put("bigint", new java.math.BigInteger("123456789012345678901234567890"))
          .put("list", new JsonArray().add(text.toString()).add((Object) null).add(false).add(new JsonObject()));
      String key = round % 2 == 0 ? null : "k\"\\" + round;
      JsonObject frame = Frames.message("room " + text, round, "ann", text.toString(), key, data, round * 1_000_003L);
      byte[] jackson;
      try {
        jackson = frame.toBuffer().getBytes();
      } catch (RuntimeException e) {
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> EncodedFrame.of(frame));
        continue;
      }
      assertArrayEquals(jackson, EncodedFrame.of(frame).bytes(), "round " + round);
      assertArrayEquals(jackson, EncodedFrame.message("room " + text, round, "ann", text.toString(), key, data,
          round * 1_000_003L).bytes(), "message, round " + round);
      JsonObject ack = new JsonObject().put("seq", round).put("room", text.toString()).put("data", data);
      Object id = round % 3 == 0 ? text.toString() : round % 3 == 1 ? (Object) round : (Object) (round + 0.5);
      assertArrayEquals(Frames.ack(id, ack).toBuffer().getBytes(), EncodedFrame.ack(id, ack).bytes(), "ack, round " + round);
    }
  }

  @Test
  void framesWithNullsOrOddFieldsComeOutAsTheirObjects() {
    assertArrayEquals(Frames.message("r", 1, null, null, null, null, 2).toBuffer().getBytes(),
        EncodedFrame.message("r", 1, null, null, null, null, 2).bytes());
    assertArrayEquals(Frames.ack(null, null).toBuffer().getBytes(), EncodedFrame.ack(null, null).bytes());
    JsonObject replacing = new JsonObject().put("seq", 3).put("type", "odd");
    assertArrayEquals(Frames.ack(7, replacing).toBuffer().getBytes(), EncodedFrame.ack(7, replacing).bytes());
  }

  @Test
  void valuesOnlyJacksonWritesAreLeftToIt() {
    JsonObject frame = new JsonObject().put("type", "x").put("at", java.time.Instant.ofEpochSecond(1))
        .put("nan", Double.NaN).put("raw", new byte[] {1, 2, 3});
    assertArrayEquals(frame.toBuffer().getBytes(), EncodedFrame.of(frame).bytes());
  }

  @Test
  void theWebSocketFrameCarriesTheLengthInTheRightForm() {
    for (int n : new int[] {0, 125, 126, 65_535, 65_536}) {
      byte[] payload = "y".repeat(n).getBytes(StandardCharsets.UTF_8);
      var frame = EncodedFrame.ofBytes(payload).webSocketFrame();
      assertEquals(0x81, frame.getUnsignedByte(0));
      int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
      assertEquals(header + n, frame.readableBytes());
      long length = n < 126 ? frame.getUnsignedByte(1) : n <= 0xFFFF ? frame.getUnsignedShort(2) : frame.getLong(2);
      assertEquals(n, length);
    }
  }
}
