package io.roomcast.http;

import java.util.ArrayList;

/**
 * Flush consolidation for one gateway's sockets. Frames are written to their channels without a
 * flush; the first write of an event-loop turn schedules one task, queued behind the work already
 * waiting on the loop (more broadcasts, more replies), which flushes every socket written to. So a
 * socket that receives several frames in a turn gets them in one system call, while one that
 * receives a single frame waits no longer than the rest of the turn.
 */
final class Flusher {
  /** A socket that can be flushed. */
  interface Flushable {
    void flush();
  }

  private final ArrayList<Flushable> dirty = new ArrayList<>();
  private final Runnable flushAll = this::flushAll;
  private boolean scheduled;

  /**
   * Queues a socket that was just written to for this turn's flush. Callers call this once per turn
   * (their own flag says whether they are queued already); {@code loop} runs the flush task.
   */
  void written(Flushable socket, java.util.concurrent.Executor loop) {
    dirty.add(socket);
    if (!scheduled) {
      scheduled = true;
      loop.execute(flushAll);
    }
  }

  private void flushAll() {
    scheduled = false;
    // Index loop: a flush may lead to a write (and a new entry) on this same list.
    for (int i = 0; i < dirty.size(); i++) {
      dirty.get(i).flush();
    }
    dirty.clear();
  }
}
