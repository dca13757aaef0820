package io.roomcast.hardening;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Heap and direct memory of this JVM, measured after garbage collection settles. */
public final class Memory {
  private Memory() {
  }

  /** Used heap in bytes after a few full collections (the lowest of three readings). */
  public static long settledHeap() {
    MemoryMXBean bean = ManagementFactory.getMemoryMXBean();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Waits.sleep(60);
      best = Math.min(best, bean.getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  /**
   * Direct memory in use: Netty's own counter when it tracks direct memory itself, plus the JDK's
   * direct buffer pool.
   */
  public static long direct() {
    long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
    long jdk = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if ("direct".equals(pool.getName())) {
        jdk = pool.getMemoryUsed();
      }
    }
    return Math.max(0, netty) + jdk;
  }

  public static String mb(long bytes) {
    return String.format("%.1f MB", bytes / 1048576.0);
  }
}
