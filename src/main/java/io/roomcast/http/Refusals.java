package io.roomcast.http;

import io.roomcast.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Counts everything the server turns away, by code (protocol error codes, close reasons, HTTP
 * refusals), for {@code GET /health}. Shared by every HTTP verticle of a node; counting is lock-free.
 * Client mistakes are logged as one line at most per second, never with a stack trace, so a hostile
 * client cannot flood the log.
 */
public final class Refusals {
  private static final Logger LOG = Logger.getLogger("io.roomcast.refusals");
  private static final long LOG_INTERVAL_MS = 1000;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final AtomicLong nextLog = new AtomicLong();
  private final LongAdder unlogged = new LongAdder();

  /** The refusals that are not protocol error codes. */
  private static final List<String> CONNECTION_REFUSALS = List.of("flooding", "slow_consumer",
      "too_many_connections_from_ip", "server_full", "upgrade_timeout", "idle_timeout");

  /** Every known code starts at 0, so /health always shows the same keys. */
  public Refusals() {
    for (ErrorCode code : ErrorCode.values()) {
      counts.put(code.code(), new LongAdder());
    }
    for (String code : CONNECTION_REFUSALS) {
      counts.put(code, new LongAdder());
    }
  }

  /** Counts one refusal and maybe logs it. */
  public void count(String code, String remote) {
    counts.computeIfAbsent(code, c -> new LongAdder()).increment();
    long now = System.currentTimeMillis();
    long next = nextLog.get();
    if (now >= next && nextLog.compareAndSet(next, now + LOG_INTERVAL_MS)) {
      long skipped = unlogged.sumThenReset();
      LOG.info("refused " + code + " from " + remote + (skipped > 0 ? " (+" + skipped + " more not logged)" : ""));
    } else {
      unlogged.increment();
    }
  }

  public long get(String code) {
    LongAdder a = counts.get(code);
    return a == null ? 0 : a.sum();
  }

  public JsonObject toJson() {
    JsonObject out = new JsonObject();
    new TreeMap<>(counts).forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
