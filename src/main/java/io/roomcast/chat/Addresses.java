package io.roomcast.chat;

/**
 * Every event bus address Roomcast uses, in one place.
 *
 * <p>Public API (documented in README.md, JSON bodies): {@link #PUBLISH}, {@link #DIRECT},
 * {@link #PRESENCE}, {@link #ROOMS} (request/reply) and {@link #events(String)} (publish).
 * Addresses under {@code roomcast.internal.} connect the HTTP gateways to the chat verticle, carry
 * Java objects and are not an API.
 */
public final class Addresses {
  /** Request/reply: {@code {"room","from","text","data"?}} to {@code {"seq","ts"}}. */
  public static final String PUBLISH = "roomcast.publish";
  /** Request/reply: {@code {"from","to","text"}} to {@code {"ts"}}. */
  public static final String DIRECT = "roomcast.direct";
  /** Request/reply: {@code {"room"}} to {@code {"members":[nick…]}}. */
  public static final String PRESENCE = "roomcast.presence";
  /** Request/reply: any body to {@code {"rooms":[{"room","members"}…]}}. */
  public static final String ROOMS = "roomcast.rooms";
  /** Prefix of the per-room event addresses; see {@link #events(String)}. */
  public static final String EVENTS_PREFIX = "roomcast.events.";

  /** Gateway to chat: session lifecycle and validated client frames (request/reply). */
  public static final String CHAT_COMMANDS = "roomcast.internal.commands";
  /**
   * Chat to the gateways of one node ({@link #at} that node): a room broadcast, encoded once
   * (publish). The chat's own node gets its broadcasts through {@link LocalChat}, not the bus.
   */
  public static final String DELIVER = "roomcast.internal.deliver";
  /** Health: the chat's counts, {@code {"sessions","rooms"}} (request/reply). */
  public static final String STATS = "roomcast.internal.stats";
  /** The chat to every gateway: this node now runs the chat, catch up ({@code {"node"}}, publish). */
  public static final String LEADER = "roomcast.internal.leader";
  /** Prefix of a node's replica address: the chat's changes, copied to its follower (request/reply). */
  public static final String REPLICA_PREFIX = "roomcast.internal.replica.";
  /**
   * The answers to ticketed commands from one node's gateways ({@link #at} that node; a
   * {@code Reply} with the ticket in a header, see {@link StreamReplies}), when they do not travel in
   * the chat's copy to its follower.
   */
  public static final String REPLIES = "roomcast.internal.replies";
  /** Prefix of one gateway's address, for frames meant for one of its sessions. */
  public static final String GATEWAY_PREFIX = "roomcast.internal.gateway.";

  private Addresses() {
  }

  /** Every {@code message}, {@code joined} and {@code left} of a room, exactly as its members see them. */
  public static String events(String room) {
    return EVENTS_PREFIX + room;
  }

  /**
   * An address as served by one node: the chat's consumers listen on these, on the node that runs the
   * chat, and every node forwards the plain public addresses there ({@link ChatLink}).
   */
  public static String at(String address, String nodeId) {
    return address + "@" + nodeId;
  }

  public static String replica(String nodeId) {
    return REPLICA_PREFIX + nodeId;
  }

  public static String gateway(String gatewayId) {
    return GATEWAY_PREFIX + gatewayId;
  }
}
