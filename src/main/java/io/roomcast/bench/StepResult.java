package io.roomcast.bench;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one fan-out step measured, as a table row and as one JSON line. "Offered" counts acked sends
 * stamped inside the measured window (an error reply means not offered); "expected" is offered ×
 * copies per send (every member, less the sender when the server does not echo); "delivered" counts the
 * copies of those sends that arrived by the end of the drain wait.
 */
record StepResult(String scenario, int step, double targetRate, int rooms, int members, int publishers, boolean echo,
    double windowSec, long offered, long sendErrors, long skipped, long unansweredAtEnd, long lostConnections,
    long expected, long delivered, long clientsShort, long clientsExtra, long gaps, long dups,
    Histogram latencyUs, long drainMs, long serverCpuUs, long serverJitUs, long serverRssKb, long benchCpuUs,
    int benchCpus, double stealPct, String firstError) {

  /** A host's steal (% of the machine's CPU time) from which a step is flagged as measuring the host too. */
  static final double STEAL_WARNING_PCT = 10;

  /** p99 above this fails a sweep step. */
  static final double P99_LIMIT_MS = 100;

  double offeredPerSec() {
    return offered / windowSec;
  }

  double deliveredPerSec() {
    return delivered / windowSec;
  }

  /** Latency percentile in ms, NaN when nothing was delivered. */
  double latencyMs(double percentile) {
    return latencyUs.getTotalCount() == 0 ? Double.NaN : latencyUs.getValueAtPercentile(percentile) / 1000.0;
  }

  double maxMs() {
    return latencyUs.getTotalCount() == 0 ? Double.NaN : latencyUs.getMaxValue() / 1000.0;
  }

  /** Server CPU µs per delivered copy over the measured window, NaN without --pid. */
  double serverUsPerCopy() {
    return serverCpuUs < 0 || delivered == 0 ? Double.NaN : (double) serverCpuUs / delivered;
  }

  double serverCpuPct() {
    return serverCpuUs < 0 ? Double.NaN : serverCpuUs / (windowSec * 10_000);
  }

  /**
   * The share (%) of the server's CPU in the window taken by its JIT compiler threads: NaN without
   * --pid, or for a server that is not a HotSpot JVM.
   */
  double serverJitSharePct() {
    return serverJitUs < 0 || serverCpuUs <= 0 ? Double.NaN : 100.0 * serverJitUs / serverCpuUs;
  }

  double benchCpuPct() {
    return benchCpuUs < 0 ? Double.NaN : benchCpuUs / (windowSec * 10_000);
  }

  /**
   * A sweep step passes when every expected copy arrived (to every client, no gaps, duplicates or lost
   * connections), p99 is under 100 ms, and the bench really offered at least 90% of the target rate.
   */
  boolean ok() {
    return expected > 0 && delivered == expected && clientsShort == 0 && clientsExtra == 0 && gaps == 0
        && dups == 0 && lostConnections == 0 && latencyMs(99) < P99_LIMIT_MS
        && offeredPerSec() >= 0.9 * targetRate;
  }

  static String header() {
    return String.format(Locale.ROOT, "%4s %9s %9s %10s %11s %11s %7s %5s %5s %8s %8s %8s %8s %7s %6s %5s %7s %6s %6s %4s",
        "step", "target/s", "offered/s", "copies/s", "expected", "delivered", "missing", "gaps", "dups",
        "p50ms", "p99ms", "p99.9ms", "maxms", "us/copy", "srv%", "jit%", "srvMB", "bench%", "steal%", "ok");
  }

  String row() {
    return String.format(Locale.ROOT, "%4d %9.0f %9.0f %10.0f %11d %11d %7d %5d %5d %8s %8s %8s %8s %7s %6s %5s %7s %6s %6s %4s",
        step, targetRate, offeredPerSec(), deliveredPerSec(), expected, delivered, expected - delivered, gaps, dups,
        fmt(latencyMs(50), 3), fmt(latencyMs(99), 3), fmt(latencyMs(99.9), 3), fmt(maxMs(), 3),
        fmt(serverUsPerCopy(), 2), fmt(serverCpuPct(), 0), fmt(serverJitSharePct(), 0),
        serverRssKb < 0 ? "-" : fmt(serverRssKb / 1024.0, 0),
        fmt(benchCpuPct(), 0), fmt(stealPct, 1), ok() ? "yes" : "NO");
  }

  JsonObject json() {
    JsonObject j = new JsonObject().put("kind", "step").put("scenario", scenario).put("step", step)
        .put("rooms", rooms).put("members", members).put("publishersPerRoom", publishers).put("echo", echo)
        .put("targetRate", targetRate).put("windowSec", windowSec)
        .put("offered", offered).put("offeredPerSec", round(offeredPerSec(), 1))
        .put("sendErrors", sendErrors).put("skippedBackpressure", skipped).put("unanswered", unansweredAtEnd)
        .put("lostConnections", lostConnections)
        .put("expected", expected).put("delivered", delivered).put("deliveredPerSec", round(deliveredPerSec(), 1))
        .put("clientsShort", clientsShort).put("clientsExtra", clientsExtra).put("gaps", gaps).put("dups", dups)
        .put("drainMs", drainMs);
    if (latencyUs.getTotalCount() > 0) {
      j.put("latencyMs", new JsonObject().put("p50", latencyMs(50)).put("p99", latencyMs(99))
          .put("p999", latencyMs(99.9)).put("max", maxMs()).put("count", latencyUs.getTotalCount()));
    }
    if (serverCpuUs >= 0) {
      j.put("serverCpuUs", serverCpuUs).put("serverCpuPct", round(serverCpuPct(), 1))
          .put("serverCpuUsPerCopy", delivered == 0 ? null : round(serverUsPerCopy(), 3));
    }
    if (serverJitUs >= 0) {
      j.put("serverJitCpuUs", serverJitUs).put("serverJitSharePct", round(serverJitSharePct(), 1));
    }
    if (serverRssKb >= 0) {
      j.put("serverRssKb", serverRssKb);
    }
    j.put("benchCpuPct", round(benchCpuPct(), 1)).put("benchCpus", benchCpus).put("stealPct", round(stealPct, 1))
        .put("ok", ok());
    if (firstError != null) {
      j.put("firstError", firstError);
    }
    return j;
  }

  static String fmt(double v, int decimals) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** Rounded for the JSON line; null (JSON null) when unknown. */
  static Double round(double v, int decimals) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return null;
    }
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }
}
