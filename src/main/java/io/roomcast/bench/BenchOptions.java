package io.roomcast.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed and validated command line of {@code bench}. Every problem is a {@link BenchException}
 * with exit code 2 and a message that names the offending argument.
 */
final class BenchOptions {
  enum Scenario { FANOUT_BIG, FANOUT_MANY, CONNECTIONS, CLUSTER }

  Scenario scenario;
  /** For {@code cluster}: whether the fan-out has the fanout-big shape (else fanout-many). */
  boolean bigShape = true;
  /**
   * With several {@code --url}: whether each room's members all go to one of them (room r to url r mod n)
   * rather than alternating over them (the default), so that no broadcast has to cross between nodes.
   */
  boolean spreadRooms;
  /** Whether every send carries an idempotency key, as the web UI's do (what keys cost the server). */
  boolean keys;
  final List<URI> urls = new ArrayList<>();
  final List<Long> pids = new ArrayList<>();
  double rate = -1;
  /** Sweep start, step, max (messages/s offered), or null without {@code --sweep}. */
  double[] sweep;
  /** Priming before the first step (0 without {@code --prime}): how long, and at what messages/s. */
  long primeMs;
  double primeRate;
  int maxFails = 1;
  int rooms = -1;
  int members = -1;
  int publishers = -1;
  int connections = 1000;
  long warmupMs = 2_000;
  long durationMs = 10_000;
  long drainMs = 5_000;
  int size = 24;
  int concurrency = 200;
  int threads = Runtime.getRuntime().availableProcessors();
  long connectTimeoutMs = 30_000;
  boolean json;
  boolean help;

  /** Whether the fan-out scenarios apply (everything but {@code connections}). */
  boolean fanout() {
    return scenario != Scenario.CONNECTIONS;
  }

  /** The scenario name as typed, plus the shape for cluster runs. */
  String name() {
    return switch (scenario) {
      case FANOUT_BIG -> "fanout-big";
      case FANOUT_MANY -> "fanout-many";
      case CONNECTIONS -> "connections";
      case CLUSTER -> bigShape ? "cluster-big" : "cluster-many";
    };
  }

