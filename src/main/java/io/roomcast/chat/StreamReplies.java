package io.roomcast.chat;

import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commands a follower node's gateways sent the chat and whose answers have not come yet. The
 * chat's node answers them inside its copy of the chat's changes (a {@link ReplicaUpdate.ToTicket},
 * in order with that node's broadcasts), or, when it did not see this node as its follower, with a
 * message to {@link Addresses#REPLIES} at this node. A command is sent with a ticket instead of as a
 * request, so no reply address is registered and no timer set for each one: one sweep per node
 * expires those left unanswered ({@link #expire}). One per node, used from any event loop.
 */
public final class StreamReplies {
  /** The event bus header that carries a command's ticket. */
  static final String TICKET = "ticket";
  /** The event bus header that carries the node of the gateway that sent a ticketed command. */
  static final String NODE = "node";

  private record Pending(ContextInternal caller, PromiseInternal<Object> answer, long deadline, Runnable expired) {
  }

  private final AtomicLong next = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

  /**
   * A ticket for a command whose answer completes {@code answer} on {@code caller}; if none comes
   * before {@code deadline} (epoch ms), {@code expired} runs on {@code caller} instead.
   */
  long open(ContextInternal caller, PromiseInternal<Object> answer, long deadline, Runnable expired) {
    long ticket = next.incrementAndGet();
    pending.put(ticket, new Pending(caller, answer, deadline, expired));
    return ticket;
  }

  /** The chat's answer to {@code ticket}; an answer that comes after the ticket expired is dropped. */
  void complete(long ticket, Object reply) {
    Pending p = pending.remove(ticket);
    if (p != null) {
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
