package io.roomcast.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * fanout-big, fanout-many and cluster: R rooms × M members, P publishers per room, sending at a total
 * rate. Connects once; then each step (one, or one per {@code --sweep} rate) is warm-up, measured
 * window, drain wait.
 */
final class FanoutScenario {
  private static final long PROBE_TIMEOUT_MS = 5_000;

  private final BenchOptions o;
  private final Report report;
  private final PrintStream err;

  FanoutScenario(BenchOptions o, Report report, PrintStream err) {
    this.o = o;
    this.report = report;
    this.err = err;
  }

  void run() {
    // Fresh room names per run: a room's history and seq from an earlier run must not interfere.
    String runId = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    try (Fleet fleet = new Fleet(o, err)) {
      for (int r = 0; r < o.rooms; r++) {
        String name = "bench-" + runId + "-" + r;
        for (int m = 0; m < o.members; m++) {
          fleet.add(r, name, m < o.publishers);
        }
      }
      int n = fleet.clients.size();
      err.printf(Locale.ROOT, "bench: %s: connecting %d clients (%d rooms x %d members) to %s%n", o.name(), n,
          o.rooms, o.members, o.urls);
      long t0 = System.nanoTime();
      fleet.connectAll(o.concurrency, o.connectTimeoutMs);
      double secs = (System.nanoTime() - t0) / 1e9;
      boolean echo = probe(fleet);
      err.printf(Locale.ROOT, "bench: connected and joined in %.2f s (%.0f/s); server echoes to the sender: %s%n",
          secs, n / secs, echo ? "yes" : "no");
      List<Double> rates = new ArrayList<>();
      if (o.sweep == null) {
        rates.add(o.rate);
      } else {
        for (double r = o.sweep[0]; r <= o.sweep[2] + 1e-9 && rates.size() < 1000; r += o.sweep[1]) {
          rates.add(r);
        }
      }
      if (o.primeMs > 0) {
        prime(fleet, echo);
      }
      StepResult best = null;
      int fails = 0;
      for (int k = 0; k < rates.size(); k++) {
        StepResult res = step(fleet, k + 1, rates.get(k), echo);
        report.step(res);
        if (res.ok()) {
          best = res;
        } else if (o.sweep != null && ++fails >= o.maxFails) {
          break;
        }
      }
      if (o.sweep != null) {
        report.saturation(o.name(), best, fails > 0);
      }
    }
  }

  /**
   * Sends one message in room 0 and waits until every other member has it and the sender has its
   * ack: the sender has then also received its own copy if the server echoes (both known servers
   * write to every member before answering). The protocol promises the echo; this keeps expected
   * counts right for a server that does not.
   */
  private boolean probe(Fleet fleet) {
    BenchClient sender = fleet.clients.get(0);
    Fleet.await(sender.shard.sendProbe(sender), "send the probe message");
    long deadline = System.nanoTime() + PROBE_TIMEOUT_MS * 1_000_000;
    Shard.Counters c;
    while (true) {
      c = fleet.counters();
      if (c.probeCopies() >= o.members - 1 && c.pending() == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw BenchException.failed("the probe message reached " + c.probeCopies() + " of " + o.members
            + " members within " + PROBE_TIMEOUT_MS + " ms" + (c.pending() > 0 ? " and was not acked" : "")
            + (c.firstError() == null ? "" : "; " + c.firstError()));
      }
      sleep(20);
    }
    sleep(200);
    boolean echo = fleet.counters().probeSelf();
    fleet.onShards(s -> s.setEcho(echo));
    return echo;
  }

  /**
   * Runs the scenario unmeasured before the first step. A JVM compiles a message's path only after
   * thousands of messages, and at a moderate rate that takes minutes: without priming, a short window
   * measures the compiler's work along with the server's (both share the server's core).
   */
  private void prime(Fleet fleet, boolean echo) {
    err.printf(Locale.ROOT, "bench: priming for %.1f s at %.0f messages/s (not measured)%n", o.primeMs / 1000.0,
        o.primeRate);
    StepResult r = step(fleet, 0, o.primeRate, echo, Math.max(0, o.primeMs - 1000), Math.min(o.primeMs, 1000));
    err.printf(Locale.ROOT, "bench: primed: %d of %d copies delivered%s%n", r.delivered(), r.expected(),
        r.ok() ? "" : " (the priming rate overloads the server: choose a lower one)");
  }

