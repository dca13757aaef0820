package io.roomcast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Broadcast frames carved out of shared blocks: each keeps its own bytes while its neighbours are
 * written, read and released, across many blocks.
 */
class FrameSlabTest {

  private static String expected(ByteBuf frame) {
    return frame.toString(frame.readerIndex(), frame.readableBytes(), StandardCharsets.ISO_8859_1);
  }

  private static String wire(byte[] payload) {
    int n = payload.length;
    byte[] header = n < 126 ? new byte[] {(byte) 0x81, (byte) n}
        : new byte[] {(byte) 0x81, 126, (byte) (n >> 8), (byte) n};
    return new String(header, StandardCharsets.ISO_8859_1) + new String(payload, StandardCharsets.ISO_8859_1);
  }

  @Test
  void framesCutFromOneBlockKeepTheirOwnBytesThroughEveryWritersRelease() {
    Random random = new Random(11);
    List<EncodedFrame> frames = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    int blocks = 0;
    ByteBuf lastBlock = null;
    for (int i = 0; i < 3000; i++) {
      int size = random.nextInt(10) == 0 ? FrameSlab.MAX_CARVED + random.nextInt(3000) : 1 + random.nextInt(300);
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      EncodedFrame frame = EncodedFrame.ofBytes(payload);
      ByteBuf shared = frame.sharedWebSocketFrame();
      assertSame(shared, frame.sharedWebSocketFrame(), "made once per frame");
      if (shared.capacity() <= FrameSlab.MAX_CARVED && shared.unwrap() != lastBlock) {
        lastBlock = shared.unwrap();
        blocks++;
      }
      // Two recipients write views of it; Netty releases each after its write.
      ByteBuf a = frame.webSocketFrame();
      ByteBuf b = frame.webSocketFrame();
      assertNotSame(a, b);
      assertEquals(wire(payload), expected(a));
      a.skipBytes(a.readableBytes());
      a.release();
      assertEquals(wire(payload), expected(b), "one view's reads and release leave another's alone");
      b.release();
      frames.add(frame);
      payloads.add(payload);
    }
    assertEquals(true, blocks > 3, "small frames share blocks, and a full block is followed by a new one");
    for (int i = 0; i < frames.size(); i++) {
      ByteBuf view = frames.get(i).webSocketFrame();
      assertEquals(wire(payloads.get(i)), expected(view), "frame " + i + " after every later frame was written");
      view.release();
    }
  }
}
