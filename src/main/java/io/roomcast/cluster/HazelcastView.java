package io.roomcast.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.roomcast.chat.ClusterView;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The cluster as Hazelcast sees it. The leader is the oldest member: every member lists members in
 * the same (join) order, so all agree on it without an election, and it changes only when that
 * member leaves or dies.
 */
final class HazelcastView implements ClusterView {
  private static final Logger LOG = Logger.getLogger("io.roomcast.cluster");
  private final HazelcastInstance hz;
  private final ClusterManager vertxCluster;

  HazelcastView(HazelcastClusterManager cm) {
    this.hz = cm.getHazelcastInstance();
    this.vertxCluster = cm;
  }

  /** Vert.x's node id (not the Hazelcast member's UUID): the one gateways report. */
  @Override
  public String nodeId() {
    return vertxCluster.getNodeId();
  }

  @Override
  public boolean isLeader() {
    Iterator<Member> it = hz.getCluster().getMembers().iterator();
    return it.hasNext() && it.next().localMember();
  }

  @Override
  public Predicate<String> alive() {
    return Set.copyOf(vertxCluster.getNodes())::contains;
  }

  @Override
  public void onChange(Runnable listener) {
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        LOG.info("cluster: node " + e.getMember().getAddress() + " joined; " + e.getMembers().size() + " nodes");
        listener.run();
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        LOG.info("cluster: node " + e.getMember().getAddress() + " left; " + e.getMembers().size() + " nodes");
        listener.run();
      }
    });
  }
}
