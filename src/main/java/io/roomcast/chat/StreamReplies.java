package io.roomcast.chat;

import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The commands a follower node's gateways sent the chat and whose answers have not come yet. The
 * chat's node answers them inside its copy of the chat's changes (a {@link ReplicaUpdate.ToTicket},
 * in order with that node's broadcasts), or, when it did not see this node as its follower, with a
 * message to {@link Addresses#REPLIES} at this node. A command is sent with a ticket instead of as a
 * request, so no reply address is registered and no timer set for each one: one sweep per node
 * expires those left unanswered ({@link #expire}).
 *
 * <p>It also {@link #watch watches} the requests the node's gateways and forwarders send the chat over
 * the event bus. Every command is filed under the node it went to, so that when that node dies or
 * leaves, all of them give up at once ({@link #lost}) instead of each waiting out its time limit: the
 * chat's next node is taking over, and an idempotent command can be asked again straight away. One
 * per node, used from any event loop.
 */
public final class StreamReplies {
  /** The event bus header that carries a command's ticket. */
  static final String TICKET = "ticket";
  /** The event bus header that carries the node of the gateway that sent a ticketed command. */
  static final String NODE = "node";

  /** {@code answer} is null for a {@link #watch watched} request, whose answer comes over the bus. */
  private record Pending(ContextInternal caller, PromiseInternal<Object> answer, String node, long deadline,
      Runnable expired, Runnable lost) {
  }

  private final AtomicLong next = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

  /**
   * A ticket for a command sent to {@code node} whose answer completes {@code answer} on
   * {@code caller}; if none comes before {@code deadline} (epoch ms), {@code expired} runs on
   * {@code caller} instead, and if {@code node} is {@link #lost} first, {@code lost} does.
   */
  long open(ContextInternal caller, PromiseInternal<Object> answer, String node, long deadline, Runnable expired,
      Runnable lost) {
    long ticket = next.incrementAndGet();
    pending.put(ticket, new Pending(caller, answer, node, deadline, expired, lost));
    return ticket;
  }

  /**
   * Files a request sent to {@code node} over the event bus (its time limit is the bus's own): if
   * {@code node} is {@link #lost} before the request is {@link #forget forgotten}, {@code lost} runs
   * on {@code caller}.
   */
  long watch(ContextInternal caller, String node, Runnable lost) {
    return open(caller, null, node, Long.MAX_VALUE, lost, lost);
  }

  /** A watched request was answered, or failed by itself. */
  void forget(long id) {
    pending.remove(id);
  }

  /**
   * Gives up, now, every command sent to a node that is no longer {@code alive}: no answer can come
   * from it. Called whenever nodes leave. They are given up in the order they were sent, so that a
   * caller that sends them again keeps their order.
   */
  void lost(Predicate<String> alive) {
    List<Long> gone = new ArrayList<>();
    pending.forEach((id, p) -> {
      if (!alive.test(p.node())) {
        gone.add(id);
      }
    });
    Collections.sort(gone);
    for (Long id : gone) {
      Pending p = pending.remove(id);
      if (p != null) {
        p.caller().runOnContext(v -> p.lost().run());
      }
    }
  }

  /** The chat's answer to {@code ticket}; an answer that comes after the ticket expired is dropped. */
  void complete(long ticket, Object reply) {
    Pending p = pending.get(ticket);
    if (p != null && p.answer() != null && pending.remove(ticket, p)) {
      p.caller().runOnContext(v -> p.answer().tryComplete(reply));
    }
  }

  /** Expires the tickets whose deadline is before {@code now}. */
  void expire(long now) {
    pending.entrySet().removeIf(e -> {
      Pending p = e.getValue();
      if (p.deadline() >= now) {
        return false;
      }
      p.caller().runOnContext(v -> p.expired().run());
      return true;
    });
  }

  /** Tickets waiting for an answer. */
  int waiting() {
    return pending.size();
  }
}