  private StepResult step(Fleet fleet, int step, double rate, boolean echo) {
    return step(fleet, step, rate, echo, o.warmupMs, o.durationMs);
  }

  private StepResult step(Fleet fleet, int step, double rate, boolean echo, long warmupMs, long durationMs) {
    int totalPublishers = o.rooms * o.publishers;
    // Collect the setup's (or the previous step's) garbage now: a young collection that has to promote
    // it would otherwise pause every connection of the bench inside the measured window.
    System.gc();
    long lostBefore = fleet.counters().lost();
    long start = System.nanoTime() + 20_000_000; // time for every shard to receive its plan
    long mStart = start + warmupMs * 1_000_000;
    long mEnd = mStart + durationMs * 1_000_000;
    fleet.onShards(s -> s.startStep(start, mStart, mEnd, rate * s.publishers.size() / totalPublishers, o.rooms));
    sleepUntil(mStart);
    long srv0 = ProcStats.cpuMicros(o.pids);
    long jit0 = ProcStats.compilerCpuMicros(o.pids);
    long self0 = ProcStats.cpuMicros(ProcStats.SELF);
    long[] machine0 = ProcStats.machineTicks();
    sleepUntil(mEnd);
    long[] machine1 = ProcStats.machineTicks();
    // The compiler's span lies within the server's: read after it at the start, before it at the end.
    long jit1 = ProcStats.compilerCpuMicros(o.pids);
    long srv1 = ProcStats.cpuMicros(o.pids);
    long self1 = ProcStats.cpuMicros(ProcStats.SELF);
    long rss = ProcStats.rssKb(o.pids);
    long copiesPerSend = o.members - (echo ? 0 : 1);
    // Drain: until every expected copy arrived and every send was answered, or the drain limit.
    long drainEnd = mEnd + o.drainMs * 1_000_000;
    Shard.Counters c;
    while (true) {
      c = fleet.counters();
      if (c.pending() <= 0 && c.copies() >= c.acked() * copiesPerSend || System.nanoTime() >= drainEnd) {
        break;
      }
      sleep(20);
    }
    long drainMs = Math.max(0, (System.nanoTime() - mEnd) / 1_000_000);
    c = fleet.counters(true); // counts and latencies of one instant, so they agree
    Histogram latency = c.latency();
    long[] roomAcked = c.ackedByRoom();
    long shortClients = 0;
    long extraClients = 0;
    for (long[] r : fleet.onShards(s -> s.checkClients(roomAcked, echo))) {
      shortClients += r[0];
      extraClients += r[1];
    }
    // Rates use the nominal window: it is exactly the span that classifies sends as measured.
    double window = durationMs / 1000.0;
    return new StepResult(o.name(), step, rate, o.rooms, o.members, o.publishers, echo, window, c.acked(),
        c.sendErrors(), c.skipped(), Math.max(0, c.pending()), c.lost() - lostBefore,
        c.acked() * copiesPerSend, c.copies(), shortClients, extraClients, c.gaps(), c.dups(), latency, drainMs,
        srv0 < 0 || srv1 < 0 ? -1 : srv1 - srv0, jit0 < 0 || jit1 < 0 ? -1 : jit1 - jit0, rss,
        self0 < 0 || self1 < 0 ? -1 : self1 - self0,
        Runtime.getRuntime().availableProcessors(), ProcStats.stealPct(machine0, machine1), c.firstError());
  }

  private static void sleepUntil(long nanoTime) {
    long ms = (nanoTime - System.nanoTime()) / 1_000_000;
    if (ms > 0) {
      sleep(ms);
    }
    while (System.nanoTime() < nanoTime) {
      Thread.onSpinWait();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BenchException.failed("interrupted");
    }
  }
}
