package io.roomcast.hardening;

import static io.roomcast.hardening.Waits.await;
import static io.roomcast.hardening.Waits.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client's replies keep their place among the room's broadcasts even while its socket is backed up:
 * a member that stops reading while a busy room piles megabytes up for it, and sends two messages
 * meanwhile, still finds each ack before the room's later messages once it reads again. (A reply
 * held back while the socket could not take more, with later broadcasts going ahead of it, would
 * tell the client about its own message only after messages that came after it.)
 */
@ServerConfig({"limits.maxQueueBytes=268435456", "limits.maxTextLength=60000", "limits.ratePerSecond=100000",
    "limits.rateBurst=100000", "limits.floodCloseAfter=100000"})
class ReplyOrderTest extends RoomcastTestBase {
  private static final String ROOM = "backlog";
  /** Far more than the kernel buffers of a loopback connection hold, so the server's own queue grows. */
  private static final int BACKLOG_MESSAGES = 500;
  private static final int TEXT_LENGTH = 50_000;
  private final List<StreamClient> clients = new ArrayList<>();

  @AfterEach
  void closeAll() {
    for (StreamClient c : clients) {
      await(c.close(), 5_000);
    }
  }

  private StreamClient client(List<JsonObject> frames) {
    StreamClient c = await(StreamClient.connect(vertx, port(), frames::add), 5_000);
    clients.add(c);
    return c;
  }

  private static void awaitAck(List<JsonObject> frames, String id) {
    eventually(() -> find(frames, "ack", id) >= 0, 10_000, () -> "no ack for " + id);
  }

  /** Index of the first frame of {@code type} with {@code id}, or -1. */
  private static int find(List<JsonObject> frames, String type, String id) {
    synchronized (frames) {
      for (int i = 0; i < frames.size(); i++) {
        if (type.equals(frames.get(i).getString("type")) && id.equals(frames.get(i).getString("id"))) {
          return i;
        }
      }
      return -1;
    }
  }

  /** Index of the room message with {@code seq}, or -1. */
  private static int message(List<JsonObject> frames, long seq) {
    synchronized (frames) {
      for (int i = 0; i < frames.size(); i++) {
        JsonObject f = frames.get(i);
        if ("message".equals(f.getString("type")) && f.getLong("seq") == seq) {
          return i;
        }
      }
      return -1;
    }
  }

  private static JsonObject send(String id, String text) {
    return new JsonObject().put("type", "send").put("id", id).put("room", ROOM).put("text", text);
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 90, unit = TimeUnit.SECONDS)
  void acksKeepTheirPlaceAmongBroadcastsWhileTheSocketIsBackedUp() {
    List<JsonObject> aFrames = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> bFrames = Collections.synchronizedList(new ArrayList<>());
    StreamClient a = client(aFrames);
    StreamClient b = client(bFrames);
    a.send(new JsonObject().put("type", "join").put("id", "ja").put("room", ROOM));
    awaitAck(aFrames, "ja");
    b.send(new JsonObject().put("type", "join").put("id", "jb").put("room", ROOM));
    awaitAck(bFrames, "jb");

    a.pause();
    String big = "b".repeat(TEXT_LENGTH);
    for (int i = 0; i < BACKLOG_MESSAGES; i++) {
      b.send(send("b" + i, big));
    }
    awaitAck(bFrames, "b" + (BACKLOG_MESSAGES - 1));
    // a, not reading, sends two messages; b sees them, then sends two more.
    a.send(send("a1", "first of a"));
    a.send(send("a2", "second of a"));
    eventually(() -> {
      synchronized (bFrames) {
        return bFrames.stream().filter(f -> "message".equals(f.getString("type"))
            && "second of a".equals(f.getString("text"))).count() == 1;
      }
    }, 20_000, () -> "b never saw a's messages");
    b.send(send("b-late-1", "after a"));
    b.send(send("b-late-2", "after a, again"));
    awaitAck(bFrames, "b-late-2");

    a.resume();
    awaitAck(aFrames, "a2");
    long seqA1;
    long seqA2;
    synchronized (aFrames) {
      seqA1 = aFrames.get(find(aFrames, "ack", "a1")).getLong("seq");
      seqA2 = aFrames.get(find(aFrames, "ack", "a2")).getLong("seq");
    }
    long lastSeq = seqA2 + 2;
    eventually(() -> message(aFrames, lastSeq) >= 0, 20_000, () -> "a never got message " + lastSeq);
    assertEquals(BACKLOG_MESSAGES + 1, seqA1, "a's first message comes right after the backlog");
    assertEquals(seqA1 + 1, seqA2);
    // Each ack comes before every later message of the room.
    for (long later = seqA1 + 1; later <= lastSeq; later++) {
      long l = later;
      assertTrue(find(aFrames, "ack", "a1") < message(aFrames, l), () -> "ack a1 after message " + l);
    }
    for (long later = seqA2 + 1; later <= lastSeq; later++) {
      long l = later;
      assertTrue(find(aFrames, "ack", "a2") < message(aFrames, l), () -> "ack a2 after message " + l);
    }
    assertTrue(!a.isClosed(), "a was not cut off: its queue stayed under limits.maxQueueBytes");
  }
}
