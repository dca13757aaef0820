package io.roomcast.hardening;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Kernel-side socket facts from {@code /proc} (Linux): how many bytes sit in a loopback TCP socket's
 * send and receive queues, and how many file descriptors this JVM holds.
 */
public final class ProcNet {
  private ProcNet() {
  }

  /** The queues of one TCP socket, in bytes. */
  public record Queues(long tx, long rx) {
  }

  /** The queues of the IPv4 socket bound to {@code localPort} and connected to {@code remotePort}; null if absent. */
  public static Queues queues(int localPort, int remotePort) {
    // Java opens dual-stack sockets, so loopback IPv4 connections usually show up in tcp6.
    for (String table : new String[] {"/proc/net/tcp6", "/proc/net/tcp"}) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(table));
      } catch (IOException e) {
        continue;
      }
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (port(f[1]) == localPort && port(f[2]) == remotePort) {
          String[] q = f[4].split(":");
          return new Queues(Long.parseLong(q[0], 16), Long.parseLong(q[1], 16));
        }
      }
    }
    return null;
  }

  private static int port(String hexAddress) {
    return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
  }

  /** Open file descriptors of this JVM (-1 where /proc is not available). */
  public static int openFds() {
    String[] fds = new java.io.File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }
}
