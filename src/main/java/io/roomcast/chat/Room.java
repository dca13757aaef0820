package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.Names;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** A room: its members, its last sequence number and the last {@code historySize} messages. */
final class Room {
  private static final byte[] KEY_FIELD = "\"key\":".getBytes(StandardCharsets.US_ASCII);

  /** A message as kept in history: its seq and its encoded {@code message} frame. */
  record Stored(long seq, EncodedFrame frame) {
  }

  final String name;
  /**
   * This incarnation of the room. A room forgotten (idle eviction, restart) and created again starts
   * its seqs at 1 again; the epoch tells a client that its {@code since} belongs to the old one.
   */
  final String epoch;
  final Set<Member> members = new LinkedHashSet<>();
  private final History history;
  /**
   * The idempotency keys of the kept messages sent with one ({@link io.roomcast.protocol.Names#keyScope}
   * to seq), oldest first; null until the room's first key. A key is remembered exactly as long as
   * its message is kept, so a follower's copy of the history carries the keys too.
   */
  private LinkedHashMap<String, Long> keys;
  private long seq;

  Room(String name, int historySize) {
    this(name, historySize, Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36), 0);
  }

  /** A room as stored (taken over from another node): its epoch and last seq; history is remembered after. */
  Room(String name, int historySize, String epoch, long seq) {
    this.name = name;
    this.history = new History(historySize);
    this.epoch = epoch;
    this.seq = seq;
  }

  long seq() {
    return seq;
  }

  long nextSeq() {
    return ++seq;
  }

  /** Keeps a message; {@code keyScope} (nullable) is where its idempotency key is remembered. */
  void remember(long seq, EncodedFrame frame, String keyScope) {
    history.add(seq, frame);
    if (keyScope != null) {
      if (keys == null) {
        keys = new LinkedHashMap<>();
      }
      keys.put(keyScope, seq);
    }
    if (keys != null) {
      // Seqs only grow, so the keys of messages that left history are at the front.
      long oldest = history.size() == 0 ? Long.MAX_VALUE : history.firstSeq();
      Iterator<Map.Entry<String, Long>> it = keys.entrySet().iterator();
      while (it.hasNext() && it.next().getValue() < oldest) {
        it.remove();
      }
    }
  }

  /** The kept message sent under this key scope, or null. */
  Stored keyed(String keyScope) {
    Long s = keys == null ? null : keys.get(keyScope);
    return s == null ? null : history.find(s);
  }

  /** Every kept message with seq > {@code since}, oldest first. */
  List<Stored> after(long since) {
    return history.after(since);
  }

  /** True when every message after {@code since} is still kept (so a replay has no gap). */
  boolean canReplayAfter(long since) {
    if (since > seq) {
      return false; // the client saw seqs this room never issued: its history is gone
    }
    if (since == seq) {
      return true;
    }
    return history.size() > 0 && history.firstSeq() <= since + 1;
  }

  /** At most {@code limit} kept messages with seq < {@code before} (all when null), oldest first. */
  List<Stored> before(Long before, int limit) {
    return history.before(before, limit);
  }

  /**
   * Where a kept message's key is remembered, read back from its frame (a node taking the chat over
   * has only the frames); null without a key. Only frames that mention a key are parsed.
   */
  static String keyScopeOf(EncodedFrame frame) {
    if (!contains(frame.bytes(), KEY_FIELD)) {
      return null;
    }
    JsonObject m = frame.toJson();
    return m.getValue("key") instanceof String key && m.getValue("from") instanceof String from
        ? Names.keyScope(from, key) : null;
  }

  private static boolean contains(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
