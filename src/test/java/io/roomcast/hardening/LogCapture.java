package io.roomcast.hardening;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Captures what reaches java.util.logging (Vert.x, Netty and Roomcast all log there when no other
 * backend is on the class path) while a scenario runs, so a test can assert that client mistakes
 * leave no stack trace and at most about one refusal line a second.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger root = Logger.getLogger("");
  private final List<LogRecord> records = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (records) {
        records.add(r);
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private final long startedAt = System.currentTimeMillis();
  private long stoppedAt;

  public LogCapture() {
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
  }

  public List<LogRecord> records() {
    synchronized (records) {
      return new ArrayList<>(records);
    }
  }

  /** Stops capturing; safe to call twice. */
  @Override
  public void close() {
    if (stoppedAt == 0) {
      stoppedAt = System.currentTimeMillis();
    }
    root.removeHandler(handler);
  }

  public long seconds() {
    return ((stoppedAt == 0 ? System.currentTimeMillis() : stoppedAt) - startedAt + 999) / 1000;
  }

  /** Records that carry a Throwable (a stack trace in the log). */
  public List<LogRecord> withThrowable() {
    return records().stream().filter(r -> r.getThrown() != null).toList();
  }

  /** Records from Roomcast's refusal logger. */
  public List<LogRecord> refusalLines() {
    return records().stream().filter(r -> "io.roomcast.refusals".equals(r.getLoggerName())).toList();
  }

  /** Records at WARNING or above. */
  public List<LogRecord> warnings() {
    return records().stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
  }

  public static String describe(List<LogRecord> rs) {
    return rs.stream().limit(10).map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
        + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]")).collect(Collectors.joining("\n  ", "\n  ", ""))
        + (rs.size() > 10 ? "\n  … " + (rs.size() - 10) + " more" : "");
  }

  /** No stack trace, and refusal lines at most one per second of capture (plus one). */
  public void assertQuietAboutClientMistakes() {
    List<LogRecord> traces = withThrowable();
    if (!traces.isEmpty()) {
      throw new AssertionError(traces.size() + " log records carry a stack trace:" + describe(traces));
    }
    List<LogRecord> refusals = refusalLines();
    long allowed = seconds() + 1;
    if (refusals.size() > allowed) {
      throw new AssertionError(refusals.size() + " refusal log lines in " + seconds() + " s (at most " + allowed
          + " expected):" + describe(refusals));
    }
  }
}
