package io.roomcast.e2e.cluster;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx run from the shipped {@code conf/nginx.conf}, in the foreground, with a prefix directory of
 * its own: the test reads the shipped file, swaps in its ports ({@link #template}) and starts the
 * {@code nginx} binary directly (never a system service). {@link #close()} stops the master and every
 * worker it started.
 */
public final class Nginx implements AutoCloseable {
  /** Added to the proxied location so each answer says which node served it (see {@link #template}). */
  public static final String UPSTREAM_HEADER = "X-Roomcast-Upstream";

  private static final String LISTEN = "listen 127.0.0.1:8000;";
  private static final Pattern UPSTREAM_BLOCK = Pattern.compile("(?s)(upstream roomcast \\{)(.*?)(\\n\\s*})");
  private static final Pattern SERVER_LINE = Pattern.compile("(?m)^([ \\t]*)server 127\\.0\\.0\\.1:(\\d+)([^;]*);[ \\t]*$");
  private static final String PROXY_PASS = "proxy_pass http://roomcast;";

  private final Process process;
  private final Path prefix;
  private final int port;
  private final List<ProcessHandle> workers;

  private Nginx(Process process, Path prefix, int port) {
    this.process = process;
    this.prefix = prefix;
    this.port = port;
    this.workers = new java.util.concurrent.CopyOnWriteArrayList<>();
  }

  /** The nginx binary: on the PATH, or in the sbin directories that are not on a normal user's PATH. */
  public static Optional<Path> binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nginx"))) {
        return Optional.of(Path.of(dir, "nginx"));
      }
    }
    for (String dir : List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin")) {
      if (Files.isExecutable(Path.of(dir, "nginx"))) {
        return Optional.of(Path.of(dir, "nginx"));
      }
    }
    return Optional.empty();
  }

  /**
   * The shipped config with this test's ports: {@code listen 127.0.0.1:8000} becomes {@code port}, and
   * the upstream's {@code server 127.0.0.1:…} lines become one line per node (keeping the parameters of
   * the shipped lines, such as {@code max_fails}), and every answer gets an {@value #UPSTREAM_HEADER}
   * header with {@code $upstream_addr}, so the test knows which node holds each connection. Fails
   * naming what it expected when the shipped file no longer has that shape.
   */
  public static String template(String shipped, int port, List<Integer> nodePorts) {
    if (!shipped.contains(LISTEN)) {
      throw new AssertionError("conf/nginx.conf no longer contains '" + LISTEN + "' (the test replaces it with its own port)");
    }
    String conf = shipped.replace(LISTEN, "listen 127.0.0.1:" + port + ";");
    Matcher block = UPSTREAM_BLOCK.matcher(conf);
    if (!block.find()) {
      throw new AssertionError("conf/nginx.conf has no 'upstream roomcast { … }' block");
    }
    Matcher server = SERVER_LINE.matcher(block.group(2));
    StringBuilder body = new StringBuilder();
    int found = 0;
    while (server.find()) {
      String replacement = "";
      if (found++ == 0) {
        // One line per node where the first shipped line was, with that line's indent and parameters.
        StringBuilder lines = new StringBuilder();
        for (int p : nodePorts) {
          lines.append(lines.length() == 0 ? "" : "\n").append(server.group(1)).append("server 127.0.0.1:").append(p)
              .append(server.group(3)).append(';');
        }
        replacement = lines.toString();
      }
      server.appendReplacement(body, Matcher.quoteReplacement(replacement));
    }
    server.appendTail(body);
    if (found == 0) {
      throw new AssertionError("the upstream block of conf/nginx.conf has no 'server 127.0.0.1:<port> …;' line");
    }
    conf = conf.substring(0, block.start(2)) + body.toString().replaceAll("\n[ \t]*(?=\n)", "") + conf.substring(block.end(2));
    if (!conf.contains(PROXY_PASS)) {
      throw new AssertionError("conf/nginx.conf no longer contains '" + PROXY_PASS + "'");
    }
    return conf.replace(PROXY_PASS, PROXY_PASS + "\n      add_header " + UPSTREAM_HEADER + " $upstream_addr always;");
  }

  /**
   * Writes {@code config} to {@code prefix/nginx.conf} and starts {@code nginx -c … -p prefix} in the
   * foreground; waits until it accepts connections on {@code port}.
   */
  public static Nginx start(Path binary, Path prefix, String config, int port, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(prefix);
    Path conf = prefix.resolve("nginx.conf");
    Files.writeString(conf, config, StandardCharsets.UTF_8);
    Path abs = prefix.toAbsolutePath();
    Process p = new ProcessBuilder(binary.toString(), "-c", conf.toAbsolutePath().toString(), "-p", abs + "/",
        "-e", abs.resolve("error.log").toString())
        .redirectErrorStream(true)
        .redirectOutput(prefix.resolve("nginx.out").toFile())
        .start();
    Nginx nginx = new Nginx(p, prefix, port);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("nginx exited with code " + p.exitValue() + "; " + nginx.logs());
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        nginx.workers.addAll(p.descendants().toList());
        return nginx;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    nginx.close();
    throw new AssertionError("nginx did not listen on 127.0.0.1:" + port + " within " + timeout.toSeconds() + " s; "
        + nginx.logs());
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path prefix() {
    return prefix;
  }

  /** The error log and the foreground output, for failure messages. */
  public String logs() {
    return "nginx output: " + read(prefix.resolve("nginx.out")) + "; error log " + prefix.resolve("error.log")
        + ": " + read(prefix.resolve("error.log"));
  }

  /** Stops nginx (SIGTERM: the master stops its workers), then SIGKILLs whatever of it is left. */
  @Override
  public void close() throws InterruptedException {
    workers.addAll(process.descendants().toList());
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    for (ProcessHandle w : workers) {
      if (w.isAlive()) {
        w.destroyForcibly();
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).strip() : "(none)";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
