package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.protocol.ClientFrame.Send;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests to the chat, which may run on another node. Each goes to the address of the node that
 * runs the chat now ({@link Addresses#at}), never to a shared address: after a crash the event bus
 * may still list the dead node's consumers for a while, and would send it every other request.
 *
 * <p>While the chat moves (its node died or left and the next one is taking over) there is briefly
 * nobody to answer: a request that reached nobody is sent again until the time limit. One that may
 * have been handled (it timed out) is sent again only if doing it twice is harmless; to make it so, a
 * room message (a client's send or a publish) without a key that goes to a chat on another node is
 * given a key first ({@link #withServerKey}), and is stored once however often it is asked. A command whose
 * node dies or leaves while it waits stops waiting then ({@link StreamReplies#lost}), not when its
 * time limit runs out: on the node that takes the chat over it is asked again (see
 * {@link #ticketed}); elsewhere it counts as timed out.
 */
public final class ChatLink {
  private static final long RETRY_MS = 100;
  private final Vertx vertx;
  private final long timeoutMs;
  private final ClusterView view;
  private final LocalChat local;
  private final StreamReplies waiting;
  /** Server keys ({@link #withServerKey}): random per link, so that no two links' keys meet. */
  private final String keyPrefix = String.format("~%012x.", ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);
  private final AtomicLong keys = new AtomicLong();

  /**
   * {@code local} (null for a link that carries no gateway commands) carries gateway commands while
   * this node runs the chat; {@code waiting} (the node's own) files every command that waits for an
   * answer.
   */
  public ChatLink(Vertx vertx, long timeoutMs, ClusterView view, LocalChat local, StreamReplies waiting) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.view = view;
    this.local = local;
    this.waiting = waiting;
  }

  /**
   * Sends {@code body} to {@code address} on the chat's node and completes with the reply's body;
   * {@code idempotent} requests get twice the time limit and survive a timeout.
   */
  public <T> Future<T> request(String address, Object body, boolean idempotent) {
    if (local != null && address.equals(Addresses.CHAT_COMMANDS)) {
      Future<T> here = local.request(vertx, body, () -> overBus(address, body, idempotent));
      if (here != null) {
        return here;
      }
      if (view.nodeId().equals(view.follower())) {
        return ticketed(body, idempotent);
      }
    }
    return overBus(address, body, idempotent);
  }

  /**
   * On the follower's node: the command goes with a ticket, and its answer comes in the chat's copy
   * of its changes, in order with the broadcasts to this node. Unanswered within the time limit, an
   * idempotent command is asked again the usual way.
   *
   * <p>When the chat's node dies or leaves first, every command is asked again, of the chat this node
   * now runs: the chat sends a command's answer with its changes (or before them, when a new copy
   * starts), never after, so a command whose answer had not come is not in the copy this node takes
   * over, and asking again stores it once.
   */
  @SuppressWarnings("unchecked")
  private <T> Future<T> ticketed(Object body, boolean idempotent) {
    ContextInternal caller = LocalChat.caller(vertx);
    PromiseInternal<Object> answer = caller.promise();
    String leader = view.leader();
    long ticket = waiting.open(caller, answer, leader, System.currentTimeMillis() + timeoutMs, () -> {
      if (idempotent) {
        overBus(Addresses.CHAT_COMMANDS, body, true).onComplete(answer);
      } else {
        answer.tryFail(new ReplyException(ReplyFailure.TIMEOUT, "the chat did not answer in " + timeoutMs + " ms"));
      }
    }, () -> request(Addresses.CHAT_COMMANDS, body, idempotent).onComplete(answer));
    DeliveryOptions options = new DeliveryOptions().addHeader(StreamReplies.TICKET, Long.toString(ticket))
        .addHeader(StreamReplies.NODE, view.nodeId());
    vertx.eventBus().send(Addresses.at(Addresses.CHAT_COMMANDS, leader), body, options);
    return (Future<T>) answer.future();
  }

  private <T> Future<T> overBus(String address, Object body, boolean idempotent) {
    Object keyed = idempotent || view.nodeId().equals(view.leader()) ? null : withServerKey(address, body);
    if (keyed != null) {
      return this.<T>overBus(address, keyed, true).map(ChatLink::firstTime);
    }
    Promise<T> promise = Promise.promise();
    long deadline = System.currentTimeMillis() + (idempotent ? 2 * timeoutMs : timeoutMs);
    attempt(address, body, idempotent, deadline, promise);
    return promise.future();
  }

  private <T> void attempt(String address, Object body, boolean idempotent, long deadline, Promise<T> promise) {
    long left = deadline - System.currentTimeMillis();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(Math.max(RETRY_MS, Math.min(timeoutMs, left)));
    String node = view.leader();
    ContextInternal caller = LocalChat.caller(vertx);
    PromiseInternal<Message<T>> reply = caller.promise();
    long watched = waiting.watch(caller, node, () -> reply.tryFail(
        new ReplyException(ReplyFailure.TIMEOUT, "node " + node + " left before the chat answered")));
    vertx.eventBus().<T>request(Addresses.at(address, node), body, options).onComplete(reply);
    reply.future().onComplete(ar -> {
      waiting.forget(watched);
      if (ar.succeeded()) {
        promise.complete(ar.result().body());
        return;
      }
      // A refusal is an answer: never sent again.
      boolean refused = ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE;
      boolean again = !refused && deadline - System.currentTimeMillis() > RETRY_MS
          && (idempotent || unanswered(ar.cause()));
      if (again) {
        vertx.setTimer(RETRY_MS, t -> attempt(address, body, idempotent, deadline, promise));
      } else {
        promise.fail(ar.cause());
      }
    });
  }

  /**
   * A room message without a key, given one the server chose; null for any other request. The key
   * ({@code ~}, this link's random prefix, a counter) lets this node ask the chat again when the
   * chat's node dies or is slow to answer, as for a client's own key: a chat that had stored the
   * message answers with its seq instead of storing it twice. The key travels in the message frame.
   */
  private Object withServerKey(String address, Object body) {
    if (address.equals(Addresses.CHAT_COMMANDS) && body instanceof Command c && c.frame() instanceof Send s
        && s.key() == null) {
      return c.withServerKey(nextKey());
    }
    if (address.equals(Addresses.PUBLISH) && body instanceof JsonObject j && j.getValue("key") == null) {
      return j.copy().put("key", nextKey());
    }
    return null;
  }

  private String nextKey() {
    return keyPrefix + Long.toString(keys.incrementAndGet(), 36);
  }

  /** The answer without {@code duplicate}: the sender asked once; a repeat was this node's own. */
  @SuppressWarnings("unchecked")
  private static <T> T firstTime(T answer) {
    if (answer instanceof Reply r && r.ack() != null && r.ack().containsKey(Chat.DUPLICATE)) {
      return (T) new Reply(withoutDuplicate(r.ack()), r.before(), r.error(), r.message());
    }
    if (answer instanceof JsonObject j && j.containsKey(Chat.DUPLICATE)) {
      return (T) withoutDuplicate(j);
    }
    return answer;
  }

  private static JsonObject withoutDuplicate(JsonObject answer) {
    JsonObject copy = answer.copy();
    copy.remove(Chat.DUPLICATE);
    return copy;
  }

  /** True when the request certainly reached no chat (no handler, or the node was unreachable). */
  private static boolean unanswered(Throwable e) {
    if (e instanceof ReplyException r) {
      return r.failureType() == ReplyFailure.NO_HANDLERS
          || (r.failureType() != ReplyFailure.TIMEOUT && r.failureType() != ReplyFailure.RECIPIENT_FAILURE);
    }
    return true;
  }
}
