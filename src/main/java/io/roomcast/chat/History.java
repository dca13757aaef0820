package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * A room's last {@code capacity} messages, oldest first: a ring of seqs and encoded frames. Confined
 * to the chat verticle's event loop.
 *
 * <p>A message is kept as its frame's bytes only, in two arrays that outlive it: no object per kept
 * message beyond the bytes the chat encoded anyway. History is what survives the collector's young
 * collections (every room's last messages are young at any time), and the collector's pause grows
 * with each object it copies; the frame object, its shared network copy and that copy's cleaner
 * would otherwise be copied with it. A message read back gets a new {@link EncodedFrame} over the
 * same bytes.
 */
final class History {
  private static final long[] NO_SEQS = new long[0];
  private static final byte[][] NO_FRAMES = new byte[0][];
  private final int capacity;
  private long[] seqs = NO_SEQS;
  private byte[][] frames = NO_FRAMES;
  /** Index of the oldest message. */
  private int head;
  private int size;

  History(int capacity) {
    this.capacity = capacity;
  }

  int size() {
    return size;
  }

  /** Seq of the oldest kept message; only when not empty. */
  long firstSeq() {
    return seqs[head];
  }

  /** Keeps a message, dropping the oldest when full. */
  void add(long seq, EncodedFrame frame) {
    if (capacity == 0) {
      return;
    }
    if (size == capacity) {
      seqs[head] = seq;
      frames[head] = frame.bytes();
      head = (head + 1) % capacity;
      return;
    }
    if (size == seqs.length) {
      grow();
    }
    int i = (head + size) % seqs.length;
    seqs[i] = seq;
    frames[i] = frame.bytes();
    size++;
  }

  /** The {@code index}-th oldest kept message (0 = the oldest), as a new frame over its bytes. */
  private Room.Stored at(int index) {
    int i = (head + index) % seqs.length;
    return new Room.Stored(seqs[i], EncodedFrame.ofBytes(frames[i]));
  }

  private long seqAt(int index) {
    return seqs[(head + index) % seqs.length];
  }

  /** The kept message with this seq, or null. */
  Room.Stored find(long seq) {
    for (int k = size - 1; k >= 0; k--) {
      if (seqAt(k) == seq) {
        return at(k);
      }
    }
    return null;
  }

  /** Every kept message with seq > {@code since}, oldest first. */
  List<Room.Stored> after(long since) {
    List<Room.Stored> out = new ArrayList<>();
    for (int k = 0; k < size; k++) {
      if (seqAt(k) > since) {
        out.add(at(k));
      }
    }
    return out;
  }

  /** At most {@code limit} kept messages with seq < {@code before} (all when null), oldest first. */
  List<Room.Stored> before(Long before, int limit) {
    int end = size;
    while (before != null && end > 0 && seqAt(end - 1) >= before) {
      end--;
    }
    int start = Math.max(0, end - limit);
    List<Room.Stored> out = new ArrayList<>(end - start);
    for (int k = start; k < end; k++) {
      out.add(at(k));
    }
    return out;
  }

  /** Doubles the arrays (up to the capacity) with the oldest message first. */
  private void grow() {
    int n = Math.min(capacity, Math.max(8, seqs.length * 2));
    long[] s = new long[n];
    byte[][] f = new byte[n][];
    for (int k = 0; k < size; k++) {
      int i = (head + k) % seqs.length;
      s[k] = seqs[i];
      f[k] = frames[i];
    }
    seqs = s;
    frames = f;
    head = 0;
  }
}
