package io.roomcast.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free TCP ports on the loopback interface, never the same one twice within one test JVM. */
public final class Ports {
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private Ports() {
  }

  /** A port nothing listens on right now (it may of course be taken by the time it is used). */
  public static synchronized int free() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = s.getLocalPort();
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free loopback port found");
  }

  /**
   * A port that is free together with the next {@code span - 1} ones (Hazelcast moves to the next port
   * when its own is taken, so its ports are kept apart from every other port handed out here).
   */
  public static synchronized int freeRange(int span) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = free();
      boolean ok = true;
      for (int p = base + 1; p < base + span && ok; p++) {
        ok = !HANDED_OUT.contains(p) && p < 65536 && isFree(p);
      }
      if (ok) {
        for (int p = base + 1; p < base + span; p++) {
          HANDED_OUT.add(p);
        }
        return base;
      }
    }
    throw new IllegalStateException("no range of " + span + " free loopback ports found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
