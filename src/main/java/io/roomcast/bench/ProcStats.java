package io.roomcast.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time, resident memory and GC of local processes, read from {@code /proc} (Linux). The bench
 * reads its own CPU time the same way, so a reader can tell when the bench, not the server, is the
 * one that ran out of CPU; and the machine's steal time, so that a reader can tell when the VM's host
 * took CPU the two were waiting for.
 */
final class ProcStats {
  /** Stands for the bench process itself. */
  static final long SELF = 0;

  /**
   * A heap or generation line of {@code jcmd PID GC.heap_info} (G1, Parallel, Serial), indented by one
   * space up to Java 17 and not at all (with "total reserved …, committed …" for G1) in Java 25.
   */
  private static final Pattern HEAP_LINE = Pattern.compile("(?m)^ ?\\S[^\\n]*\\btotal\\b[^\\n]*?, used (\\d+)K");

  private static volatile long clockTicks;

  private ProcStats() {
  }

  /** utime + stime of {@code pid} in microseconds, or -1 when it cannot be read (process gone). */
  static long cpuMicros(long pid) {
    try {
      return statTicks(Files.readString(dir(pid).resolve("stat"), StandardCharsets.US_ASCII)) * 1_000_000L / clockTicks();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime, in clock ticks, of a {@code /proc/…/stat} line. */
  static long statTicks(String stat) {
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the whole line
  }

  /**
   * CPU time of a JVM's JIT compiler threads ({@code C1 CompilerThread…}, {@code C2 CompilerThread…}),
   * in microseconds; -1 when {@code pid} has none (not a JVM, or unreadable). A JVM compiles its hot
   * paths after thousands of calls, on the server's own CPU: while it does, CPU per copy and latency
   * measure its warm-up, not its steady state.
   */
  static long compilerCpuMicros(long pid) {
    long ticks = 0;
    boolean found = false;
    try (var tasks = Files.list(dir(pid).resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
          if (isCompilerThread(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) {
            found = true;
            ticks += statTicks(stat);
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return found ? ticks * 1_000_000L / clockTicks() : -1;
  }

  /** Sum of {@link #compilerCpuMicros} over the pids (-1 if any has no compiler threads). */
  static long compilerCpuMicros(List<Long> pids) {
    return sum(pids, ProcStats::compilerCpuMicros);
  }

  /** True for the thread name (as the kernel keeps it: 15 characters) of a HotSpot JIT compiler thread. */
  static boolean isCompilerThread(String comm) {
    return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
  }

  /** Sum of {@link #cpuMicros} over the given pids (-1 if any is unreadable or the list is empty). */
  static long cpuMicros(List<Long> pids) {
    return sum(pids, ProcStats::cpuMicros);
  }

  /**
   * The machine's CPU time so far, all CPUs together, as {total, steal} in clock ticks from the first
   * line of {@code /proc/stat}; null when it cannot be read. Steal is the time the VM's host ran
   * something else while this machine had work for that CPU: on a shared host it comes and goes, and
   * while it is high the server's latency and CPU per copy measure the host as much as the server.
   */
  static long[] machineTicks() {
    try (var lines = Files.lines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
      return lines.findFirst().map(ProcStats::machineTicks).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * {total, steal} of a {@code /proc/stat} "cpu" line: user, nice, system, idle, iowait, irq, softirq
   * and steal make the total (guest time is already counted in user and nice).
   */
  static long[] machineTicks(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 9) {
      throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
    }
    long total = 0;
    for (int i = 1; i <= 8; i++) {
      total += Long.parseLong(f[i]);
    }
    return new long[] {total, Long.parseLong(f[8])};
  }

  /** The host's share (%) of the machine's CPU time between two {@link #machineTicks()}; NaN when unknown. */
  static double stealPct(long[] before, long[] after) {
    if (before == null || after == null || after[0] <= before[0]) {
      return Double.NaN;
    }
    return 100.0 * (after[1] - before[1]) / (after[0] - before[0]);
  }

  /** VmRSS of {@code pid} in KiB, or -1. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(dir(pid).resolve("status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // reported as unknown
    }
    return -1;
  }

  /** Sum of {@link #rssKb} over the pids (-1 if any is unreadable or the list is empty). */
  static long rssKb(List<Long> pids) {
    return sum(pids, ProcStats::rssKb);
  }

  private static long sum(List<Long> pids, java.util.function.LongUnaryOperator read) {
    long sum = 0;
    for (long p : pids) {
      long v = read.applyAsLong(p);
      if (v < 0) {
        return -1;
      }
      sum += v;
    }
    return pids.isEmpty() ? -1 : sum;
  }

  /**
   * Asks {@code pid} for a full GC, so RSS compares live memory rather than garbage: a JVM via
   * {@code jcmd PID GC.run} (synchronous), Node via SIGUSR2 (the peer's handler calls global.gc() when
   * started with --expose-gc; asynchronous, so we wait a second). Returns what was done, for the report.
   */
  static String gc(long pid) {
    String argv0 = argv0(pid);
    try {
      if (argv0.endsWith("java")) {
        return run(List.of("jcmd", Long.toString(pid), "GC.run"), 30) != null ? "jcmd GC.run" : "jcmd GC.run failed";
      }
      if (argv0.contains("node")) {
        boolean ok = run(List.of("kill", "-USR2", Long.toString(pid)), 5) != null;
        Thread.sleep(1_000);
        return ok ? "SIGUSR2" : "SIGUSR2 failed";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "no GC (unknown runtime '" + argv0 + "')";
  }

  /**
   * Java heap in use of a JVM {@code pid} in KiB ({@code jcmd PID GC.heap_info}: the "used" of each
   * heap or generation line), or -1 for other processes and collectors it cannot read. A JVM keeps its
   * heap's pages after a GC, so RSS alone hides how much of it the connections really hold.
   */
  static long heapUsedKb(long pid) {
    if (!argv0(pid).endsWith("java")) {
      return -1;
    }
    try {
      String out = run(List.of("jcmd", Long.toString(pid), "GC.heap_info"), 30);
      return out == null ? -1 : heapUsedKb(out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The sum of the "used" of the heap or generation lines of a {@code GC.heap_info} answer; -1 without any. */
  static long heapUsedKb(String heapInfo) {
    long sum = -1;
    Matcher m = HEAP_LINE.matcher(heapInfo);
    while (m.find()) {
      sum = Math.max(sum, 0) + Long.parseLong(m.group(1));
    }
    return sum;
  }

  /** The program name (basename of argv[0]) of {@code pid}, or "" when unreadable. */
  static String argv0(long pid) {
    try {
      byte[] raw = Files.readAllBytes(dir(pid).resolve("cmdline"));
      int end = 0;
      while (end < raw.length && raw[end] != 0) {
        end++;
      }
      String a = new String(raw, 0, end, StandardCharsets.UTF_8);
      return a.substring(a.lastIndexOf('/') + 1);
    } catch (IOException e) {
      return "";
    }
  }

  /** The soft limit on open files of the bench process, or -1 when unknown. */
  static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  /** Clock ticks per second ({@code getconf CLK_TCK}), 100 when getconf is not available. */
  static long clockTicks() {
    long t = clockTicks;
    if (t == 0) {
      t = 100;
      try {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
          t = Long.parseLong(out);
        }
      } catch (IOException | RuntimeException e) {
        // keep 100, the value on every common Linux
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      clockTicks = t;
    }
    return t;
  }

  /** Runs {@code cmd}; its output when it exits 0 within the timeout, else null. */
  private static String run(List<String> cmd, int timeoutSeconds) throws InterruptedException {
    try {
      Path log = Files.createTempFile("roomcast-bench", ".out");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return null;
        }
        return p.exitValue() == 0 ? Files.readString(log) : null;
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      return null;
    }
  }

  private static Path dir(long pid) {
    return Path.of("/proc", pid == SELF ? "self" : Long.toString(pid));
  }
}
