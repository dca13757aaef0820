package io.roomcast.e2e.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar target/roomcast.jar} process on loopback, its stdout and stderr in one log
 * file. It inherits no {@code ROOMCAST_*} variable from the test JVM: its settings are exactly the
 * {@code env} given. {@link #close()} stops it (SIGTERM, then SIGKILL); {@link #kill()} is SIGKILL.
 */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final int httpPort;
  private final Path log;
  private final Process process;
  private final long startedNanos = System.nanoTime();
  private volatile long killedAtMillis;

  private NodeProcess(String name, int httpPort, Path log, Process process) {
    this.name = name;
    this.httpPort = httpPort;
    this.log = log;
    this.process = process;
  }

  /** Starts the fat jar in {@code workDir} (created), logging to {@code workDir/../<name>.log}. */
  public static NodeProcess start(String name, Path jar, Path workDir, int httpPort, Map<String, String> env)
      throws IOException {
    Files.createDirectories(workDir);
    Path log = workDir.resolveSibling(name + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx384m",
        "-Djava.net.preferIPv4Stack=true",
        "-jar", jar.toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ROOMCAST_"));
    pb.environment().putAll(env);
    return new NodeProcess(name, httpPort, log, pb.start());
  }

  public String name() {
    return name;
  }

  public int httpPort() {
    return httpPort;
  }

  /** {@code 127.0.0.1:<http port>}: how nginx (and the other nodes) address this node. */
  public String address() {
    return "127.0.0.1:" + httpPort;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Wall-clock time of {@link #kill()}, 0 before. */
  public long killedAtMillis() {
    return killedAtMillis;
  }

  @Override
  public String toString() {
    return "node " + name + " (" + address() + ", pid " + process.pid() + ")";
  }

  /**
   * Waits until the node logged {@code Roomcast listening on} and {@code GET /health} answers 200 with
   * {@code "status":"UP"}; fails with the log's tail if it exits or does not get there in time.
   * Returns how long the node took to start, in milliseconds.
   */
  public long awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastHealth = "not asked yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(this + " exited with code " + process.exitValue() + " while starting; log "
            + log + ":\n" + tail(40));
      }
      if (logText().contains("Roomcast listening on")) {
        try {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address() + "/health"))
              .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
          lastHealth = r.statusCode() + " " + r.body();
          if (r.statusCode() == 200 && r.body().contains("\"status\":\"UP\"")) {
            return (System.nanoTime() - startedNanos) / 1_000_000;
          }
        } catch (IOException e) {
          lastHealth = e.toString();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(this + " not ready within " + timeout.toSeconds() + " s (needs the log line "
        + "'Roomcast listening on' and GET /health 200 with \"status\":\"UP\"; last /health: " + lastHealth
        + "); log " + log + ":\n" + tail(40));
  }

  /** SIGKILL ({@link Process#destroyForcibly()} on Linux), and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    killedAtMillis = System.currentTimeMillis();
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(this + " still alive 10 s after SIGKILL");
    }
  }

  /** Stops the process if it still runs: SIGTERM, then SIGKILL after 5 s. */
  @Override
  public void close() throws InterruptedException {
    io.roomcast.support.RoomcastProcess.stop(process);
  }

  /** The last {@code lines} lines of the log. */
  public String tail(int lines) {
    String[] all = logText().split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
  }

  private String logText() {
    try {
      return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }
}
