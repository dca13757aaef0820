package io.roomcast.chat;

/**
 * What the chat needs to know of the cluster: this node, whether it leads (the one node whose chat
 * verticle is active), and which nodes are alive. A single node is its own leader and never changes.
 */
public interface ClusterView {
  String nodeId();

  boolean isLeader();

  /** Which nodes are alive right now (a snapshot, cheap to ask many times). */
  java.util.function.Predicate<String> alive();

  /**
   * True when what has been written to the cluster-wide maps so far has its backups: no node joined
   * or left without the maps' copies being in sync again since. Always true on a single node.
   */
  boolean stored();

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
      public java.util.function.Predicate<String> alive() {
        return node -> true;
      }

      @Override
      public boolean stored() {
        return true;
      }

      @Override
      public void onChange(Runnable listener) {
      }
    };
  }
}
