package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.Names;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A room remembers the key of each kept message, exactly as long as the message is kept, and a node
 * taking the chat over reads the keys back from the frames alone.
 */
class RoomKeysTest {

  private static EncodedFrame message(long seq, String from, String key, JsonObject data) {
    return EncodedFrame.message("r", seq, from, "text " + seq, key, data, 1_795_300_000_000L + seq);
  }

  @Test
  void aKeyIsFoundWhileItsMessageIsKeptAndNotAfter() {
    Random random = new Random(11);
    for (int capacity : new int[] {0, 1, 3, 100}) {
      Room room = new Room("r", capacity);
      boolean[] keyed = new boolean[401];
      for (int seq = 1; seq <= 400; seq++) {
        keyed[seq] = random.nextInt(3) > 0;
        String scope = keyed[seq] ? Names.keyScope("amy", "k" + seq) : null;
        room.remember(seq, message(seq, "amy", keyed[seq] ? "k" + seq : null, null), scope);
        // Every key of the last `capacity` messages is known, with its own message; older ones are not.
        for (int s = Math.max(1, seq - capacity - 2); s <= seq; s++) {
          Room.Stored found = room.keyed(Names.keyScope("amy", "k" + s));
          if (keyed[s] && s > seq - capacity) {
            assertEquals(s, found.seq(), "capacity " + capacity);
            assertEquals("k" + s, found.frame().toJson().getString("key"));
          } else {
            assertNull(found, "capacity " + capacity + ": key of seq " + s + " known at " + seq);
          }
        }
        assertNull(room.keyed(Names.keyScope("bob", "k" + seq)), "another sender's key");
      }
    }
  }

  @Test
  void keysAreReadBackFromFramesOnlyWhereTheMessageHasOne() {
    assertEquals(Names.keyScope("Amy", "k-1"), Room.keyScopeOf(message(1, "Amy", "k-1", null)));
    assertEquals(Names.keyScope("amy", "k-1"), Room.keyScopeOf(message(1, "Amy", "k-1", null)),
        "nicks are one sender ignoring case");
    assertNull(Room.keyScopeOf(message(2, "amy", null, null)));
    // A "key" inside data is the sender's business, not an idempotency key.
    assertNull(Room.keyScopeOf(message(3, "amy", null, new JsonObject().put("key", "k-3"))));
    assertEquals(Names.keyScope("amy", "k-4"),
        Room.keyScopeOf(message(4, "amy", "k-4", new JsonObject().put("key", "other"))));
  }
}
