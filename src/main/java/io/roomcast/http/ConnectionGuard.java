package io.roomcast.http;

import io.roomcast.config.RoomcastConfig;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control for new connections, shared by every HTTP verticle of a node: a global cap (HTTP
 * 503) and a per-IP cap (HTTP 429). The client's IP is the TCP peer, or, when the peer is one of
 * {@code http.trustedProxies}, the right-most address in {@code X-Forwarded-For} that is not a
 * trusted proxy (the left-most entries are whatever the client chose to send).
 */
public final class ConnectionGuard {
  /** What {@link #admit} decided. */
  public enum Verdict { ADMITTED, TOO_MANY_FROM_IP, TOO_MANY }

  private final int maxConnections;
  private final int maxPerIp;
  private final List<String> trustedProxies;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perIp = new ConcurrentHashMap<>();

  public ConnectionGuard(RoomcastConfig config) {
    this.maxConnections = config.limits().maxConnections();
    this.maxPerIp = config.limits().maxConnectionsPerIp();
    this.trustedProxies = config.http().trustedProxies();
  }

  /** Takes a slot for {@code ip}; on {@link Verdict#ADMITTED} the caller must {@link #release} it once. */
  public Verdict admit(String ip) {
    if (total.incrementAndGet() > maxConnections) {
      total.decrementAndGet();
      return Verdict.TOO_MANY;
    }
    boolean[] admitted = {false};
    perIp.compute(ip, (k, n) -> {
      int count = n == null ? 0 : n;
      if (count >= maxPerIp) {
        return n;
      }
      admitted[0] = true;
      return count + 1;
    });
    if (!admitted[0]) {
      total.decrementAndGet();
      return Verdict.TOO_MANY_FROM_IP;
    }
    return Verdict.ADMITTED;
  }

  public void release(String ip) {
    total.decrementAndGet();
    perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
  }

  public int connections() {
    return total.get();
  }

  public String clientIp(HttpServerRequest req) {
    return clientIp(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(),
        req.getHeader("X-Forwarded-For"));
  }

  /** {@code peer} is the TCP peer's address (null if unknown), {@code xff} the X-Forwarded-For header. */
  public String clientIp(String peer, String xff) {
    if (peer == null) {
      peer = "unknown";
    }
    if (xff == null || !trustedProxies.contains(peer)) {
      return peer;
    }
    String[] hops = xff.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
        return hop;
      }
    }
    return peer;
  }
}
