package io.roomcast.http;

import io.roomcast.chat.Addresses;
import io.roomcast.chat.ChatLink;
import io.roomcast.chat.ChatMessages;
import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.chat.ChatMessages.Resync;
import io.roomcast.chat.ChatMessages.Targeted;
import io.roomcast.cluster.Cluster;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.FrameParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sockets of one HTTP verticle instance (one event loop): its sessions, a room → local sessions
 * index that mirrors what the chat acknowledged, and the heartbeat. It keeps no chat state: the index
 * only says which of its sockets a room broadcast goes to, so a broadcast costs one task per gateway
 * on a single node ({@link io.roomcast.chat.LocalChat}) and one event bus message per gateway in a
 * cluster, not one per recipient.
 */
public final class Gateway {
  private final Vertx vertx;
  private final RoomcastConfig config;
  private final String id = UUID.randomUUID().toString();
  private final FrameParser parser;
  private final NodeServices node;
  private final Map<String, ClientSession> sessions = new HashMap<>();
  private final Map<String, Set<ClientSession>> rooms = new HashMap<>();
  /** The last message seq delivered per room of the index: repeats are dropped, and a new chat leader fills gaps. */
  private final Map<String, Long> lastSeqs = new HashMap<>();
  /**
   * Per room, the highest seq at which a session of the index joined. A session got everything up to
   * its join seq with its join (replay), so a catch-up below that seq must skip it; above it, which
   * is every live broadcast, nobody is skipped and nothing is looked up per socket.
   */
  private final Map<String, Long> joinFloors = new HashMap<>();
  /** Rooms catching up with a new chat leader: their broadcasts wait here until the missed ones are in. */
  private final Map<String, List<Delivery>> held = new HashMap<>();
  private final ChatLink chat;
  private final String nodeId;
  private final Flusher flusher = new Flusher();
  /** The HTTP verticle's context: the sockets' handlers run inside it (see {@link #context()}). */
  private final ContextInternal context;
  private MessageConsumer<Delivery> deliveries;
  private MessageConsumer<Targeted> targeted;
  private MessageConsumer<Object> leader;
  private long sweepTimer = -1;
  private Runnable stopListening = () -> { };

  public Gateway(Vertx vertx, RoomcastConfig config, NodeServices node) {
    this.vertx = vertx;
    this.config = config;
    this.node = node;
    this.parser = new FrameParser(config.limits().maxTextLength());
    this.chat = new ChatLink(vertx, config.cluster().requestTimeoutMs(), node.cluster(), node.localChat(),
        node.localChat().replies());
    this.nodeId = Cluster.nodeId(vertx);
    this.context = (ContextInternal) vertx.getOrCreateContext();
  }

  public Future<Void> start() {
    deliveries = vertx.eventBus().consumer(Addresses.at(Addresses.DELIVER, nodeId), msg -> deliver(msg.body()));
    stopListening = node.localChat().listen(context, this::deliver);
    targeted = vertx.eventBus().consumer(Addresses.gateway(id), msg -> {
      ClientSession s = sessions.get(msg.body().session());
      if (s != null) {
        s.deliver(msg.body().frame(), false, false);
      }
    });
    leader = vertx.eventBus().consumer(Addresses.LEADER, msg -> catchUp());
    long interval = Math.min(config.heartbeat().intervalMs(), config.heartbeat().idleTimeoutMs());
    // Often enough that the pings due in one sweep stay few (see open()).
    sweepTimer = vertx.setPeriodic(Math.max(50, Math.min(250, interval / 4)), t -> sweep());
    return Future.all(deliveries.completion(), targeted.completion(), leader.completion()).mapEmpty();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    stopListening.run();
    for (ClientSession s : new ArrayList<>(sessions.values())) {
      s.transport().close(1001, "server shutting down");
    }
    return Future.all(deliveries.unregister(), targeted.unregister(), leader.unregister()).mapEmpty();
  }

  String id() {
    return id;
  }

  String nodeId() {
    return nodeId;
  }

  ChatLink chat() {
    return chat;
  }

  /**
   * The HTTP verticle's context. Socket input that Netty hands over outside any Vert.x context (the
   * WebSocket handler sits ahead of Vert.x) runs inside it, as Vert.x runs its own handlers: outside
   * a context, each event bus request would make a new context for its reply.
   */
  ContextInternal context() {
    return context;
  }

  Flusher flusher() {
    return flusher;
  }

  Refusals refusals() {
    return node.refusals();
  }

  long now() {
    return System.currentTimeMillis();
  }

