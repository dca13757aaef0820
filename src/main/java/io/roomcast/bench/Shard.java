package io.roomcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The bench clients of one event loop, with their counters and latency histogram. Each shard is its
 * own verticle so that it gets its own event loop: its clients' frames, its publisher timer and its
 * counters all stay on that thread without locks, and the main thread reads them only through
 * {@link #call}, which also makes the values visible to it.
 */
final class Shard extends VerticleBase {
  /** The timestamp of the probe message that finds out whether the server echoes to the sender. */
  static final long PROBE_TS = 1;
  /** Latencies are recorded in µs up to an hour; anything longer is clamped. */
  static final long MAX_US = 3_600_000_000L;

  final List<BenchClient> clients = new ArrayList<>();
  final List<BenchClient> publishers = new ArrayList<>();
  private final int textSize;
  private final boolean keys;
  private final StringBuilder sb = new StringBuilder(256);
  private final Histogram latency = new Histogram(1, MAX_US, 3);

  // The current step, confined to this event loop. Before the first step nothing is "measured".
  private long stepStart;
  private long measureStart = Long.MAX_VALUE;
  private long measureEnd = Long.MIN_VALUE;
  private double rate;
  private long sentInStep;
  private long timerId = -1;
  private int next;
  private long[] ackedByRoom = new long[0];

  // Counters of the current step (reset by startStep).
  long acked;
  long sendErrors;
  long skipped;
  long gaps;
  long dups;
  long copies;
  long strayReplies;
  long probeCopies;
  boolean probeSelf;
  private String firstError;
  /** Whether the server sends a message back to its sender (true until the probe shows otherwise). */
  boolean echo = true;
  // Live across steps.
  long pending;
  long noWelcome;
  long lost;
  long unanswered;

  Shard(int textSize, boolean keys) {
    this.textSize = textSize;
    this.keys = keys;
  }

  Vertx vertx() {
    return vertx;
  }

  /** Runs {@code s} on this shard's event loop. */
  <T> Future<T> call(Supplier<T> s) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(s.get());
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  /**
   * Starts a step: sends at {@code shardRate} messages/s from {@code start} until {@code measureEnd};
   * copies and acks count when their send timestamp is in [measureStart, measureEnd).
   */
  Future<Void> startStep(long start, long mStart, long mEnd, double shardRate, int rooms) {
    return call(() -> {
      stepStart = start;
      measureStart = mStart;
      measureEnd = mEnd;
      rate = shardRate;
      sentInStep = 0;
      acked = sendErrors = skipped = gaps = dups = copies = strayReplies = 0;
      firstError = null;
      ackedByRoom = new long[rooms];
      latency.reset();
      for (BenchClient c : clients) {
        c.copies = 0;
        c.ownAcked = 0;
      }
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
      if (shardRate > 0 && !publishers.isEmpty()) {
        // 1 ms ticks, each sending whatever is due by then: smooth enough at any rate, and cheaper
        // than one timer per message.
        timerId = vertx.setPeriodic(1, id -> tick());
      }
      return null;
    });
  }

  private void tick() {
    long now = System.nanoTime();
    if (now >= measureEnd) {
      vertx.cancelTimer(timerId);
      timerId = -1;
      return;
    }
    if (now < stepStart) {
      return;
    }
    long due = (long) ((now - stepStart) * rate / 1e9) - sentInStep;
    int n = publishers.size();
    for (long i = 0; i < due; i++) {
      long ts = System.nanoTime();
      if (ts >= measureEnd) {
        break;
      }
      publishers.get(next).send(ts, sb, textSize, keys);
      next = next + 1 == n ? 0 : next + 1;
      sentInStep++;
    }
  }

  /** Sends the probe message from {@code c} (on this shard's loop). */
  Future<Void> sendProbe(BenchClient c) {
    return call(() -> {
      c.probeSender = true;
      c.send(PROBE_TS, sb, 1, false);
      return null;
    });
  }

  /** Records the probe's verdict on echo. */
  Future<Void> setEcho(boolean e) {
    return call(() -> {
      echo = e;
      if (!e) {
        clients.stream().filter(c -> c.probeSender).forEach(BenchClient::probeWasOwn);
      }
      return null;
    });
  }

  void onCopy(BenchClient c, long ts) {
    if (ts >= measureStart && ts < measureEnd) {
      c.copies++;
      copies++;
      long us = (System.nanoTime() - ts) / 1000;
      latency.recordValue(us < 1 ? 1 : Math.min(us, MAX_US));
    } else if (ts == PROBE_TS) {
      probeCopies++;
      probeSelf |= c.probeSender;
    }
  }

  void onAck(BenchClient c, long ts) {
    pending--;
    if (ts >= measureStart && ts < measureEnd) {
      acked++;
      ackedByRoom[c.room]++;
      c.ownAcked++;
    }
  }

  void onSendError(long ts, Buffer frame) {
    pending--;
    if (ts >= measureStart && ts < measureEnd) {
      sendErrors++; // an error reply means the message was not offered: no copies are expected
    }
    noteError(frame.toString());
  }

  /** A connection the server closed: its unanswered sends will never be answered. */
  void onLost(BenchClient c, int inFlight, String why) {
    lost++;
    pending -= inFlight;
    unanswered += inFlight;
    noteError("connection " + c.index + " " + why);
  }

  void noteError(String what) {
    if (firstError == null) {
      firstError = what.length() > 200 ? what.substring(0, 200) + "…" : what;
    }
  }

  /** The step's counters so far (on the shard's loop). */
  Future<Counters> counters() {
    return counters(false);
  }

  /** The counters and, with {@code withLatency}, a copy of the latency histogram (µs) of the same instant. */
  Future<Counters> counters(boolean withLatency) {
    return call(() -> new Counters(acked, sendErrors, skipped, gaps, dups, copies, strayReplies, pending, lost,
        unanswered, noWelcome, probeCopies, probeSelf, firstError, ackedByRoom.clone(),
        withLatency ? latency.copy() : null));
  }

  /**
   * Compares what each client received with what it should have: every measured send acked in its
   * room, less its own when the server does not echo. Returns {clients short, clients with extra}.
   */
  Future<long[]> checkClients(long[] roomAcked, boolean echo) {
    return call(() -> {
      long[] r = new long[2];
      for (BenchClient c : clients) {
        long expected = roomAcked[c.room] - (echo ? 0 : c.ownAcked);
        if (c.copies < expected) {
          r[0]++;
        } else if (c.copies > expected) {
          r[1]++;
        }
      }
      return r;
    });
  }

  /** One shard's counters; {@link #plus} sums shards. */
  record Counters(long acked, long sendErrors, long skipped, long gaps, long dups, long copies, long strayReplies,
      long pending, long lost, long unanswered, long noWelcome, long probeCopies, boolean probeSelf,
      String firstError, long[] ackedByRoom, Histogram latency) {
    Counters plus(Counters o) {
      long[] rooms = ackedByRoom.clone();
      for (int i = 0; i < rooms.length && i < o.ackedByRoom.length; i++) {
        rooms[i] += o.ackedByRoom[i];
      }
      Histogram sum = latency;
      if (sum != null && o.latency != null) {
        sum = latency.copy();
        sum.add(o.latency);
      }
      return new Counters(acked + o.acked, sendErrors + o.sendErrors, skipped + o.skipped, gaps + o.gaps,
          dups + o.dups, copies + o.copies, strayReplies + o.strayReplies, pending + o.pending, lost + o.lost,
          unanswered + o.unanswered, noWelcome + o.noWelcome, probeCopies + o.probeCopies, probeSelf || o.probeSelf,
          firstError != null ? firstError : o.firstError, rooms, sum);
    }
  }
}
