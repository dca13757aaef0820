package io.roomcast.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.roomcast.chat.ClusterView;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The cluster as Hazelcast sees it, in Vert.x node ids. Every member lists the members in the same
 * (join) order, so all agree without an election: the oldest runs the chat, the second oldest is its
 * follower. They change only when one of them leaves or dies, and the follower is then the one that
 * takes over.
 */
final class HazelcastView implements ClusterView {
  private static final Logger LOG = Logger.getLogger("io.roomcast.cluster");
  private final HazelcastClusterManager cm;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  /**
   * The members, oldest first, read again from Hazelcast whenever they change: the chat asks for
   * every broadcast and command, and reading them costs a lookup per member. Every answer below
   * comes from this one list, so a node never sees itself as the leader in one and the follower in
   * another.
   */
  private volatile List<String> nodes;

  HazelcastView(HazelcastClusterManager cm) {
    this.cm = cm;
    cm.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        changed(e, "joined");
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        changed(e, "left");
      }
    });
    this.nodes = List.copyOf(cm.getNodes());
  }

  @Override
  public String nodeId() {
    return cm.getNodeId();
  }

  @Override
  public boolean isLeader() {
    List<String> nodes = this.nodes;
    return !nodes.isEmpty() && nodes.get(0).equals(cm.getNodeId());
  }

  @Override
  public String leader() {
    List<String> nodes = this.nodes;
    return nodes.isEmpty() ? cm.getNodeId() : nodes.get(0);
  }

  @Override
  public String follower() {
    List<String> nodes = this.nodes;
    return nodes.size() > 1 ? nodes.get(1) : null;
  }

  @Override
  public List<String> nodes() {
    return nodes;
  }

  @Override
  public Predicate<String> alive() {
    return Set.copyOf(nodes)::contains;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed(MembershipEvent e, String what) {
    nodes = List.copyOf(cm.getNodes());
    LOG.info("cluster: node " + e.getMember().getAddress() + " " + what + "; " + e.getMembers().size() + " nodes");
    listeners.forEach(Runnable::run);
  }
}
