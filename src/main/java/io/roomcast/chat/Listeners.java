package io.roomcast.chat;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which rooms' event addresses ({@link Addresses#events}) have a consumer on this node, learnt
 * through Vert.x's metrics SPI (the only public place that hears of every registration). The chat's
 * node publishes a room's events for every message, joined and left, and for most rooms nobody
 * listens: a publish to nobody still costs a message, a failure, a future and the address string, a
 * tenth of what the server allocated per chat message. With this registry it costs a map lookup.
 *
 * <p>Installed by {@link io.roomcast.cluster.Cluster#vertx} as the instance's metrics; it records
 * nothing else. On a Vert.x instance made without it, {@link #of} answers a registry that says every
 * address may be listened to, so events are published as before.
 */
public final class Listeners implements VertxMetrics {
  private static final Listeners EVERYONE = new Listeners(true);
  private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
  private final boolean assumeListened;

  public Listeners() {
    this(false);
  }

  private Listeners(boolean assumeListened) {
    this.assumeListened = assumeListened;
  }

  /** The registry of {@code vertx}, or one that answers true when it has none. */
  public static Listeners of(Vertx vertx) {
    return vertx instanceof VertxInternal v && v.metrics() instanceof Listeners l ? l : EVERYONE;
  }

  /** True when a consumer on this node listens to {@code room}'s events (or when that cannot be known). */
  public boolean listened(String room) {
    return assumeListened || counts.containsKey(room);
  }

  @Override
  public EventBusMetrics<String> createEventBusMetrics() {
    return new EventBusMetrics<>() {
      @Override
      public String handlerRegistered(String address) {
        if (address.startsWith(Addresses.EVENTS_PREFIX)) {
          counts.merge(address.substring(Addresses.EVENTS_PREFIX.length()), 1, Integer::sum);
        }
        return address;
      }

      @Override
      public void handlerUnregistered(String address) {
        if (address.startsWith(Addresses.EVENTS_PREFIX)) {
          counts.computeIfPresent(address.substring(Addresses.EVENTS_PREFIX.length()), (a, n) -> n == 1 ? null : n - 1);
        }
      }
    };
  }
}
