package io.roomcast.bench;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * connections: N idle connections, each joined to a room of {@code --members} (10), opened by the
 * lean client of {@link LeanFleet}. Reports the connect rate (welcome and join ack included,
 * {@code --concurrency} in flight) and, given
 * {@code --pid}, the server's RSS per connection: VmRSS before and after, each after a full GC of the
 * server, so the difference is what the connections keep alive rather than garbage. For a JVM it adds
 * the heap in use after each GC, since a JVM keeps heap pages it once touched and RSS may not move.
 */
final class ConnectionsScenario {
  /** Connections opened and closed first, unmeasured, so neither JVM measures its JIT compiler. */
  private static final int WARMUP_CONNECTIONS = 2000;
  private static final int MAX_WARMUP_ROUNDS = 100;

  private final BenchOptions o;
  private final Report report;
  private final PrintStream err;

  ConnectionsScenario(BenchOptions o, Report report, PrintStream err) {
    this.o = o;
    this.report = report;
    this.err = err;
  }

  void run() {
    String runId = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    if (o.warmupMs > 0) {
      warmUp(runId);
    }
    try (LeanFleet fleet = new LeanFleet(o.urls, o.threads)) {
      String gcHow = "";
      long rss0 = -1;
      long heap0 = -1;
      if (!o.pids.isEmpty()) {
        gcHow = gcAll();
        rss0 = ProcStats.rssKb(o.pids);
        heap0 = heapKb();
      }
      err.printf(Locale.ROOT, "bench: connections: opening %d connections (%d in flight) to %s%n", o.connections,
          o.concurrency, o.urls);
      System.gc(); // the bench's own setup garbage, not during the measured connects
      long srv0 = ProcStats.cpuMicros(o.pids);
      long self0 = ProcStats.cpuMicros(ProcStats.SELF);
      long t0 = System.nanoTime();
      fleet.connectAll(o.connections, o.members, "bench-" + runId + "-c", o.concurrency, o.connectTimeoutMs);
      long t1 = System.nanoTime();
      long srv1 = ProcStats.cpuMicros(o.pids);
      long self1 = ProcStats.cpuMicros(ProcStats.SELF);
      long rss1 = -1;
      long heap1 = -1;
      if (!o.pids.isEmpty()) {
        gcAll();
        rss1 = ProcStats.rssKb(o.pids);
        heap1 = heap0 < 0 ? -1 : heapKb();
      }
      long lost = fleet.lost();
      report.connections(new Result(o.connections, o.members, (t1 - t0) / 1e9,
          srv0 < 0 || srv1 < 0 ? -1 : srv1 - srv0, self0 < 0 || self1 < 0 ? -1 : self1 - self0, rss0, rss1,
          heap1 < 0 ? -1 : heap0, heap1, gcHow, lost));
      long c0 = System.nanoTime();
      fleet.close();
      err.printf(Locale.ROOT, "bench: closed %d connections in %.2f s%n", o.connections,
          (System.nanoTime() - c0) / 1e9);
    }
  }

  /**
   * Opens and closes rounds of connections until the warm-up time is spent (at least one round, at
   * most {@link #MAX_WARMUP_ROUNDS}). Both JVMs compile the connect path only after thousands of
   * connections; a short run would otherwise measure their compilers along with the connects.
   */
  private void warmUp(String runId) {
    int n = Math.min(o.connections, WARMUP_CONNECTIONS);
    long end = System.nanoTime() + o.warmupMs * 1_000_000;
    int rounds = 0;
    do {
      try (LeanFleet warm = new LeanFleet(o.urls, o.threads)) {
        warm.connectAll(n, o.members, "bench-" + runId + "-w" + rounds + "-", o.concurrency, o.connectTimeoutMs);
      }
      rounds++;
    } while (System.nanoTime() < end && rounds < MAX_WARMUP_ROUNDS);
    err.printf(Locale.ROOT, "bench: connections: warm-up opened and closed %d x %d connections%n", rounds, n);
    FanoutScenario.sleep(500); // let the server see the closes before the "before" GC
  }

