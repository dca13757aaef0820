package io.roomcast.hardening;

import java.util.Arrays;

/** A growable list of longs (no boxing), for per-frame measurements in load-shaped tests. */
public final class LongList {
  private long[] values = new long[1024];
  private int size;

  public void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  public int size() {
    return size;
  }

  public long get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException(i + " of " + size);
    }
    return values[i];
  }

  public long[] toArray() {
    return Arrays.copyOf(values, size);
  }

  /** The q-quantile (0..1) of the values, nearest rank; 0 when empty. */
  public static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }
}
