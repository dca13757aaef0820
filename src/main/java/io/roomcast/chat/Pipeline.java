package io.roomcast.chat;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds back what the chat says (broadcasts, replies) until what it changed is stored, and keeps the
 * order in which the chat said it. Each handled request is a batch: its writes (copies to the
 * follower) start at once, and its effects run once its writes and every earlier batch's writes
 * have completed. So nobody sees a message, and no sender gets an ack, before the message
 * is on two nodes; and a room's messages still go out in seq order.
 *
 * <p>With no writes (a single node keeps its state in memory only) a batch's effects run as soon
 * as it ends. Confined to the chat verticle's event loop: store futures complete on that context.
 */
final class Pipeline {
  private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

  private static final class Batch {
    final List<Runnable> effects = new ArrayList<>(4);
    int pendingWrites;
    boolean sealed;
  }

  private final ArrayDeque<Batch> queue = new ArrayDeque<>();
  private Batch current;

  /** Runs {@code body} as one batch. */
  void batch(Runnable body) {
    Batch b = new Batch();
    Batch outer = current;
    current = b;
    try {
      body.run();
    } finally {
      current = outer;
      b.sealed = true;
      queue.addLast(b);
      drain();
    }
  }

  /** A write the current batch waits for. A failed write is logged; the effects still run. */
  void write(Future<?> write) {
    Batch b = current;
    if (b == null) {
      return; // outside a batch (restoring state): nothing waits for it
    }
    b.pendingWrites++;
    write.onComplete(ar -> {
      if (ar.failed()) {
        LOG.warning("chat state not stored: " + ar.cause());
      }
      b.pendingWrites--;
      drain();
    });
  }

  /** Something the current batch says, run in order once its writes are done. */
  void effect(Runnable effect) {
    if (current == null) {
      effect.run();
    } else {
      current.effects.add(effect);
    }
  }

  /**
   * Like {@link #effect}, for {@code effect} bound for the gateways of another {@code node}, which
   * {@code send} sends there; until it runs, {@link #takeRemote} can take it out.
   */
  void remote(String node, ReplicaUpdate.Effect effect, Runnable send) {
    effect(new Remote(node, effect, send));
  }

  /**
   * Takes out, in order, the effects for {@code node} that still wait: a node that has just become
   * the follower gets them in the chat's copy, ahead of what the chat says after them.
   */
  List<ReplicaUpdate.Effect> takeRemote(String node) {
    List<ReplicaUpdate.Effect> out = new ArrayList<>();
    for (Batch b : queue) {
      b.effects.removeIf(r -> {
        if (r instanceof Remote x && x.node.equals(node)) {
          out.add(x.effect);
          return true;
        }
        return false;
      });
    }
    return out;
  }

  private record Remote(String node, ReplicaUpdate.Effect effect, Runnable send) implements Runnable {
    @Override
    public void run() {
      send.run();
    }
  }

  /** Batches still waiting for their writes. */
  int waiting() {
    return queue.size();
  }

  private void drain() {
    while (!queue.isEmpty() && queue.peekFirst().sealed && queue.peekFirst().pendingWrites == 0) {
      for (Runnable r : queue.pollFirst().effects) {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "chat effect failed", e);
        }
      }
    }
  }
}
