package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** A room: its members, its last sequence number and the last {@code historySize} messages. */
final class Room {
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

  void remember(long seq, EncodedFrame frame) {
    history.add(seq, frame);
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
}
