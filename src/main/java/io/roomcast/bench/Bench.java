package io.roomcast.bench;

import java.io.PrintStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code bench} subcommand: a load generator, like {@code nats bench} or {@code redis-benchmark},
 * for any server that speaks protocol v1 over a WebSocket URL (Roomcast, or the Node peer in
 * shared/peers). See {@link #HELP} for the scenarios, options and output; callable in-process through
 * {@link #run(String[], PrintStream, PrintStream)}.
 */
public final class Bench {
  /** The text of {@code bench --help}. */
  public static final String HELP = """
      usage: java -jar roomcast.jar bench SCENARIO [options]

      Drives any server that speaks Roomcast protocol v1 over a WebSocket URL (Roomcast, the
      shared/peers/ws-v1.js peer, ...) and measures fan-out throughput, latency and cost.

      scenarios
        fanout-big    1 room x 1000 members, 10 of them publishing      (--rate default 10 messages/s)
        fanout-many   100 rooms x 10 members, every member publishing   (--rate default 2000 messages/s)
        connections   --connections idle connections (default 1000), in rooms of --members (10): connect
                      rate (connections/s, welcome and join ack included) and, with --pid, the server's
                      RSS per connection (VmRSS before and after, each after a GC of the server: jcmd PID
                      GC.run for java, SIGUSR2 for node; for a JVM also the heap in use after each
                      GC, as a JVM keeps heap pages it once touched); then closes them all. Its
                      connections come from a lean client (not Vert.x's) that costs the bench far less
                      than the server; to a 127.x server they come from 127.0.0.1 to 127.0.0.16
        cluster       a fan-out (--shape big|many, default big) with clients spread round-robin over two
                      or more --url; server CPU and RSS summed over every --pid

      options
        --url URL            WebSocket endpoint (default ws://127.0.0.1:8080/ws); repeat for cluster
        --spread S           with several --url, members (default): a room's members alternate over
                             them, so every broadcast reaches every node; rooms: room r's members all go
                             to url r mod n, so no broadcast has to cross (this also runs against
                             independent, unclustered servers: the cost of two processes alone)
        --pid PID            server process on this machine, for CPU and RSS; repeatable (summed)
        --rate N             messages/s offered by all publishers together; copies/s = N x members
        --sweep S:STEP:MAX   steps of S, S+STEP, ... up to MAX messages/s (the unit of --rate), each with
                             its own warm-up, window and drain; reports saturation: the highest step where
                             every copy was delivered, p99 < 100 ms and >= 90% of the target was offered.
                             Stops after --max-fails failing steps (default 1)
        --rooms N            rooms (fanout-big 1, fanout-many 100)
        --members N          members per room (fanout-big 1000, fanout-many 10, connections 10)
        --publishers N       publishers per room (fanout-big 10, fanout-many every member)
        --connections N      connections scenario: how many (default 1000)
        --warmup S           seconds at the rate before measuring, not counted (default 2); for
                             connections: seconds of opening and closing rounds of min(N, 2000)
                             connections, unmeasured (at least one round when > 0)
        --prime S:RATE       fan-out: before the first step, S seconds at RATE messages/s, unmeasured.
                             A JVM server compiles its message path only after thousands of messages,
                             so at a moderate rate a short window also measures its JIT compiler
        --duration S         measured window in seconds (default 10)
        --drain S            after the window, wait until every expected copy arrived, at most S (default 5)
        --size N             message text length in characters (default 24; starts with the send timestamp)
        --keys on|off        every send carries an idempotency key (default off), as the web UI's do
        --concurrency N      connections being opened at once (default 200)
        --threads N          bench event loops (default: the CPUs this process may use)
        --connect-timeout S  per connection, welcome and join ack included (default 30)
        --json               print only the JSON lines

      output (stdout)
        One table row per step: target and offered messages/s (offered = acked sends stamped inside the
        window; a send answered with an error is not offered), delivered copies/s, expected and delivered
        copies (expected = offered x members of the room, the sender included when the server echoes;
        a probe message at start finds out), missing copies, seq gaps and duplicates (per client and
        room), latency p50/p99/p99.9/max in ms per delivered copy (send timestamp in the text, bench
        clock), server CPU us per delivered copy, server CPU % and RSS (with --pid), jit% (the share of
        that CPU a JVM server's JIT compiler threads took: a note flags a step at 10% or more, whose
        numbers show the JVM warming up), bench CPU % (100 = one core: near 100 x its CPUs, the bench
        itself is the bottleneck), steal% (the share of this machine's CPU time a VM's host took in the
        window, from /proc/stat: a note flags a step at 10% or more, whose latency and CPU measure the
        host too), ok (the sweep verdict).
        Then one JSON line per step (and a "saturation" line with --sweep); JSON lines start with '{'.
        Progress goes to stderr. Exit code 0 when the run completed (read missing/ok for the verdict),
        1 when it could not run (server unreachable, connections refused, probe not delivered),
        2 for bad arguments.

      server under test
        Roomcast's defaults (20 frames/s per client, 100 connections per IP, 20000 per server, 1 MiB
        queue per client) refuse a benchmark. Start it with raised limits, e.g.
          ulimit -n 20000
          ROOMCAST_LIMITS_RATE_PER_SECOND=1000000 ROOMCAST_LIMITS_RATE_BURST=1000000 \\
          ROOMCAST_LIMITS_FLOOD_CLOSE_AFTER=1000000 ROOMCAST_LIMITS_MAX_CONNECTIONS_PER_IP=1000000 \\
          ROOMCAST_LIMITS_MAX_CONNECTIONS=1000000 ROOMCAST_LIMITS_MAX_QUEUE_BYTES=67108864 \\
          ROOMCAST_BOTS_ECHO=false ROOMCAST_HTTP_HOST=127.0.0.1 ROOMCAST_HTTP_PORT=18080 \\
          ROOMCAST_HTTP_INSTANCES=1 taskset -c 0 java -jar target/roomcast.jar
        The Node peer: cd shared/peers && PORT=18090 taskset -c 0 node --expose-gc ws-v1.js
        Both the server and the bench need `ulimit -n` above the connection count (one file descriptor
        per connection plus ~100: 19000 connections need 20000). Pin the bench to other cores, e.g.
          taskset -c 1 java -jar target/roomcast.jar bench fanout-big --url ws://127.0.0.1:18080/ws --pid PID
      """;

  /**
   * Vert.x logs "Connection evicted" for every connection still upgrading when a failed run closes
   * the client: hundreds of lines that would bury the one-line error. Held here so the level sticks.
   */
  private static final Logger EVICTIONS = Logger.getLogger("io.vertx.core.http.impl.HttpClientConnection");

  private Bench() {
  }

  /** Runs the benchmark with the given arguments; returns the process exit code. */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  /** Runs with results on {@code out} and progress and errors on stderr. */
  public static int run(String[] args, PrintStream out) {
    return run(args, out, System.err);
  }

  /** Runs with results on {@code out}, progress and the one-line errors on {@code err}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    EVICTIONS.setLevel(Level.SEVERE);
    try {
      BenchOptions o = BenchOptions.parse(args);
      if (o.help) {
        out.print(HELP);
        out.flush();
        return 0;
      }
      checkFileLimit(o);
      ProcStats.clockTicks(); // runs getconf now rather than inside a measured window
      Report report = new Report(out, o.json);
      try {
        if (o.fanout()) {
          new FanoutScenario(o, report, err).run();
        } else {
          new ConnectionsScenario(o, report, err).run();
        }
      } finally {
        report.finish();
      }
      return 0;
    } catch (BenchException e) {
      err.println("bench: " + e.getMessage() + (e.exitCode() == BenchException.USAGE ? " (see bench --help)" : ""));
      return e.exitCode();
    } catch (RuntimeException e) {
      err.println("bench: failed: " + e);
      return BenchException.FAILED;
    }
  }

  /** One descriptor per connection: better a clear message now than "Too many open files" halfway. */
  private static void checkFileLimit(BenchOptions o) {
    long limit = ProcStats.openFilesLimit();
    long needed = o.totalClients() + 100L;
    if (limit > 0 && limit < needed) {
      throw BenchException.usage(o.totalClients() + " connections need ulimit -n of at least " + needed
          + " (now " + limit + ")");
    }
  }
}
