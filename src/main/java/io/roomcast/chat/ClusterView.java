package io.roomcast.chat;

/**
 * What the chat needs to know of the cluster: this node, whether it leads (the one node whose chat
 * verticle is active), and which nodes are alive. A single node is its own leader and never changes.
 */
public interface ClusterView {
  String nodeId();

  boolean isLeader();

  /** The node that runs the chat (the oldest); this node's id on a single node. */
  String leader();

  /** Which nodes are alive right now (a snapshot, cheap to ask many times). */
  java.util.function.Predicate<String> alive();

  /**
   * The node that takes the chat over if the leader goes (the second oldest), which keeps a copy of
   * the chat's state; null when there is no other node.
   */
  String follower();

  /** Every node alive right now, this one included, oldest first. */
  java.util.List<String> nodes();

  /** Calls {@code listener} (on any thread) whenever nodes join or leave. */
  void onChange(Runnable listener);

  /** The view of a node that is not clustered. */
  static ClusterView single() {
    return new ClusterView() {
      @Override
      public String nodeId() {
        return "local";
      }

      @Override
      public boolean isLeader() {
        return true;
      }

      @Override
      public String leader() {
        return "local";
      }

      @Override
      public java.util.function.Predicate<String> alive() {
        return node -> true;
      }

      @Override
      public String follower() {
        return null;
      }

      @Override
      public java.util.List<String> nodes() {
        return java.util.List.of(nodeId());
      }

      @Override
      public void onChange(Runnable listener) {
      }
    };
  }
}
