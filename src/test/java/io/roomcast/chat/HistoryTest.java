package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.protocol.EncodedFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A room's history answers what a plain queue of its last messages would, at every size. */
class HistoryTest {

  private static EncodedFrame frame(long seq) {
    return EncodedFrame.ofBytes(("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> texts(List<Room.Stored> stored) {
    return stored.stream().map(s -> s.seq() + "=" + s.frame()).toList();
  }

  @Test
  void keepsTheLastMessagesAndAnswersAfterAndBeforeAsAQueueWould() {
    Random random = new Random(7);
    for (int capacity : new int[] {0, 1, 2, 3, 8, 9, 100}) {
      History history = new History(capacity);
      ArrayDeque<Room.Stored> model = new ArrayDeque<>();
      long seq = 0;
      for (int step = 0; step < 600; step++) {
        seq += 1 + (random.nextInt(10) == 0 ? random.nextInt(5) : 0); // seqs rise, sometimes with gaps
        history.add(seq, frame(seq));
        if (capacity > 0) {
          if (model.size() == capacity) {
            model.removeFirst();
          }
          model.addLast(new Room.Stored(seq, frame(seq)));
        }
        assertEquals(model.size(), history.size());
        if (!model.isEmpty()) {
          assertEquals(model.peekFirst().seq(), history.firstSeq());
        }
        long since = seq - random.nextInt(capacity + 3);
        List<Room.Stored> after = new ArrayList<>();
        model.stream().filter(s -> s.seq() > since).forEach(after::add);
        assertEquals(texts(after), texts(history.after(since)), "after " + since + " at capacity " + capacity);

        Long before = random.nextBoolean() ? null : seq + 1 - random.nextInt(capacity + 3);
        int limit = 1 + random.nextInt(capacity + 2);
        List<Room.Stored> expected = new ArrayList<>();
        model.stream().filter(s -> before == null || s.seq() < before).forEach(expected::add);
        expected = expected.subList(Math.max(0, expected.size() - limit), expected.size());
        assertEquals(texts(expected), texts(history.before(before, limit)),
            "before " + before + " limit " + limit + " at capacity " + capacity);
      }
    }
  }

  @Test
  void aKeptMessageIsTheSameBytesTheChatEncoded() {
    History history = new History(4);
    EncodedFrame f = frame(1);
    history.add(1, f);
    Room.Stored kept = history.after(0).get(0);
    assertTrue(kept.frame().bytes() == f.bytes(), "kept as the encoded bytes, not a copy");
  }
}
