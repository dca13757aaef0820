package io.roomcast.chat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The chat's state kept on two nodes: every change the chat makes is sent to the follower (the node
 * that takes the chat over if this one goes, see {@link ClusterView#follower()}), and the batch that
 * made it waits (through the {@link Pipeline}) until the follower has applied it. So an ack or a
 * broadcast means the change is on two nodes.
 *
 * <p>One send is in flight at a time; changes made meanwhile go together in the next one (a group
 * commit). A new follower first gets a full snapshot. A send that fails is sent again, the same
 * update under the same id, for as long as its follower stays the follower: one that had applied it
 * after all (its answer was lost or late) skips it, so it neither applies nor passes on anything
 * twice. When the follower died, the failed update's batches wait until the next follower has a
 * snapshot; with no other node left, the chat is as durable as a single node and nothing waits.
 */
final class ReplicatedStore implements ChatStore {
  private static final Logger LOG = Logger.getLogger(ReplicatedStore.class.getName());
  private final Vertx vertx;
  private final Pipeline pipeline;
  private final ClusterView view;
  private final Replica local;
  private final long timeoutMs;
  private Supplier<Snapshot> state;
  private List<ReplicaUpdate.Change> pending = new ArrayList<>();
  /** What the chat said to the follower's gateways since the last send, and to which follower. */
  private List<ReplicaUpdate.Effect> effects = new ArrayList<>();
  private String effectsFor;
  /** Completed when the changes in {@link #pending} (and any failed before them) are on the follower. */
  private List<Promise<Void>> waiting = new ArrayList<>();
  private Promise<Void> current;
  /** The answer of the send in flight (null: none), and the node it went to. */
  private Promise<Message<Object>> flight;
  private String flightTo;
  private boolean scheduled;
  /** The last update's id: ids grow for as long as this node lives, whoever follows. */
  private long lastId;
  /** An update whose send failed, sent again while {@link #retryTo} is the follower. */
  private ReplicaUpdate retry;
  private String retryTo;
  private List<Promise<Void>> retryGroup;
  /** The follower that has our full state (null: none yet, a snapshot goes first). */
  private String syncedFollower;

  ReplicatedStore(Vertx vertx, Pipeline pipeline, ClusterView view, Replica local, long timeoutMs) {
    this.vertx = vertx;
    this.pipeline = pipeline;
    this.view = view;
    this.local = local;
    this.timeoutMs = timeoutMs;
  }

  /** Starts replicating the chat whose full state {@code state} gives (this node now runs it). */
  void lead(Supplier<Snapshot> state) {
    this.state = state;
    syncedFollower = null;
    dropRetry();
    followerChanged();
  }

  /**
   * Nodes came or went: a new follower gets a snapshot before anything else. A send in flight to a
   * follower that is gone fails now: its answer cannot come, and the batches it holds would
   * otherwise wait out the time limit before the next follower's snapshot.
   */
  void followerChanged() {
    if (flight != null && !view.alive().test(flightTo)) {
      flight.tryFail(new ReplyException(ReplyFailure.TIMEOUT, "node " + flightTo + " left"));
    }
    if (state != null && !java.util.Objects.equals(syncedFollower, view.follower())) {
      schedule(0);
    }
  }

  @Override
  public void room(Room room) {
    change(new ReplicaUpdate.RoomState(room.name, room.epoch, room.seq()));
  }

  @Override
  public void message(Room room, Room.Stored m) {
    change(new ReplicaUpdate.Message(room.name, room.epoch, m.seq(), m.frame()));
  }

  @Override
  public void forget(Room room) {
    change(new ReplicaUpdate.Forget(room.name));
  }

  @Override
  public void member(Member m) {
    change(new ReplicaUpdate.MemberState(m.toJson()));
  }

  @Override
  public void memberGone(Member m) {
    change(new ReplicaUpdate.Gone(m.session));
  }

  /** The node whose gateways hear the chat through its copy (the follower), or null. */
  String streamTarget() {
    return state == null ? null : view.follower();
  }

  /**
   * Something the chat says to the gateways of {@code to}, the {@link #streamTarget()}: it goes with
   * the changes of this turn, and the batch waits for it as for a change.
   */
  void effect(String to, ReplicaUpdate.Effect e) {
    if (!to.equals(effectsFor)) {
      effects = new ArrayList<>(); // meant for a follower that is gone
      effectsFor = to;
    }
    effects.add(e);
    hold();
  }

  /** The copy this node kept as a follower: what it takes over. */
  @Override
  public Future<Snapshot> load() {
    return Future.succeededFuture(local.snapshot());
  }

  private void change(ReplicaUpdate.Change c) {
    if (state == null) {
      return; // not running the chat
    }
    pending.add(c);
    hold();
  }

  /** The current batch waits for the next send. */
  private void hold() {
    if (current == null) {
      current = Promise.promise();
      waiting.add(current);
    }
    pipeline.write(current.future());
    schedule(0);
  }

  /** Sends soon: after this turn, so that what the rest of the turn changes goes in the same send. */
  private void schedule(long delayMs) {
    if (scheduled || flight != null) {
      return;
    }
    scheduled = true;
    Runnable go = () -> {
      scheduled = false;
      send();
    };
    if (delayMs == 0) {
      vertx.runOnContext(v -> go.run());
    } else {
      vertx.setTimer(delayMs, t -> go.run());
    }
  }

  private void send() {
    if (flight != null || state == null) {
      return;
    }
    String follower = view.follower();
    if (follower == null) {
      // Alone: nobody to copy to, nothing to wait for.
      pending = new ArrayList<>();
      effects = new ArrayList<>();
      dropRetry();
      complete(takeWaiting());
      return;
    }
    ReplicaUpdate body;
    List<Promise<Void>> group;
    if (retry != null && follower.equals(retryTo)) {
      // The same update again, under its id: a follower that had it after all skips it.
      body = retry;
      group = retryGroup;
    } else {
      dropRetry();
      body = next(follower);
      if (body == null) {
        return;
      }
      group = takeWaiting();
    }
    Promise<Message<Object>> answer = Promise.promise();
    flight = answer;
    flightTo = follower;
    vertx.eventBus().request(Addresses.replica(follower), body, new DeliveryOptions().setSendTimeout(timeoutMs))
        .onComplete(answer);
    answer.future().onComplete(ar -> {
      flight = null;
      if (ar.succeeded()) {
        retry = null;
        syncedFollower = follower;
        complete(group);
        if (!pending.isEmpty() || !effects.isEmpty()
            || !java.util.Objects.equals(syncedFollower, view.follower())) {
          schedule(0);
        }
      } else {
        // Right after a node joins, its copy's address is not known everywhere yet: no handlers.
        boolean joining = ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
        LOG.log(joining ? Level.FINE : Level.WARNING, "could not copy the chat's changes to node " + follower
            + " (" + ar.cause().getMessage() + "); acks wait until a follower has them");
        retry = body;
        retryTo = follower;
        retryGroup = group;
        // A follower that is gone has a successor by now (or none); one that is alive may be joining.
        schedule(view.alive().test(follower) ? 100 : 0);
      }
    });
  }

  /** The next update for {@code follower}: a snapshot if it has none yet; null if there is nothing to send. */
  private ReplicaUpdate next(String follower) {
    boolean snapshot = !follower.equals(syncedFollower);
    List<ReplicaUpdate.Effect> said = follower.equals(effectsFor) ? effects : new ArrayList<>();
    effects = new ArrayList<>();
    effectsFor = follower;
    if (snapshot) {
      // What waits to go to the new follower's gateways over the bus was said before all of this.
      said.addAll(0, pipeline.takeRemote(follower));
    }
    if (!snapshot && pending.isEmpty() && said.isEmpty()) {
      return null;
    }
    // A snapshot is taken now, so it already holds every pending change.
    ReplicaUpdate body = new ReplicaUpdate(snapshot ? state.get() : null, snapshot ? List.of() : pending, said,
        view.nodeId(), ++lastId);
    pending = new ArrayList<>();
    return body;
  }

  /** The follower a failed update was meant for is gone: the next one's snapshot covers its changes. */
  private void dropRetry() {
    if (retry != null) {
      waiting.addAll(0, retryGroup);
      retry = null;
    }
  }

  private List<Promise<Void>> takeWaiting() {
    List<Promise<Void>> group = waiting;
    waiting = new ArrayList<>();
    current = null;
    return group;
  }

  private static void complete(List<Promise<Void>> group) {
    group.forEach(Promise::tryComplete);
  }
}
