package io.roomcast.hardening;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Frames from a {@link StreamClient}, kept until a test thread takes them (blocking, oldest first). */
public final class FrameQueue implements Consumer<JsonObject> {
  private final LinkedList<JsonObject> frames = new LinkedList<>();

  @Override
  public synchronized void accept(JsonObject f) {
    frames.add(f);
    notifyAll();
  }

  /** Takes the oldest frame matching {@code match}, waiting up to {@code ms}; fails the test otherwise. */
  public synchronized JsonObject take(Predicate<JsonObject> match, long ms) {
    long deadline = System.currentTimeMillis() + ms;
    while (true) {
      for (Iterator<JsonObject> it = frames.iterator(); it.hasNext(); ) {
        JsonObject f = it.next();
        if (match.test(f)) {
          it.remove();
          return f;
        }
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new AssertionError("no frame matching " + match + " within " + ms + " ms; have " + frames);
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  /** The reply (ack or error) echoing {@code id}. */
  public JsonObject reply(Object id, long ms) {
    return take(f -> ("ack".equals(f.getString("type")) || "error".equals(f.getString("type")))
        && String.valueOf(id).equals(String.valueOf(f.getValue("id"))), ms);
  }

  public synchronized List<JsonObject> snapshot() {
    return new ArrayList<>(frames);
  }
}
