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
      JsonObject frame = Frames.message("lobby", 42, "ann", text, data, 1_795_300_000_000L);
      assertArrayEquals(frame.toBuffer().getBytes(), EncodedFrame.of(frame).bytes(), text.length() > 80 ? "long text" : text);
      assertEquals(frame, EncodedFrame.of(frame).toJson());
    }
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
