package io.roomcast;

import io.roomcast.cluster.Cluster;
import io.roomcast.config.ConfigException;
import io.roomcast.config.ConfigLoader;
import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The command line: {@code java -jar roomcast.jar [-conf FILE] [-cluster]} ({@code -cluster} is
 * {@code cluster.enabled=true}). Failures that are the operator's to
 * fix (config, busy port, bad arguments) print one line and exit with code 1.
 */
public final class Main {
  private static final String USAGE = "usage: java -jar roomcast.jar [-conf FILE] [-cluster] | bench --help";

  private Main() {
  }

  public static void main(String[] args) {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$-7s %3$s - %5$s%6$s%n");
    if (args.length > 0 && args[0].equals("bench")) {
      System.exit(io.roomcast.bench.Bench.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    String confFile = null;
    boolean cluster = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-conf", "--conf" -> {
          if (i + 1 >= args.length) {
            fail("-conf needs a file name; " + USAGE);
          }
          confFile = args[++i];
        }
        case "-cluster", "--cluster" -> cluster = true;
        case "-h", "--help", "help" -> {
          System.out.println(USAGE);
          return;
        }
        default -> fail("unknown argument '" + args[i] + "'; " + USAGE);
      }
    }
    run(confFile, cluster);
  }

  private static void run(String confFile, boolean cluster) {
    RoomcastConfig loaded = loadConfig(confFile);
    RoomcastConfig config = cluster ? loaded.clustered() : loaded;
    Logger log = Logger.getLogger("io.roomcast");
    Roomcast.start(config)
        .onSuccess(node -> {
          String host = config.http().host();
          String shown = host.equals("0.0.0.0") ? "localhost" : host;
          log.info("Roomcast listening on http://" + shown + ":" + node.port() + "/ (bound to " + host + ":"
              + node.port() + ", WebSocket at " + config.http().wsPath()
              + (config.cluster().enabled() ? ", clustered as '" + config.cluster().name() + "'" : "")
              + "; " + Cluster.transportName(node.vertx()) + " transport; ready " + (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime())
              + " ms after JVM start)");
          Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node)));
        })
        // Exiting from the event loop without waiting for vertx.close(): nothing has been served yet,
        // and waiting on the event loop for its own shutdown would deadlock.
        .onFailure(e -> fail(startError(config, e).getMessage()));
  }

  /** Loads the config on a short-lived Vert.x instance, from the main thread (so it may block). */
  private static RoomcastConfig loadConfig(String confFile) {
    Vertx loader = Vertx.vertx();
    try {
      return ConfigLoader.load(loader, confFile).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      fail(cause instanceof ConfigException ? "config error: " + cause.getMessage() : String.valueOf(cause));
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted while loading the config");
      return null;
    } finally {
      loader.close();
    }
  }

  /** Words a deployment failure for the operator: a busy port is the common one. */
  private static Throwable startError(RoomcastConfig config, Throwable e) {
    String where = config.http().host() + ":" + config.http().port();
    if (e instanceof ConfigException) {
      return new IllegalStateException("config error: " + e.getMessage());
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof BindException || m.contains("Address already in use")) {
        return new IllegalStateException("cannot listen on " + where + ": address already in use");
      }
      if (m.contains("Permission denied") || m.contains("Cannot assign requested address")) {
        return new IllegalStateException("cannot listen on " + where + ": " + m);
      }
    }
    return new IllegalStateException("start failed: " + e);
  }

  private static void closeQuietly(Roomcast node) {
    try {
      node.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
  }

  private static void fail(String message) {
    System.err.println("roomcast: " + message);
    System.exit(1);
  }
}
