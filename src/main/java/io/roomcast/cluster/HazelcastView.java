package io.roomcast.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import io.roomcast.chat.ClusterView;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

  /** Whether the maps' backups are known to be in sync (see {@link #stored()}). */
  private volatile boolean inSync;
  private final AtomicBoolean checking = new AtomicBoolean();
  /** Joins, leaves and migrations seen: a safe answer counts only if none came in while asking. */
  private final AtomicLong events = new AtomicLong();

  HazelcastView(HazelcastClusterManager cm) {
    this.hz = cm.getHazelcastInstance();
    this.vertxCluster = cm;
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        outOfSync();
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        outOfSync();
      }
    });
    hz.getPartitionService().addMigrationListener(new MigrationListener() {
      @Override
      public void migrationStarted(MigrationState state) {
        outOfSync();
      }

      @Override
      public void migrationFinished(MigrationState state) {
        outOfSync(); // check again now
      }

      @Override
      public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
      }

      @Override
      public void replicaMigrationFailed(ReplicaMigrationEvent event) {
      }
    });
    outOfSync();
  }

  /**
   * True once Hazelcast reports the cluster safe (no migration running, every backup in sync with its
   * primary) after the last join, leave or migration. Kept as a flag, checked again on a thread of its
   * own after each such event, so asking costs nothing on the chat's event loop.
   */
  @Override
  public boolean stored() {
    return inSync;
  }

  private void outOfSync() {
    events.incrementAndGet();
    inSync = false;
    if (!checking.compareAndSet(false, true)) {
      return; // the running check sees this event too: it only ends on a safe answer after it
    }
    Thread t = new Thread(() -> {
      try {
        while (hz.getLifecycleService().isRunning()) {
          long seen = events.get();
          if (hz.getPartitionService().isClusterSafe()) {
            inSync = true;
            if (events.get() == seen) {
              return;
            }
            inSync = false;
          }
          Thread.sleep(25);
        }
      } catch (InterruptedException | RuntimeException e) {
        // the member is shutting down
      } finally {
        checking.set(false);
        if (!inSync && hz.getLifecycleService().isRunning()) {
          outOfSync();
        }
      }
    }, "roomcast-backup-check");
    t.setDaemon(true);
    t.start();
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
