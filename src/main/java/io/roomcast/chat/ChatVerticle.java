package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Connect;
import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.chat.ChatMessages.Disconnect;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.chat.ChatMessages.Resync;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The chat verticle (one instance per node): owns room membership, nicks, sequence numbers and
 * history, and publishes every room event. Gateways reach it on {@link Addresses#CHAT_COMMANDS}, or
 * through {@link LocalChat} from its own node;
 * other verticles use the public addresses (see {@link ChatApi}). All state lives in {@link Chat},
 * confined to this verticle's event loop.
 *
 * <p>In a cluster exactly one node's chat verticle is active: the leader (the oldest member). Its
 * changes are copied to the follower (the second oldest, {@link ReplicatedStore}) before anyone hears
 * of them ({@link Pipeline}), together with what the chat says to the follower's own gateways
 * ({@link Effects}); when the leader dies or leaves, the follower is the oldest member: it
 * takes over from its copy, drops the sessions of dead nodes and tells every gateway to catch up
 * ({@link Addresses#LEADER}).
 */
public final class ChatVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ChatVerticle.class.getName());
  private final RoomcastConfig config;
  private final ClusterView view;
  private final LocalChat local;
  private final Pipeline pipeline = new Pipeline();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private ChatStore store = ChatStore.NONE;
  /** In a cluster: this node's copy of the chat's state (kept current while it is the follower). */
  private Replica replica;
  private ReplicatedStore replicated;
  private Chat chat;
  private boolean leading;
  private Runnable stopListening = () -> { };
  private Effects effects;
  private long sweep = -1;

  /** {@code local} is where this node's gateways find the chat while it runs here. */
  public ChatVerticle(RoomcastConfig config, ClusterView view, LocalChat local) {
    this.config = config;
    this.view = view;
    this.local = local;
  }

  @Override
  public Future<?> start() {
    Future<?> copies = Future.succeededFuture();
    if (config.cluster().enabled()) {
      replica = new Replica(config.rooms().historySize());
      replicated = new ReplicatedStore(vertx, pipeline, view, replica, config.cluster().requestTimeoutMs());
      store = replicated;
    }
    effects = new Effects(vertx.eventBus(), local, view, pipeline, replicated);
    if (replicated != null) {
      // Every node may be the follower: it keeps the copy the chat sends it, and passes on to its
      // gateways what the chat said to them with it.
      MessageConsumer<ReplicaUpdate> copy = vertx.eventBus().consumer(Addresses.replica(view.nodeId()), msg -> {
        replica.apply(msg.body()).forEach(effects::here);
        msg.reply(null);
      });
      MessageConsumer<Reply> replies = vertx.eventBus().consumer(Addresses.at(Addresses.REPLIES, view.nodeId()),
          msg -> local.replies().complete(Long.parseLong(msg.headers().get(StreamReplies.TICKET)), msg.body()));
      sweep = vertx.setPeriodic(100, t -> local.replies().expire(System.currentTimeMillis()));
      copies = Future.all(copy.completion(), replies.completion());
    }
    // On every node, leader or not: the room events of this node's consumers.
    Consumer<Delivery> publisher = RoomEvents.publisher(vertx.eventBus(), Listeners.of(vertx));
    MessageConsumer<Delivery> events = vertx.eventBus().consumer(Addresses.at(Addresses.DELIVER, view.nodeId()),
        msg -> publisher.accept(msg.body()));
    stopListening = local.listen((ContextInternal) context, publisher);
    ChatLink link = new ChatLink(vertx, config.cluster().requestTimeoutMs(), view, null, local.replies());
    List<MessageConsumer<?>> forwarders = ChatApi.forwarders(vertx.eventBus(), link);
    return Future.all(copies, events.completion())
        .compose(v -> Future.all(forwarders.stream().map(MessageConsumer::completion).toList())).compose(v -> {
      view.onChange(() -> context.runOnContext(x -> reconsider()));
      return view.isLeader() ? lead() : Future.succeededFuture();
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweep);
    local.close();
    stopListening.run();
    // Let stored-but-unsaid effects (acks, broadcasts) go out before the node leaves.
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + 3000;
    vertx.setPeriodic(20, t -> {
      if (pipeline.waiting() == 0 || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(t);
        drained.tryComplete();
      }
    });
    return drained.future();
  }

  /** This node runs the chat from now on: load what the cluster stored, then answer. */
  private Future<?> lead() {
    leading = true;
    chat = newChat();
    return store.load().compose(snapshot -> {
      chat.restore(snapshot);
      if (replicated != null) {
        replicated.lead(() -> chat.snapshot());
      }
      EventBus bus = vertx.eventBus();
      // Published before any answer of ours, so every gateway hears it before our broadcasts.
      bus.publish(Addresses.LEADER, new JsonObject().put("node", view.nodeId()));
      int[] dropped = new int[1];
      pipeline.batch(() -> dropped[0] = chat.dropDeadNodes(view.alive()));
      if (config.cluster().enabled()) {
        LOG.info("this node now runs the chat: " + snapshot.rooms().size() + " rooms and "
            + snapshot.members().size() + " sessions taken over, " + dropped[0] + " of them on nodes that are gone");
      }
      ChatApi api = new ChatApi(config, this::apiChat, pipeline);
      String me = view.nodeId();
      consumers.add(bus.<Object>consumer(Addresses.at(Addresses.CHAT_COMMANDS, me), msg -> {
        String ticket = msg.headers().get(StreamReplies.TICKET);
        if (ticket == null) {
          pipeline.batch(() -> onGatewayMessage(msg.body(), reply -> pipeline.effect(() -> msg.reply(reply))));
        } else {
          // From the follower's node (as it sees it): the answer goes where that node's broadcasts go.
          String node = msg.headers().get(StreamReplies.NODE);
          long t = Long.parseLong(ticket);
          pipeline.batch(() -> onGatewayMessage(msg.body(), reply -> effects.answer(node, t, reply)));
        }
      }));
      local.open((ContextInternal) context, (body, answer) -> {
        if (leading) {
          pipeline.batch(() -> onGatewayMessage(body, reply -> pipeline.effect(() -> answer.handle(reply))));
        } else {
          answer.handle(null); // stepped down since the gateway looked: it asks the cluster
        }
      });
      consumers.addAll(api.register(bus, me));
      consumers.add(bus.<Object>consumer(Addresses.at(Addresses.STATS, me), msg -> msg.reply(
          new JsonObject().put("sessions", chat.sessionCount()).put("rooms", chat.roomCount()))));
      return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    });
  }

  private Chat apiChat() {
    return chat;
  }

  /**
   * Nodes came or went: drop the sessions of dead nodes, take over, or (after a split) step down; and
   * give up the commands that wait for a node that is gone.
   */
  private void reconsider() {
    if (leading && view.isLeader()) {
      replicated.followerChanged();
      pipeline.batch(() -> chat.dropDeadNodes(view.alive()));
    } else if (!leading && view.isLeader()) {
      lead().onFailure(e -> LOG.severe("could not take the chat over: " + e));
    } else if (leading) {
      LOG.warning("another node runs the chat now; this node stops running it");
      leading = false;
      local.close();
      consumers.forEach(MessageConsumer::unregister);
      consumers.clear();
      chat = newChat();
    }
    // Commands that went to a node now gone will get no answer: give them up now (those that may be
    // asked again go to the chat's new node) rather than each at its time limit.
    local.replies().lost(view.alive());
  }

  private Chat newChat() {
    return new Chat(config.rooms().historySize(), config.rooms().maxIdleRooms(), effects, store,
        config.limits().maxRoomsPerConnection());
  }

  /**
   * A gateway's command, from the event bus or {@link LocalChat}; {@code answer} gets the reply at
   * once, in the batch, and sends it on (as an effect of the batch, or with the follower's copy).
   */
  private void onGatewayMessage(Object body, Consumer<Reply> answer) {
    Reply reply;
    if (body instanceof Command c) {
      reply = command(c);
    } else if (body instanceof Connect c) {
      ProtocolException refused = chat.connect(c.session(), c.gateway(), c.node(), c.nick());
      JsonObject ack = new JsonObject().put("nick", chat.member(c.session()).nick);
      reply = refused == null ? Reply.ok(ack) : new Reply(ack, List.of(), refused.code(), refused.getMessage());
    } else if (body instanceof Disconnect d) {
      chat.disconnect(d.session());
      reply = Reply.ok(new JsonObject());
    } else if (body instanceof Resync r) {
      reply = Reply.ok(chat.since(r.lastSeqs()));
    } else {
      return;
    }
    answer.accept(reply);
  }

  private Reply command(Command c) {
    Member m = chat.member(c.session());
    if (m == null) {
      // The session closed while this frame was on its way; nobody is left to answer.
      return Reply.failed(ErrorCode.NOT_MEMBER, "session is closed");
    }
    try {
      ClientFrame f = c.frame();
      if (f instanceof ClientFrame.Send s) {
        return Reply.ok(chat.send(m, s.room(), null, s.text(), s.key(), s.data()));
      } else if (f instanceof ClientFrame.Join j) {
        List<EncodedFrame> replay = new ArrayList<>();
        JsonObject ack = chat.join(m, j, replay);
        return Reply.ok(ack, replay);
      } else if (f instanceof ClientFrame.Leave l) {
        return Reply.ok(chat.leave(m, l.room()));
      } else if (f instanceof ClientFrame.Nick n) {
        return Reply.ok(chat.rename(m, n.nick()));
      } else if (f instanceof ClientFrame.Direct d) {
        return Reply.ok(chat.direct(m.nick, d.to(), d.text()));
      } else if (f instanceof ClientFrame.Typing t) {
        return Reply.ok(chat.typing(m, t.room()));
      } else if (f instanceof ClientFrame.History h) {
        return Reply.ok(chat.history(h));
      } else if (f instanceof ClientFrame.Members mm) {
        return Reply.ok(chat.members(mm.room()));
      } else if (f instanceof ClientFrame.Rooms) {
        return Reply.ok(chat.roomList());
      }
      return Reply.ok(new JsonObject());
    } catch (ProtocolException e) {
      return Reply.failed(e.code(), e.getMessage());
    }
  }
}
