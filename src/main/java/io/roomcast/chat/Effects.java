package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.chat.ChatMessages.Targeted;
import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.HashMap;
import java.util.Map;

/**
 * Where what the chat says goes, node by node, each node's in the order the chat said it: to this
 * node's gateways as tasks ({@link LocalChat}); to the follower's inside the chat's copy of its
 * changes ({@link ReplicatedStore#effect}), which the follower passes on once it has applied them;
 * to any other node over the event bus once the changes are on two nodes ({@link Pipeline}). So a
 * message crosses to the follower once, with its copy, where it took a copy, an answer, a broadcast
 * and a reply before. Confined to the chat verticle's event loop.
 */
final class Effects implements Chat.Outbox {
  private final EventBus bus;
  private final LocalChat local;
  private final ClusterView view;
  private final Pipeline pipeline;
  /** Null on a single node. */
  private final ReplicatedStore replicated;
  private final String me;
  private final Map<String, String> deliverAt = new HashMap<>();

  Effects(EventBus bus, LocalChat local, ClusterView view, Pipeline pipeline, ReplicatedStore replicated) {
    this.bus = bus;
    this.local = local;
    this.view = view;
    this.pipeline = pipeline;
    this.replicated = replicated;
    this.me = view.nodeId();
  }

  @Override
  public void deliver(Delivery d) {
    ReplicaUpdate.ToGateways e = new ReplicaUpdate.ToGateways(d);
    for (String node : view.nodes()) {
      to(node, e);
    }
  }

  @Override
  public void send(Member member, EncodedFrame frame) {
    to(member.node, new ReplicaUpdate.ToGateway(member.gateway, new Targeted(member.session, frame)));
  }

  /** The answer to a command that {@code node}'s gateway sent with {@code ticket}. */
  void answer(String node, long ticket, Reply reply) {
    to(node, new ReplicaUpdate.ToTicket(ticket, reply));
  }

  private void to(String node, ReplicaUpdate.Effect e) {
    if (node.equals(me)) {
      pipeline.effect(() -> here(e));
    } else if (replicated != null && node.equals(replicated.streamTarget())) {
      replicated.effect(node, e);
    } else {
      pipeline.remote(node, e, () -> overBus(node, e));
    }
  }

  /** Passes an effect on to this node's gateways (said here, or found in the chat's copy). */
  void here(ReplicaUpdate.Effect e) {
    if (e instanceof ReplicaUpdate.ToGateways g) {
      local.deliver(g.delivery());
    } else if (e instanceof ReplicaUpdate.ToGateway g) {
      bus.send(Addresses.gateway(g.gateway()), g.targeted());
    } else if (e instanceof ReplicaUpdate.ToTicket t) {
      local.replies().complete(t.ticket(), t.reply());
    }
  }

  private void overBus(String node, ReplicaUpdate.Effect e) {
    if (e instanceof ReplicaUpdate.ToGateways g) {
      bus.publish(deliverAt.computeIfAbsent(node, n -> Addresses.at(Addresses.DELIVER, n)), g.delivery());
    } else if (e instanceof ReplicaUpdate.ToGateway) {
      here(e); // a gateway's own address reaches it on whichever node it is
    } else if (e instanceof ReplicaUpdate.ToTicket t) {
      bus.send(Addresses.at(Addresses.REPLIES, node), t.reply(),
          new DeliveryOptions().addHeader(StreamReplies.TICKET, Long.toString(t.ticket())));
    }
  }
}