  /** Total WebSocket connections the run opens. */
  int totalClients() {
    return fanout() ? rooms * members : connections;
  }

  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions();
    String shape = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help") || a.equals("help")) {
        o.help = true;
        return o;
      }
      if (!a.startsWith("--")) {
        if (o.scenario != null) {
          throw BenchException.usage("unexpected argument '" + a + "'");
        }
        o.scenario = switch (a) {
          case "fanout-big" -> Scenario.FANOUT_BIG;
          case "fanout-many" -> Scenario.FANOUT_MANY;
          case "connections" -> Scenario.CONNECTIONS;
          case "cluster" -> Scenario.CLUSTER;
          default -> throw BenchException.usage("unknown scenario '" + a + "'");
        };
        continue;
      }
      if (a.equals("--json")) {
        o.json = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw BenchException.usage(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--url" -> o.urls.add(url(v));
        case "--pid" -> o.pids.add(pid(v));
        case "--rate" -> o.rate = positive(a, v);
        case "--sweep" -> o.sweep = sweep(v);
        case "--prime" -> o.prime(v);
        case "--max-fails" -> o.maxFails = count(a, v, 1);
        case "--rooms" -> o.rooms = count(a, v, 1);
        case "--members" -> o.members = count(a, v, 1);
        case "--publishers" -> o.publishers = count(a, v, 1);
        case "--connections" -> o.connections = count(a, v, 1);
        case "--shape" -> shape = v;
        case "--spread" -> o.spreadRooms = switch (v) {
          case "rooms" -> true;
          case "members" -> false;
          default -> throw BenchException.usage("--spread must be members or rooms, not '" + v + "'");
        };
        case "--keys" -> o.keys = switch (v) {
          case "on" -> true;
          case "off" -> false;
          default -> throw BenchException.usage("--keys must be on or off, not '" + v + "'");
        };
        case "--warmup" -> o.warmupMs = millis(a, v, true);
        case "--duration" -> o.durationMs = millis(a, v, false);
        case "--drain" -> o.drainMs = millis(a, v, true);
        case "--size" -> o.size = count(a, v, 1);
        case "--concurrency" -> o.concurrency = count(a, v, 1);
        case "--threads" -> o.threads = count(a, v, 1);
        case "--connect-timeout" -> o.connectTimeoutMs = millis(a, v, false);
        default -> throw BenchException.usage("unknown option " + a);
      }
    }
    o.applyDefaults(shape);
    return o;
  }

  private void applyDefaults(String shape) {
    if (scenario == null) {
      throw BenchException.usage("missing scenario (fanout-big, fanout-many, connections or cluster)");
    }
    if (shape != null) {
      if (scenario != Scenario.CLUSTER) {
        throw BenchException.usage("--shape applies to the cluster scenario only");
      }
      if (!shape.equals("big") && !shape.equals("many")) {
        throw BenchException.usage("--shape must be big or many, not '" + shape + "'");
      }
      bigShape = shape.equals("big");
    }
    if (urls.isEmpty()) {
      urls.add(URI.create("ws://127.0.0.1:8080/ws"));
    }
    if (scenario == Scenario.CLUSTER && urls.size() < 2) {
      throw BenchException.usage("cluster needs --url at least twice (one per node)");
    }
    boolean big = scenario == Scenario.FANOUT_BIG || (scenario == Scenario.CLUSTER && bigShape);
    if (scenario == Scenario.CONNECTIONS) {
      if (rate > 0 || sweep != null || primeMs > 0) {
        throw BenchException.usage("connections sends no messages: --rate, --sweep and --prime do not apply");
      }
      members = members < 0 ? 10 : members;
      return;
    }
    rooms = rooms < 0 ? (big ? 1 : 100) : rooms;
    members = members < 0 ? (big ? 1000 : 10) : members;
    publishers = publishers < 0 ? (big ? Math.min(10, members) : members) : publishers;
    if (publishers > members) {
      throw BenchException.usage("--publishers (" + publishers + ") cannot exceed --members (" + members + ")");
    }
    if (sweep != null && rate > 0) {
      throw BenchException.usage("give either --rate or --sweep, not both");
    }
    rate = rate < 0 ? (big ? 10 : 2000) : rate;
  }

  private static URI url(String v) {
    try {
      URI u = new URI(v);
      if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme()) || u.getHost() == null) {
        throw BenchException.usage("--url must look like ws://HOST:PORT/PATH, not '" + v + "'");
      }
      return u;
    } catch (URISyntaxException e) {
      throw BenchException.usage("--url is not a URL: '" + v + "'");
    }
  }

  private static long pid(String v) {
    long pid;
    try {
      pid = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw BenchException.usage("--pid needs a process id, not '" + v + "'");
    }
    if (pid <= 0 || !Files.exists(Path.of("/proc", Long.toString(pid), "stat"))) {
      throw BenchException.usage("--pid " + v + ": no such process (the server must run on this machine)");
    }
    return pid;
  }

  private static double[] sweep(String v) {
    String[] p = v.split(":");
    if (p.length != 3) {
      throw BenchException.usage("--sweep needs START:STEP:MAX (messages/s), not '" + v + "'");
    }
    double[] s = {positive("--sweep", p[0]), positive("--sweep", p[1]), positive("--sweep", p[2])};
    if (s[2] < s[0]) {
      throw BenchException.usage("--sweep MAX must be at least START");
    }
    return s;
  }

  private void prime(String v) {
    String[] p = v.split(":");
    if (p.length != 2) {
      throw BenchException.usage("--prime needs SECONDS:RATE (messages/s), not '" + v + "'");
    }
    primeMs = millis("--prime", p[0], false);
    primeRate = positive("--prime", p[1]);
  }

  private static double positive(String name, String v) {
    try {
      double d = Double.parseDouble(v);
      if (d > 0 && d < 1e9) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw BenchException.usage(name + " needs a positive number, not '" + v + "'");
  }

  private static int count(String name, String v, int min) {
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= 10_000_000) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw BenchException.usage(name + " needs a whole number of at least " + min + ", not '" + v + "'");
  }

  private static long millis(String name, String v, boolean zeroOk) {
    try {
      double s = Double.parseDouble(v);
      if ((s > 0 || (zeroOk && s == 0)) && s <= 86_400) {
        return Math.round(s * 1000);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw BenchException.usage(name + " needs seconds (" + (zeroOk ? "0 or more" : "more than 0") + "), not '" + v + "'");
  }
}