  private String gcAll() {
    StringBuilder how = new StringBuilder();
    for (long pid : o.pids) {
      how.append(how.length() == 0 ? "" : ", ").append(ProcStats.gc(pid));
    }
    return how.toString();
  }

  /** Heap in use summed over the pids, -1 unless every one is a JVM whose heap could be read. */
  private long heapKb() {
    long sum = 0;
    for (long pid : o.pids) {
      long h = ProcStats.heapUsedKb(pid);
      if (h < 0) {
        return -1;
      }
      sum += h;
    }
    return sum;
  }

  /** What the connections scenario measured. */
  record Result(int connections, int roomSize, double seconds, long serverCpuUs, long benchCpuUs, long rssBeforeKb,
      long rssAfterKb, long heapBeforeKb, long heapAfterKb, String gc, long lost) {

    double perSecond() {
      return connections / seconds;
    }

    double kbPerConnection() {
      return rssBeforeKb < 0 || rssAfterKb < 0 ? Double.NaN : (double) (rssAfterKb - rssBeforeKb) / connections;
    }

    double heapKbPerConnection() {
      return heapBeforeKb < 0 || heapAfterKb < 0 ? Double.NaN : (double) (heapAfterKb - heapBeforeKb) / connections;
    }

    double serverUsPerConnection() {
      return serverCpuUs < 0 ? Double.NaN : (double) serverCpuUs / connections;
    }

    double benchCpuPct() {
      return benchCpuUs < 0 ? Double.NaN : benchCpuUs / (seconds * 10_000);
    }

    static String header() {
      return String.format(Locale.ROOT, "%11s %8s %8s %9s %9s %10s %10s %9s %10s %6s %5s",
          "connections", "roomSize", "seconds", "conn/s", "us/conn", "rssBeforeM", "rssAfterM", "KB/conn",
          "heapKB/con", "bench%", "lost");
    }

    String row() {
      return String.format(Locale.ROOT, "%11d %8d %8.2f %9.0f %9s %10s %10s %9s %10s %6s %5d", connections, roomSize,
          seconds, perSecond(), StepResult.fmt(serverUsPerConnection(), 1),
          rssBeforeKb < 0 ? "-" : StepResult.fmt(rssBeforeKb / 1024.0, 1),
          rssAfterKb < 0 ? "-" : StepResult.fmt(rssAfterKb / 1024.0, 1), StepResult.fmt(kbPerConnection(), 2),
          StepResult.fmt(heapKbPerConnection(), 2), StepResult.fmt(benchCpuPct(), 0), lost);
    }

    JsonObject json() {
      JsonObject j = new JsonObject().put("kind", "connections").put("scenario", "connections")
          .put("connections", connections).put("roomSize", roomSize).put("seconds", StepResult.round(seconds, 3))
          .put("connectPerSec", StepResult.round(perSecond(), 1)).put("lostConnections", lost)
          .put("benchCpuPct", StepResult.round(benchCpuPct(), 1))
          .put("benchCpus", Runtime.getRuntime().availableProcessors());
      if (serverCpuUs >= 0) {
        j.put("serverCpuUsPerConnection", StepResult.round(serverUsPerConnection(), 2));
      }
      if (rssBeforeKb >= 0 && rssAfterKb >= 0) {
        j.put("serverRssBeforeKb", rssBeforeKb).put("serverRssAfterKb", rssAfterKb)
            .put("serverRssKbPerConnection", StepResult.round(kbPerConnection(), 3)).put("gc", gc);
      }
      if (heapBeforeKb >= 0 && heapAfterKb >= 0) {
        j.put("serverHeapBeforeKb", heapBeforeKb).put("serverHeapAfterKb", heapAfterKb)
            .put("serverHeapKbPerConnection", StepResult.round(heapKbPerConnection(), 3));
      }
      return j;
    }
  }
}
