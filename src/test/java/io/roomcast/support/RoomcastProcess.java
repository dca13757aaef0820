package io.roomcast.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code io.roomcast.Main} in a child JVM on the test class path, for what only a real process shows:
 * environment variables, stderr and the exit code. Inherits no {@code ROOMCAST_*} variable from the
 * test JVM. Always {@link #close() close} it: that kills the process if it is still running.
 */
public final class RoomcastProcess implements AutoCloseable {
  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private RoomcastProcess(Process process) {
    this.process = process;
    this.outReader = pump(process.getInputStream(), stdout);
    this.errReader = pump(process.getErrorStream(), stderr);
  }

  /** Starts {@code java io.roomcast.Main args…} in {@code workDir} with {@code env} added to a clean environment. */
  public static RoomcastProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        "io.roomcast.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ROOMCAST_"));
    pb.environment().putAll(env);
    return new RoomcastProcess(pb.start());
  }

  /** Waits for the process to exit and returns its exit code; fails the test if it does not exit in time. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("roomcast did not exit within " + timeout + "; stderr: " + stderr);
    }
    // Let the readers drain what the process wrote before it ended.
    outReader.join(5_000);
    errReader.join(5_000);
    return process.exitValue();
  }

  /** Waits for a stderr line that matches (the log goes to stderr) and returns it. */
  public String awaitStderrLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : stderr) {
        if (match.test(line)) {
          return line;
        }
      }
      if (!process.isAlive() && !errReader.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no matching stderr line within " + timeout + " (alive: " + process.isAlive()
        + "); stderr: " + stderr + "; stdout: " + stdout);
  }

  public List<String> stderrLines() {
    return List.copyOf(stderr);
  }

  public List<String> stdoutLines() {
    return List.copyOf(stdout);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    stop(process);
  }

  /** Stops a process if it still runs: SIGTERM, then SIGKILL after 5 s. */
  public static void stop(Process process) throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static Thread pump(InputStream in, List<String> into) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          into.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "roomcast-child-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