  /**
   * Opens a session on a transport; the transport must call the session's handlers. {@code clientIp}
   * holds a {@link ConnectionGuard} slot that is released when the session closes.
   */
  public ClientSession open(Transport transport, String wantedNick, String clientIp) {
    ClientSession s = new ClientSession(UUID.randomUUID().toString(), transport, this, parser,
        config.limits(), now());
    s.clientIp = clientIp;
    // The first ping comes after half to all of the interval: clients that connect together, as all
    // do after a restart, are not pinged together ever after (thousands of writes in one turn, every
    // interval, with every message of that turn waiting behind them).
    s.lastPing -= ThreadLocalRandom.current().nextLong(config.heartbeat().intervalMs() / 2 + 1);
    sessions.put(s.id, s);
    s.start(wantedNick, config.heartbeat().intervalMs());
    return s;
  }

  public int sessionCount() {
    return sessions.size();
  }

  /** A session's join was acknowledged; {@code seq} is the room's last seq at that moment. */
  void joined(ClientSession s, String room, long seq) {
    Set<ClientSession> members = rooms.computeIfAbsent(room, r -> new LinkedHashSet<>());
    if (members.isEmpty()) {
      lastSeqs.put(room, seq);
    }
    // Not raised for a room already in the index: its other members may not have had what the
    // joiner's replay held (a new chat leader's catch-up brings it to them).
    members.add(s);
    s.rooms.put(room, seq);
    joinFloors.merge(room, seq, Math::max);
  }

  void left(ClientSession s, String room) {
    Set<ClientSession> members = rooms.get(room);
    if (members != null && members.remove(s) && members.isEmpty()) {
      rooms.remove(room);
      lastSeqs.remove(room);
      joinFloors.remove(room);
    }
  }

  void closed(ClientSession s) {
    if (sessions.remove(s.id) != null) {
      node.guard().release(s.clientIp);
    }
    for (String room : s.rooms.keySet()) {
      left(s, room);
    }
    s.rooms.clear();
  }

  private void deliver(Delivery d) {
    Set<ClientSession> members = rooms.get(d.room());
    if (members == null) {
      return;
    }
    List<Delivery> waiting = held.get(d.room());
    if (waiting != null) {
      waiting.add(d);
      return;
    }
    if (d.seq() > 0) {
      Long last = lastSeqs.get(d.room());
      if (last != null && d.seq() <= last) {
        return; // already delivered (a catch-up and the live broadcast can overlap)
      }
      lastSeqs.put(d.room(), d.seq());
    }
    String exclude = d.exclude();
    boolean belowAJoin = d.seq() > 0 && d.seq() <= joinFloors.getOrDefault(d.room(), 0L);
    for (ClientSession s : members) {
      if ((exclude == null || !exclude.equals(s.id))
          && !(belowAJoin && d.seq() <= s.rooms.getOrDefault(d.room(), 0L))) {
        s.deliver(d.frame(), d.ephemeral(), true);
      }
    }
  }

  /**
   * Another node took the chat over. Broadcasts its predecessor stored but did not get to send are
   * fetched for every room of the index, and written before anything newer; the room's broadcasts
   * are held until then.
   */
  private void catchUp() {
    JsonObject since = new JsonObject();
    for (String room : rooms.keySet()) {
      if (!held.containsKey(room)) {
        since.put(room, lastSeqs.getOrDefault(room, 0L));
        held.put(room, new ArrayList<>());
      }
    }
    if (since.isEmpty()) {
      return;
    }
    chat.<ChatMessages.Reply>request(Addresses.CHAT_COMMANDS, new Resync(id, since), true).onComplete(ar -> {
      for (String room : since.fieldNames()) {
        List<Delivery> waiting = held.remove(room);
        if (ar.succeeded()) {
          for (Object f : ar.result().ack().getJsonArray(room, new JsonArray())) {
            JsonObject frame = (JsonObject) f;
            deliver(new Delivery(room, EncodedFrame.of(frame), null, false, frame.getLong("seq", 0L), false));
          }
        }
        waiting.forEach(this::deliver);
      }
    });
  }

  /** Pings sessions due a heartbeat and closes those silent for longer than the idle timeout. */
  private void sweep() {
    long now = now();
    long interval = config.heartbeat().intervalMs();
    long idle = config.heartbeat().idleTimeoutMs();
    ArrayList<ClientSession> silent = null;
    for (ClientSession s : sessions.values()) {
      if (s.closingOrClosed()) {
        continue; // already closing (its close handshake may take a while): count and close it once
      }
      if (now - s.lastSeen > idle && !s.transport().ownLiveness()) {
        if (silent == null) {
          silent = new ArrayList<>();
        }
        silent.add(s); // closed after the loop: a close may remove the session from the map
      } else if (now - s.lastPing >= interval) {
        s.lastPing = now;
        s.transport().ping();
      }
    }
    if (silent != null) {
      silent.forEach(ClientSession::closeIdle);
    }
  }
}
