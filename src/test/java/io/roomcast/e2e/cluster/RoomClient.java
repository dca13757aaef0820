package io.roomcast.e2e.cluster;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A chat user that survives node failures, as the protocol asks clients to: it stays in one room
 * through a {@link Link} via the load balancer; when the connection drops it reconnects with a small
 * backoff (under a new nick, {@code <name>-r<n>}, so the old one can be seen leaving), rejoins with
 * {@code since} = the last seq it saw and the {@code epoch} of its first join ack, and drops messages
 * whose seq it already has. A publisher sends a message every {@code publishEveryMs} while it is in the
 * room, with a client-side id ({@code data.cid}, also the text), and records which sends were
 * acknowledged with which seq; it re-sends nothing.
 *
 * <p>It repairs gaps as the protocol allows a real client to: when a live {@code message} arrives with
 * a seq more than one above the highest it has seen, the frames in between were lost on the way (for
 * example a SockJS poll answer that died with the node that forwarded it), so it asks
 * {@code {"type":"history","room":R,"before":<that seq>,"limit":<missing count, at most 100>}} (again
 * further back when more than 100 are missing) and inserts what comes back, deduplicated by seq. A
 * repair still unanswered when the connection drops is asked again on the next connection (the rejoin's
 * {@code since} only covers what came after the highest seq seen). Every gap it noticed, and whether
 * history filled it, is recorded ({@link Snapshot#repairs()}); a gap history cannot fill stays a gap.
 * A gap is a protocol violation all the same unless a transport failure on that connection explains
 * it (a SockJS poll that failed since the last message came): frames do not get lost on a live
 * WebSocket, nor on a SockJS session whose polls all succeeded, unless the server failed to send them.
 *
 * <p>It records everything the test asserts on ({@link #snapshot()}): every message by seq, protocol
 * violations it noticed on the way (a seq shown twice with different content, a seq out of order, a
 * rejoin that did not recover, an epoch that changed), its view of the member list, when it saw each
 * {@code left}, and every connection (which node held it, why it ended). Deployed as a verticle: all
 * of it runs on its own event loop; the test thread only takes snapshots and flips flags.
 */
public final class RoomClient extends VerticleBase {
  /** How the client reaches the server. */
  public enum Kind {
    WS, XHR_POLLING
  }

  /** Nothing at all (not even a ping or SockJS heartbeat) for this long: the connection is taken as dead. */
  private static final long SILENCE_MS = 10_000;
  private static final long JOIN_TIMEOUT_MS = 6_000;
  /** Sends not yet answered beyond which a publisher waits (a node that stopped answering). */
  private static final int MAX_UNANSWERED = 50;
  /** The protocol's largest {@code history} answer. */
  private static final int HISTORY_MAX = 100;
  /** Pause before asking again for a repair answered {@code unavailable} or {@code rate_limited}. */
  private static final long REPAIR_RETRY_MS = 250;

  private final String name;
  private final Kind kind;
  private final int port;
  private final String room;
  private final boolean publisher;
  private final long publishEveryMs;

  // Guarded by this (written on the event loop, read by snapshot()).
  private Link link;
  private boolean welcomed;
  private boolean joined;
  private boolean stopped;
  private boolean publishing;
  private String nick;
  private int connectionCount;
  /**
   * The transport trouble (a failed SockJS poll) reported on the current connection since the last
   * message arrived on it, or null: what explains frames lost on the way.
   */
  private String troubleSinceLastMessage;
  private int failedAttempts;
  private int joinAttempts;
  private String pendingJoinId;
  private long pendingJoinSince = -1;
  private long joinTimer = -1;
  private Long firstJoinSeq;
  private String epoch;
  private long maxSeq;
  private final TreeMap<Long, JsonObject> messages = new TreeMap<>();
  private int duplicates;
  private final List<String> violations = new ArrayList<>();
  private final List<String> troubles = new ArrayList<>();
  private final Map<String, String> unansweredSends = new LinkedHashMap<>();
  /** When each unanswered send went out (ms), and the longest any send has waited for its answer. */
  private final Map<String, Long> sentAt = new HashMap<>();
  private long longestAnswerMs;
  private final List<Ack> acks = new ArrayList<>();
  private int sent;
  private int lostWithConnection;
  private final Map<String, Integer> errors = new TreeMap<>();
  private final LinkedHashSet<String> members = new LinkedHashSet<>();
  private final Map<String, Long> leftAt = new LinkedHashMap<>();
  private final List<Conn> connections = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  /** Gaps noticed and not yet asked for (also those whose request was lost with a connection). */
  private final List<Gap> owedRepairs = new ArrayList<>();
  /** Repair requests on the current connection, by request id. */
  private final Map<String, Gap> repairsInFlight = new LinkedHashMap<>();
  private final List<Gap> gaps = new ArrayList<>();
  private int repairRequests;
  private long lastActivityNanos = System.nanoTime();
  private long lastProgressNanos = System.nanoTime();

  /** One acknowledged send. */
  public record Ack(String cid, long seq, long atMillis, int connection) {
  }

  /**
   * A gap noticed on a live connection: seqs {@code from..to} were missing when seq {@code to + 1}
   * arrived. {@code next} is the highest seq still to be asked for (it moves down when more than 100
   * are missing); the gap is done once history answered for all of it or ran out.
   */
  private static final class Gap {
    final long from;
    final long to;
    final int connection;
    final String holder;
    /** The transport failure that explains the loss, or null (then the server skipped them). */
    String lostWith;
    final String noticedAt = LocalTime.now().toString();
    final long noticedNanos = System.nanoTime();
    long next;
    int requests;
    int filled;
    /** Seqs history did not have (null while the repair is going on). */
    List<Long> unrepaired;
    boolean done;
    long doneNanos;

    Gap(long from, long to, int connection, String holder) {
      this.from = from;
      this.to = to;
      this.next = to;
      this.connection = connection;
      this.holder = holder;
    }

    long missing() {
      return to - from + 1;
    }

    String range() {
      return from == to ? "seq " + from : "seqs " + from + "-" + to;
    }

    @Override
    public String toString() {
      String what = range() + " (" + missing() + ") missing when seq " + (to + 1) + " arrived at " + noticedAt
          + " on connection #" + connection + " held by " + holder
          + (lostWith == null ? " (no transport failure before it)" : " (after: " + lostWith + ")");
      if (!done) {
        return what + ": repair pending after " + requests + " request(s)";
      }
      long ms = (doneNanos - noticedNanos) / 1_000_000;
      return what + (unrepaired.isEmpty()
          ? ": repaired from history (" + filled + " inserted, " + requests + " request(s), " + ms + " ms)"
          : ": NOT repaired, history no longer had " + ranges(unrepaired) + " (" + filled + " inserted, " + ms + " ms)");
    }
  }

  /** One connection, as it went. */
  public static final class Conn {
    public final int number;
    public final String askedNick;
    public final long openedAtMillis;
    public String nick;
    public String holder = "?";
    public Set<String> servedBy = Set.of();
    public Long joinedAtMillis;
    public JsonObject joinAck;
    public Long closedAtMillis;
    public String closeReason;
    public int acks;

    Conn(int number, String askedNick) {
      this.number = number;
      this.askedNick = askedNick;
      this.openedAtMillis = System.currentTimeMillis();
    }

    Conn copy() {
      Conn c = new Conn(number, askedNick);
      c.nick = nick;
      c.holder = holder;
      c.servedBy = servedBy;
      c.joinedAtMillis = joinedAtMillis;
      c.joinAck = joinAck == null ? null : joinAck.copy();
      c.closedAtMillis = closedAtMillis;
      c.closeReason = closeReason;
      c.acks = acks;
      return c;
    }

    @Override
    public String toString() {
      return "#" + number + " nick " + nick + " on " + holder + (joinedAtMillis == null ? " (never joined)" : "")
          + (closeReason == null ? " (open)" : " closed: " + closeReason);
    }
  }

  /** What the client has seen and done so far. */
  public record Snapshot(String name, Kind kind, boolean publisher, boolean connected, boolean joined, String nick,
      String holder, Long firstJoinSeq, long maxSeq, String epoch, NavigableMap<Long, JsonObject> messages,
      int duplicates, List<String> violations, List<String> troubles, List<Ack> acks, int sent, int unanswered, int lostWithConnection,
      long longestAnswerMs,
      Map<String, Integer> errors, Set<String> members, Map<String, Long> leftAt, List<Conn> connections,
      long lastProgressNanos, int gapsRepaired, int gapsNotRepaired, int repairsPending, int seqsRepaired,
      List<String> repairs) {

    /** "2 gap(s) repaired (7 seqs), 0 not repaired, 0 pending" */
    public String repairsBrief() {
      return gapsRepaired + " gap(s) repaired (" + seqsRepaired + " seqs from history), " + gapsNotRepaired
          + " not repaired" + (repairsPending > 0 ? ", " + repairsPending + " repair(s) pending" : "");
    }

    /** The connection open at the time of the snapshot, or the last one. */
    public Conn current() {
      return connections.isEmpty() ? null : connections.get(connections.size() - 1);
    }

    /** The connections, the first and the last three when there are many. */
    public String connectionsBrief() {
      if (connections.size() <= 4) {
        return connections.toString();
      }
      return "[" + connections.get(0) + ", ... " + (connections.size() - 4) + " more ..., "
          + connections.subList(connections.size() - 3, connections.size()).stream().map(Conn::toString)
          .collect(java.util.stream.Collectors.joining(", ")) + "]";
    }

    /** "ws1 (nick ws1-r1, on 127.0.0.1:1234)" */
    public String describe() {
      return name + " (" + kind + ", nick " + nick + ", " + (connected ? "on " + holder : "disconnected")
          + (connections.size() > 1 ? ", " + (connections.size() - 1) + " reconnect(s)" : "") + ")";
    }
  }

  public RoomClient(String name, Kind kind, int port, String room, boolean publisher, long publishEveryMs) {
    this.name = name;
    this.kind = kind;
    this.port = port;
    this.room = room;
    this.publisher = publisher;
    this.publishEveryMs = publishEveryMs;
  }

  public String name() {
    return name;
  }

  public boolean isPublisher() {
    return publisher;
  }

  @Override
  public Future<?> start() {
    if (publisher) {
      vertx.setPeriodic(publishEveryMs, t -> publishTick());
    }
    vertx.setPeriodic(500, t -> watchdog());
    connect();
    return Future.succeededFuture();
  }

  // Controls (any thread) ------------------------------------------------------------------------

  public void startPublishing() {
    context.runOnContext(v -> {
      synchronized (this) {
        publishing = true;
        note("publishing");
      }
    });
  }

  public void stopPublishing() {
    context.runOnContext(v -> {
      synchronized (this) {
        publishing = false;
        note("publishing stopped");
      }
    });
  }

  /** Stops reconnecting and closes the connection. */
  public void shutdown() {
    context.runOnContext(v -> {
      Link l;
      synchronized (this) {
        stopped = true;
        publishing = false;
        l = link;
      }
      if (l != null) {
        l.close("test over");
      }
    });
  }

  public synchronized Snapshot snapshot() {
    List<Conn> conns = new ArrayList<>();
    for (Conn c : connections) {
      Conn copy = c.copy();
      if (c.closeReason == null && link != null && c.number == connectionCount) {
        copy.servedBy = link.servedBy();
      }
      conns.add(copy);
    }
    int repaired = 0;
    int notRepaired = 0;
    int seqsRepaired = 0;
    for (Gap g : gaps) {
      seqsRepaired += g.filled;
      if (g.done && g.unrepaired.isEmpty()) {
        repaired++;
      } else if (g.done) {
        notRepaired++;
      }
    }
    return new Snapshot(name, kind, publisher, link != null, joined, nick, link == null ? null : link.holder(),
        firstJoinSeq, maxSeq, epoch, new TreeMap<>(messages), duplicates, List.copyOf(violations), List.copyOf(troubles), List.copyOf(acks),
        sent, unansweredSends.size(), lostWithConnection, longestAnswerMs, new TreeMap<>(errors), new LinkedHashSet<>(members),
        new LinkedHashMap<>(leftAt), conns, lastProgressNanos, repaired, notRepaired,
        owedRepairs.size() + repairsInFlight.size(), seqsRepaired, gaps.stream().map(Gap::toString).toList());
  }

  /** The client's event log (one line per connection event, join, error and notable frame). */
  public synchronized List<String> log() {
    return List.copyOf(log);
  }

  // Connecting -----------------------------------------------------------------------------------

  private void connect() {
    int number;
    String asked;
    synchronized (this) {
      if (stopped) {
        return;
      }
      number = ++connectionCount;
      troubleSinceLastMessage = null;
      asked = number == 1 ? name : name + "-r" + (number - 1);
      connections.add(new Conn(number, asked));
      note("connecting #" + number + " as " + asked);
    }
    Link.Events events = new Link.Events() {
      @Override
      public void onText(String text) {
        handleText(number, text);
      }

      @Override
      public void onActivity() {
        synchronized (RoomClient.this) {
          lastActivityNanos = System.nanoTime();
        }
      }

      @Override
      public void onClosed(String why) {
        handleClosed(number, why);
      }

      @Override
      public void onTrouble(String what) {
        synchronized (RoomClient.this) {
          troubles.add(LocalTime.now() + " connection #" + number + ": " + what);
          if (number == connectionCount) {
            troubleSinceLastMessage = LocalTime.now() + " " + what;
          }
          note("trouble on connection #" + number + ": " + what);
        }
      }
    };
    Future<Link> opening = kind == Kind.WS
        ? WsLink.open(vertx, port, asked, events)
        : XhrPollingLink.open(vertx, port, asked, events);
    opening.onComplete(ar -> {
      Link opened = ar.result();
      boolean late;
      synchronized (this) {
        Conn c = conn(number);
        late = stopped || c.closeReason != null; // closed before it was even handed over: already handled
        if (ar.failed()) {
          c.closedAtMillis = System.currentTimeMillis();
          c.closeReason = "could not connect: " + ar.cause();
          note("connection #" + number + " failed: " + ar.cause());
        } else if (!late) {
          link = opened;
          lastActivityNanos = System.nanoTime();
          c.holder = opened.holder();
          note("connection #" + number + " open, held by " + c.holder);
        }
      }
      if (ar.failed()) {
        scheduleReconnect();
      } else if (late) {
        opened.close("test over");
      } else {
        vertx.setTimer(JOIN_TIMEOUT_MS, t -> welcomeTimedOut(number));
        maybeJoin();
      }
    });
  }

  private void welcomeTimedOut(int number) {
    Link l;
    synchronized (this) {
      if (number != connectionCount || welcomed || link == null) {
        return;
      }
      l = link;
    }
    l.close("no welcome within " + JOIN_TIMEOUT_MS / 1000 + " s");
  }

  private void scheduleReconnect() {
    long delay;
    synchronized (this) {
      if (stopped) {
        return;
      }
      int k = Math.min(failedAttempts++, 4);
      delay = Math.min(1_000, 100L << k) + (long) (Math.random() * 100);
      note("reconnecting in " + delay + " ms");
    }
    vertx.setTimer(delay, t -> connect());
  }

  private void handleClosed(int number, String why) {
    synchronized (this) {
      Conn c = conn(number);
      if (c.closeReason == null) {
        c.closedAtMillis = System.currentTimeMillis();
        c.closeReason = why;
        if (link != null) {
          c.servedBy = link.servedBy();
        }
      }
      note("connection #" + number + " closed: " + why);
      if (number != connectionCount) {
        return;
      }
      link = null;
      welcomed = false;
      joined = false;
      pendingJoinId = null;
      if (joinTimer >= 0) {
        vertx.cancelTimer(joinTimer);
        joinTimer = -1;
      }
      lostWithConnection += unansweredSends.size();
      unansweredSends.clear();
      sentAt.clear();
      if (!repairsInFlight.isEmpty()) {
        note("connection #" + number + " closed with " + repairsInFlight.size()
            + " repair(s) unanswered: asked again on the next connection");
        owedRepairs.addAll(repairsInFlight.values());
        repairsInFlight.clear();
      }
    }
    scheduleReconnect();
  }

  private void watchdog() {
    Link silent = null;
    synchronized (this) {
      if (link != null && System.nanoTime() - lastActivityNanos > SILENCE_MS * 1_000_000) {
        silent = link;
      }
    }
    if (silent != null) {
      silent.close("nothing received for " + SILENCE_MS / 1000 + " s");
    }
  }

  // Joining --------------------------------------------------------------------------------------

  private void maybeJoin() {
    Link l;
    JsonObject join;
    synchronized (this) {
      if (link == null || !welcomed || joined || pendingJoinId != null || stopped) {
        return;
      }
      l = link;
      String id = "join-" + name + "-" + connectionCount + "-" + (++joinAttempts);
      join = new JsonObject().put("type", "join").put("id", id).put("room", room);
      pendingJoinSince = -1;
      if (firstJoinSeq != null) {
        join.put("since", maxSeq).put("epoch", epoch);
        pendingJoinSince = maxSeq;
      }
      pendingJoinId = id;
      int number = connectionCount;
      joinTimer = vertx.setTimer(JOIN_TIMEOUT_MS, t -> joinTimedOut(number, id));
      note("-> " + join.encode());
    }
    l.send(join.encode());
  }

  private void joinTimedOut(int number, String id) {
    Link l;
    synchronized (this) {
      if (!id.equals(pendingJoinId) || number != connectionCount) {
        return;
      }
      l = link;
    }
    if (l != null) {
      l.close("join not answered within " + JOIN_TIMEOUT_MS / 1000 + " s");
    }
  }

  private void onJoinAck(int number, JsonObject ack) {
    synchronized (this) {
      pendingJoinId = null;
      if (joinTimer >= 0) {
        vertx.cancelTimer(joinTimer);
        joinTimer = -1;
      }
      joined = true;
      failedAttempts = 0;
      Conn c = conn(number);
      c.joinedAtMillis = System.currentTimeMillis();
      c.joinAck = ack;
      members.clear();
      JsonArray list = ack.getJsonArray("members", new JsonArray());
      list.forEach(m -> members.add(String.valueOf(m)));
      long seq = ack.getLong("seq", -1L);
      note("<- join ack " + ack.encode());
      if (firstJoinSeq == null) {
        firstJoinSeq = seq;
        epoch = ack.getString("epoch");
        maxSeq = Math.max(maxSeq, seq);
        return;
      }
      if (!Boolean.TRUE.equals(ack.getBoolean("recovered"))) {
        violation("rejoin on connection #" + number + " (held by " + c.holder + ") with since " + pendingJoinSince
            + " was not recovered: " + ack.encode());
      }
      if (epoch != null && !epoch.equals(ack.getString("epoch"))) {
        violation("the room's epoch changed from " + epoch + " to " + ack.getString("epoch") + " (rejoin on connection #"
            + number + ")");
      }
      if (seq < maxSeq) {
        violation("rejoin ack on connection #" + number + " says the room is at seq " + seq + " but seq " + maxSeq
            + " was already shown");
      }
    }
  }

  private void onJoinError(JsonObject error) {
    synchronized (this) {
      pendingJoinId = null;
      if (joinTimer >= 0) {
        vertx.cancelTimer(joinTimer);
        joinTimer = -1;
      }
      String code = error.getString("code");
      errors.merge("join:" + code, 1, Integer::sum);
      note("<- join error " + error.encode());
      if (!"unavailable".equals(code)) {
        violation("join answered with an unexpected error: " + error.encode());
      }
    }
    vertx.setTimer(250, t -> maybeJoin());
  }

  // Publishing -----------------------------------------------------------------------------------

  /** A send's answer came: it is no longer unanswered, and its wait counts; returns its cid. */
  private String answered(String id) {
    Long at = sentAt.remove(id);
    if (at != null) {
      longestAnswerMs = Math.max(longestAnswerMs, System.currentTimeMillis() - at);
    }
    return unansweredSends.remove(id);
  }

  private void publishTick() {
    Link l;
    String frame;
    synchronized (this) {
      if (!publishing || !joined || link == null || unansweredSends.size() >= MAX_UNANSWERED) {
        return;
      }
      l = link;
      String cid = name + "-" + (++sent);
      String id = "send-" + cid;
      unansweredSends.put(id, cid);
      sentAt.put(id, System.currentTimeMillis());
      frame = new JsonObject().put("type", "send").put("id", id).put("room", room).put("text", cid)
          .put("data", new JsonObject().put("cid", cid)).encode();
    }
    l.send(frame);
  }

  // Frames ---------------------------------------------------------------------------------------

  private void handleText(int number, String text) {
    JsonObject f;
    try {
      Object v = io.vertx.core.json.Json.decodeValue(text);
      if (!(v instanceof JsonObject o)) {
        throw new DecodeException("not an object");
      }
      f = o;
    } catch (DecodeException e) {
      synchronized (this) {
        violation("a frame that is not a JSON object: " + text);
      }
      return;
    }
    String type = String.valueOf(f.getString("type"));
    boolean join = false;
    boolean joinError = false;
    boolean repairRetry = false;
    synchronized (this) {
      lastActivityNanos = System.nanoTime();
      Object id = f.getValue("id");
      switch (type) {
        case "welcome" -> {
          if (number == connectionCount) {
            welcomed = true;
            nick = f.getString("nick");
            conn(number).nick = nick;
            note("<- welcome " + f.encode());
            join = true;
          }
        }
        case "message" -> onMessage(number, f);
        case "ack" -> {
          if (id != null && id.equals(pendingJoinId)) {
            onJoinAck(number, f);
          } else if (id != null && repairsInFlight.containsKey(String.valueOf(id))) {
            onRepairAnswer(number, repairsInFlight.remove(String.valueOf(id)), f);
          } else if (id != null && unansweredSends.containsKey(String.valueOf(id))) {
            String cid = answered(String.valueOf(id));
            acks.add(new Ack(cid, f.getLong("seq", -1L), System.currentTimeMillis(), number));
            note("<- ack " + cid + " seq " + f.getValue("seq"));
            conn(number).acks++;
            lastProgressNanos = System.nanoTime();
          } else {
            note("<- unexpected ack " + f.encode());
          }
        }
        case "error" -> {
          if (id != null && id.equals(pendingJoinId)) {
            joinError = true;
          } else if (id != null && repairsInFlight.containsKey(String.valueOf(id))) {
            Gap g = repairsInFlight.remove(String.valueOf(id));
            String code = f.getString("code");
            errors.merge("history:" + code, 1, Integer::sum);
            note("<- repair error " + f.encode() + " for " + g.range() + ": asking again in " + REPAIR_RETRY_MS + " ms");
            if (!"unavailable".equals(code) && !"rate_limited".equals(code)) {
              violation("history (gap repair) answered with an unexpected error: " + f.encode());
            }
            owedRepairs.add(g);
            repairRetry = true;
          } else if (id != null && unansweredSends.containsKey(String.valueOf(id))) {
            answered(String.valueOf(id));
            String code = f.getString("code");
            if (errors.merge("send:" + code, 1, Integer::sum) == 1 || !"unavailable".equals(code)) {
              note("<- send error " + f.encode());
            }
            if (!"unavailable".equals(code)) {
              violation("send answered with an unexpected error: " + f.encode());
            }
          } else {
            errors.merge("other:" + f.getString("code"), 1, Integer::sum);
            note("<- error " + f.encode());
          }
        }
        case "joined" -> {
          if (room.equals(f.getString("room"))) {
            members.add(f.getString("nick"));
            note("<- " + f.encode());
          }
        }
        case "left" -> {
          if (room.equals(f.getString("room"))) {
            members.remove(f.getString("nick"));
            leftAt.putIfAbsent(f.getString("nick"), System.currentTimeMillis());
            note("<- " + f.encode());
          }
        }
        case "renamed" -> {
          if (room.equals(f.getString("room"))) {
            members.remove(f.getString("old"));
            members.add(f.getString("nick"));
          }
          note("<- " + f.encode());
        }
        default -> note("<- " + f.encode());
      }
    }
    if (joinError) {
      onJoinError(f);
    }
    if (join) {
      maybeJoin();
    }
    if (repairRetry) {
      vertx.setTimer(REPAIR_RETRY_MS, t -> requestRepairs());
    } else {
      requestRepairs();
    }
  }

  /** Keeps the first copy of each seq; a second copy must be identical, and new seqs must come in order. */
  private void onMessage(int number, JsonObject f) {
    if (!room.equals(f.getString("room"))) {
      return;
    }
    Long seq = f.getLong("seq");
    if (seq == null) {
      violation("a message without seq: " + f.encode());
      return;
    }
    JsonObject earlier = messages.get(seq);
    note("<- message " + seq + " " + f.getString("text") + (earlier != null ? " (duplicate)" : ""));
    if (earlier != null) {
      duplicates++;
      if (!sameMessage(earlier, f)) {
        violation("seq " + seq + " shown twice with different content: first " + earlier.encode() + ", then (connection #"
            + number + ") " + f.encode());
      }
      return;
    }
    if (seq < maxSeq) {
      violation("seq " + seq + " arrived (connection #" + number + ") after seq " + maxSeq);
    }
    String trouble = number == connectionCount ? troubleSinceLastMessage : null;
    troubleSinceLastMessage = null;
    if (firstJoinSeq != null && seq > maxSeq + 1) {
      // Frames lost on the way (the connection is the same): fetch them with history.
      Gap g = new Gap(maxSeq + 1, seq - 1, number, conn(number).holder);
      g.lostWith = trouble;
      gaps.add(g);
      owedRepairs.add(g);
      note("GAP " + g.range() + " (" + g.missing() + ") missing: seq " + seq + " arrived after " + maxSeq
          + " on connection #" + number + "; repairing from history" + (trouble == null ? "" : "; lost with " + trouble));
      if (trouble == null) {
        violation(g.range() + " (" + g.missing() + ") skipped on live connection #" + number + " (" + kind + ", held by "
            + g.holder + "): seq " + seq + " came right after " + maxSeq + " with no transport failure in between, so"
            + " the server never sent them to this connection (the client still asks history for them: see its gap"
            + " list for whether history had them)");
      }
    }
    messages.put(seq, f);
    maxSeq = Math.max(maxSeq, seq);
    lastProgressNanos = System.nanoTime();
  }

  // Gap repair -----------------------------------------------------------------------------------

  /** Asks history for every owed gap, on the current connection once it is welcomed. */
  private void requestRepairs() {
    Link l;
    List<String> frames = new ArrayList<>();
    synchronized (this) {
      if (link == null || !welcomed || stopped || owedRepairs.isEmpty()) {
        return;
      }
      l = link;
      for (Gap g : owedRepairs) {
        int limit = (int) Math.min(HISTORY_MAX, g.next - g.from + 1);
        String id = "repair-" + name + "-" + (++repairRequests);
        JsonObject history = new JsonObject().put("type", "history").put("id", id).put("room", room)
            .put("before", g.next + 1).put("limit", limit);
        g.requests++;
        repairsInFlight.put(id, g);
        frames.add(history.encode());
        note("-> " + history.encode() + " (repair of " + g.range() + ")");
      }
      owedRepairs.clear();
    }
    frames.forEach(l::send);
  }

  /** Inserts what history had of a gap; asks further back when more than 100 were missing. */
  private void onRepairAnswer(int number, Gap g, JsonObject ack) {
    JsonArray list = ack.getJsonArray("messages", new JsonArray());
    long asked = Math.min(HISTORY_MAX, g.next - g.from + 1);
    long lowest = g.next + 1;
    int inserted = 0;
    for (int i = 0; i < list.size(); i++) {
      JsonObject m = list.getJsonObject(i);
      Long seq = m.getLong("seq");
      if (seq == null) {
        violation("history (gap repair) returned a message without seq: " + m.encode());
        continue;
      }
      lowest = Math.min(lowest, seq);
      JsonObject earlier = messages.get(seq);
      if (earlier != null) {
        duplicates++;
        if (!sameMessage(earlier, m)) {
          violation("seq " + seq + " is " + earlier.encode() + " but history (gap repair, connection #" + number
              + ") has " + m.encode());
        }
        continue;
      }
      if (seq < g.from || seq > g.next) {
        violation("history before " + (g.next + 1) + " limit " + asked + " returned seq " + seq + " outside the gap "
            + g.range() + ": " + m.encode());
      }
      messages.put(seq, m);
      inserted++;
    }
    g.filled += inserted;
    if (inserted > 0) {
      lastProgressNanos = System.nanoTime();
    }
    note("<- repair of " + g.range() + ": history before " + (g.next + 1) + " returned " + list.size() + " of " + asked
        + " asked (" + inserted + " inserted" + (list.isEmpty() ? "" : ", seqs " + list.getJsonObject(0).getValue("seq")
        + "-" + list.getJsonObject(list.size() - 1).getValue("seq")) + ")");
    if (list.size() >= asked && lowest > g.from && lowest <= g.next) {
      g.next = lowest - 1; // a full page and more to fetch: further back
      owedRepairs.add(g);
      return;
    }
    g.done = true;
    g.doneNanos = System.nanoTime();
    g.unrepaired = new ArrayList<>();
    for (long s = g.from; s <= g.to; s++) {
      if (!messages.containsKey(s)) {
        g.unrepaired.add(s);
      }
    }
    note((g.unrepaired.isEmpty() ? "REPAIRED " : "NOT REPAIRED ") + g);
  }

  /** The same message: seq, sender, text, data and ts (what the server stored), whatever the transport. */
  public static boolean sameMessage(JsonObject a, JsonObject b) {
    return java.util.Objects.equals(a.getValue("seq"), b.getValue("seq"))
        && java.util.Objects.equals(a.getString("from"), b.getString("from"))
        && java.util.Objects.equals(a.getString("text"), b.getString("text"))
        && java.util.Objects.equals(a.getValue("ts"), b.getValue("ts"))
        && java.util.Objects.equals(a.getValue("data"), b.getValue("data"));
  }

  // Helpers --------------------------------------------------------------------------------------

  private Conn conn(int number) {
    return connections.get(number - 1);
  }

  private void violation(String what) {
    violations.add(what);
    note("VIOLATION " + what);
  }

  private void note(String line) {
    if (log.size() < 50_000) {
      log.add(LocalTime.now() + " " + line);
    }
  }

  /** The seqs in {@code seqs}, as ranges: "1-40, 42, 45-50". */
  public static String ranges(java.util.Collection<Long> seqs) {
    TreeSet<Long> sorted = new TreeSet<>(seqs);
    StringBuilder out = new StringBuilder();
    Long start = null;
    Long prev = null;
    for (long s : sorted) {
      if (prev != null && s == prev + 1) {
        prev = s;
        continue;
      }
      if (start != null) {
        out.append(out.length() == 0 ? "" : ", ").append(start.equals(prev) ? "" + start : start + "-" + prev);
      }
      start = s;
      prev = s;
    }
    if (start != null) {
      out.append(out.length() == 0 ? "" : ", ").append(start.equals(prev) ? "" + start : start + "-" + prev);
    }
    return out.toString();
  }

}
