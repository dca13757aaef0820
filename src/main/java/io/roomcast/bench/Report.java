package io.roomcast.bench;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes results: by default a table (one row per step, printed as each step ends) followed by one
 * JSON line per step and summary; with {@code --json} only the JSON lines, each as soon as it is known.
 * JSON lines always start with '{' and stand alone on their line ({@code grep '^{'} picks them).
 */
final class Report {
  /** A JIT share of the server's CPU from which a step is flagged as measuring a warming-up JVM. */
  static final double JIT_WARNING_PCT = 10;
  private final PrintStream out;
  private final boolean jsonOnly;
  private final List<String> jsonLines = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private boolean headerDone;
  private String legend;

  Report(PrintStream out, boolean jsonOnly) {
    this.out = out;
    this.jsonOnly = jsonOnly;
  }

  void step(StepResult r) {
    legend = "(latency per delivered copy; us/copy, srv% and srvMB: server CPU per delivered copy, CPU and RSS"
        + " in the measured window, with --pid; jit%: the share of that CPU a JVM server's JIT compiler threads took;"
        + " steal%: the share of this machine's CPU time the VM's host took in the window";
    table(StepResult.header(), r.row());
    json(r.json());
    if (r.firstError() != null) {
      note("step " + r.step() + ": first error: " + r.firstError());
    }
    if (r.serverJitSharePct() >= JIT_WARNING_PCT) {
      note(String.format(Locale.ROOT, "step %d: the server's JIT compiler took %.0f%% of its CPU in the window: it was"
          + " still warming up, and us/copy and latency show it (a longer --prime measures its steady state)",
          r.step(), r.serverJitSharePct()));
    }
    if (r.stealPct() >= StepResult.STEAL_WARNING_PCT) {
      note(String.format(Locale.ROOT, "step %d: the VM's host took %.0f%% of this machine's CPU time in the window"
          + " (steal): latency and us/copy measure the host as much as the server (run it again)", r.step(), r.stealPct()));
    }
  }

  /** The sweep's verdict: the highest passing step; {@code reached} false when no step failed. */
  void saturation(String scenario, StepResult best, boolean reached) {
    JsonObject j = new JsonObject().put("kind", "saturation").put("scenario", scenario).put("reached", reached)
        .put("criterion", "every copy delivered, p99 < " + (int) StepResult.P99_LIMIT_MS + " ms, >= 90% of target offered");
    if (best == null) {
      note("saturation: no step passed");
      j.putNull("rate");
    } else {
      note(String.format(Locale.ROOT, "saturation%s: %.0f messages/s offered = %.0f copies/s delivered (step %d, p99 %.3f ms)",
          reached ? "" : " not reached (every step passed); highest step", best.offeredPerSec(),
          best.deliveredPerSec(), best.step(), best.latencyMs(99)));
      j.put("rate", best.targetRate()).put("offeredPerSec", StepResult.round(best.offeredPerSec(), 1))
          .put("deliveredPerSec", StepResult.round(best.deliveredPerSec(), 1)).put("step", best.step());
    }
    json(j);
  }

  void connections(ConnectionsScenario.Result r) {
    legend = "(conn/s includes welcome and join ack; us/conn: server CPU per connection while connecting;"
        + " KB/conn: server RSS after minus before, each after a server GC; heapKB/con: the same for a JVM's heap";
    table(ConnectionsScenario.Result.header(), r.row());
    json(r.json());
  }

  /** A line under the table (not shown with --json). */
  void note(String line) {
    notes.add(line);
  }

  /** Prints what is left: the notes, the legend and the JSON lines (table mode). */
  void finish() {
    if (!jsonOnly) {
      for (String n : notes) {
        out.println(n);
      }
      if (legend != null) {
        out.println(legend + "; bench% = this process, 100 = one core of its "
            + Runtime.getRuntime().availableProcessors() + ")");
      }
      for (String j : jsonLines) {
        out.println(j);
      }
    }
    out.flush();
  }

  private void table(String header, String row) {
    if (jsonOnly) {
      return;
    }
    if (!headerDone) {
      out.println(header);
      headerDone = true;
    }
    out.println(row);
    out.flush();
  }

  private void json(JsonObject j) {
    if (jsonOnly) {
      out.println(j.encode());
      out.flush();
    } else {
      jsonLines.add(j.encode());
    }
  }
}
