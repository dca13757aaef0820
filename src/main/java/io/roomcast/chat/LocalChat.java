package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Delivery;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The way from the gateways to the chat verticle of their own node, while that node runs the chat. A
 * command then costs one task on the chat's event loop and one back, where an event bus request
 * costs a message, a reply address registered and removed, a timeout timer set and cancelled, and a
 * message back: on a single node, and on the leader of a cluster, that was 15% of what the server
 * allocated per chat message. Other nodes' gateways, and everything that is not a gateway's
 * command, still use {@link Addresses#CHAT_COMMANDS} and the public addresses on the event bus.
 *
 * <p>The way back, for broadcasts: the chat hands each to its own node's gateways and room event
 * publisher ({@link #listen}) as a task on each one's loop, where a publish on
 * {@link Addresses#DELIVER} cost a message, a copy of it per consumer and their delivery contexts
 * (12% of the allocation left). In a cluster the chat also publishes once to each other node's
 * {@link Addresses#DELIVER} address.
 *
 * <p>Every hop is a task queued on the target's event loop, never a direct call, even when the chat
 * and a gateway share a loop: so a command's broadcast reaches the sender before its ack, and every
 * effect of the chat keeps its place, as over the event bus. One per node: opened and closed on the
 * chat's event loop, read on the gateways' loops.
 */
public final class LocalChat {
  private record Door(ContextInternal context, BiConsumer<Object, Handler<Object>> chat) {
  }

  private record Listener(ContextInternal context, Consumer<Delivery> handler) {
  }

  private volatile Door door;
  private final StreamReplies replies = new StreamReplies();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /**
   * {@code handler} hears, on {@code context}, each broadcast this node's chat makes while it runs
   * here; running the returned task stops that.
   */
  public Runnable listen(ContextInternal context, Consumer<Delivery> handler) {
    Listener l = new Listener(context, handler);
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  /** The node's commands waiting for the chat's answer (for every {@link ChatLink} of the node). */
  public StreamReplies replies() {
    return replies;
  }

  /** Hands a broadcast to every listener, each as a task on its own loop. */
  void deliver(Delivery d) {
    for (Listener l : listeners) {
      l.context().runOnContext(v -> l.handler().accept(d));
    }
  }

  /**
   * Commands go to {@code chat} on {@code context} (the chat verticle's) from now on. {@code chat}
   * answers each through its handler, with the reply, or with null when it no longer runs the chat.
   */
  void open(ContextInternal context, BiConsumer<Object, Handler<Object>> chat) {
    door = new Door(context, chat);
  }

  void close() {
    door = null;
  }

  /**
   * Hands a gateway's command to this node's chat, or returns null when the chat does not run here.
   * The result completes on the caller's context, as an event bus reply would. Should the chat stop
   * running here before it takes the command, the command goes {@code elsewhere}.
   */
  @SuppressWarnings("unchecked")
  <T> Future<T> request(Vertx vertx, Object command, Supplier<Future<T>> elsewhere) {
    Door d = door;
    if (d == null) {
      return null;
    }
    ContextInternal caller = caller(vertx);
    PromiseInternal<T> answer = caller.promise();
    d.context().runOnContext(v -> {
      try {
        d.chat().accept(command, reply -> {
          if (reply != null) {
            caller.runOnContext(x -> answer.tryComplete((T) reply));
          } else {
            elsewhere.get().onComplete(ar -> caller.runOnContext(x -> complete(answer, ar)));
          }
        });
      } catch (RuntimeException e) {
        caller.runOnContext(x -> answer.tryFail(e));
      }
    });
    return answer.future();
  }

  /** The context a request's answer completes on, as an event bus reply would: the caller's. */
  static ContextInternal caller(Vertx vertx) {
    ContextInternal current = ContextInternal.current();
    return current != null ? current : (ContextInternal) vertx.getOrCreateContext();
  }

  private static <T> void complete(PromiseInternal<T> answer, AsyncResult<T> result) {
    if (result.succeeded()) {
      answer.tryComplete(result.result());
    } else {
      answer.tryFail(result.cause());
    }
  }
}
