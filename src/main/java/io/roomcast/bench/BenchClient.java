package io.roomcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * One bench connection, in one room. Everything here runs on its {@link Shard}'s event loop, so the
 * counters are plain fields. It reads frames as raw bytes ({@link FrameScan}) and keeps the send
 * timestamps of unanswered sends in a ring: the protocol answers a connection's frames in the order
 * they were sent, so each ack or error belongs to the oldest unanswered send.
 */
final class BenchClient {
  private static final int CONNECTING = 0;
  private static final int JOINING = 1;
  private static final int JOINED = 2;
  private static final int CLOSING = 3;
  /** How long to wait for the welcome before joining anyway. */
  private static final long WELCOME_WAIT_MS = 3_000;

  final Shard shard;
  final int index;
  /** Room index (0-based) and its name on the wire. */
  final int room;
  final String roomName;
  /** Copies of measured sends received, and own measured sends acked, in the current step. */
  long copies;
  long ownAcked;
  boolean probeSender;

  /** Handlers are set before the connect: Vert.x may drop a first frame (the welcome) otherwise. */
  private ClientWebSocket ws;
  private boolean connected;
  private int state = CONNECTING;
  private Promise<Void> ready;
  private long lastSeq = -1;
  private long lastAckSeq = -1;
  private long[] inFlight = new long[16];
  private int head;
  private int inFlightCount;
  private long nextId;

  BenchClient(Shard shard, int index, int room, String roomName) {
    this.shard = shard;
    this.index = index;
    this.room = room;
    this.roomName = roomName;
  }

  /** Connects, waits for the welcome, joins the room and waits for its ack; on the shard's context. */
  Future<Void> open(WebSocketClient client, WebSocketConnectOptions options, long timeoutMs) {
    ready = Promise.promise();
    long timer = shard.vertx().setTimer(timeoutMs, t -> ready.tryFail("no welcome and join ack within "
        + timeoutMs + " ms"));
    ws = client.webSocket();
    ws.handler(this::onFrame);
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(e -> ready.tryFail(e));
    ws.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        ready.tryFail(ar.cause());
        return;
      }
      connected = true;
      if (state == CLOSING) { // the run gave up on this connection meanwhile
        ws.close();
        return;
      }
      // The protocol opens with a welcome; a server that skips it still gets its join, a bit later.
      shard.vertx().setTimer(WELCOME_WAIT_MS, t -> {
        if (state == CONNECTING) {
          shard.noWelcome++;
          join();
        }
      });
    });
    return ready.future().andThen(ar -> shard.vertx().cancelTimer(timer));
  }

  private void onFrame(Buffer b) {
    switch (FrameScan.type(b)) {
      case FrameScan.MESSAGE -> onMessage(b);
      case FrameScan.ACK -> onAck(b);
      case FrameScan.ERROR -> onError(b);
      case FrameScan.WELCOME -> {
        if (state == CONNECTING) {
          join();
        }
      }
      default -> {
        // joined/left and anything newer: not counted
      }
    }
  }

  private void join() {
    state = JOINING;
    ws.writeFinalTextFrame("{\"type\":\"join\",\"id\":\"j\",\"room\":\"" + roomName + "\"}");
  }

  private void onMessage(Buffer b) {
    long seq = FrameScan.seq(b);
    if (seq != FrameScan.NONE && lastSeq >= 0) {
      if (seq <= lastSeq) {
        shard.dups++;
      } else if (seq > lastSeq + 1) {
        shard.gaps += seq - lastSeq - 1;
      }
    }
    if (seq > lastSeq) {
      lastSeq = seq;
    }
    long ts = FrameScan.textNumber(b);
    if (ts != FrameScan.NONE) {
      shard.onCopy(this, ts);
    }
  }

  private void onAck(Buffer b) {
    if (state == JOINING) {
      long seq = FrameScan.seq(b);
      lastSeq = seq == FrameScan.NONE ? 0 : seq; // seqs after the join ack continue from here
      state = JOINED;
      ready.tryComplete();
    } else if (inFlightCount > 0) {
      long seq = FrameScan.seq(b);
      if (seq != FrameScan.NONE) {
        lastAckSeq = seq;
        if (!shard.echo) {
          ownSeq(seq);
        }
      }
      shard.onAck(this, poll());
    } else {
      shard.strayReplies++;
    }
  }

  /**
   * Without echo a sender never receives its own seqs: its ack tells them instead. A server that
   * broadcasts before it acks (any sane one) has sent this connection every earlier seq by then.
   */
  void ownSeq(long seq) {
    if (seq > lastSeq) {
      if (lastSeq >= 0 && seq > lastSeq + 1) {
        shard.gaps += seq - lastSeq - 1;
      }
      lastSeq = seq;
    }
  }

  /** Called once the probe has shown the server does not echo: its ack's seq was this client's own. */
  void probeWasOwn() {
    if (lastAckSeq >= 0) {
      ownSeq(lastAckSeq);
    }
  }

  private void onError(Buffer b) {
    if (state == JOINING || state == CONNECTING) {
      ready.tryFail("server refused the join: " + b.toString());
    } else if (FrameScan.hasId(b) && inFlightCount > 0) {
      shard.onSendError(poll(), b);
    } else {
      shard.strayReplies++;
      shard.noteError(b.toString());
    }
  }

  private void onClosed() {
    if (state == CLOSING) {
      return;
    }
    String why = "closed by the server (" + ws.closeStatusCode() + " " + ws.closeReason() + ")";
    if (ready.tryFail(why)) {
      return;
    }
    state = CLOSING;
    shard.onLost(this, inFlightCount, why);
    inFlightCount = 0;
  }

  /**
   * Sends one message stamped with {@code ts}, with an idempotency key when {@code keyed}; skipped (and
   * counted) when the socket's write queue is full.
   */
  void send(long ts, StringBuilder sb, int textSize, boolean keyed) {
    if (state != JOINED) {
      return;
    }
    if (ws.writeQueueFull()) {
      shard.skipped++;
      return;
    }
    sb.setLength(0);
    sb.append("{\"type\":\"send\",\"id\":").append(++nextId).append(",\"room\":\"").append(roomName)
        .append("\",\"text\":\"");
    int textStart = sb.length();
    sb.append(ts);
    while (sb.length() - textStart < textSize) {
      sb.append('x'); // padding up to --size; the receiver reads the digits only
    }
    sb.append('"');
    if (keyed) {
      sb.append(",\"key\":\"b").append(index).append('-').append(nextId).append('"');
    }
    sb.append('}');
    ws.writeFinalTextFrame(sb.toString());
    push(ts);
    shard.pending++;
  }

  /** Closes the connection (a normal close); the returned future never fails. */
  Future<Void> close() {
    state = CLOSING;
    if (ready != null) {
      ready.tryFail("closed by the bench");
    }
    if (!connected || ws.isClosed()) {
      return Future.succeededFuture();
    }
    return ws.close().otherwiseEmpty();
  }

  private void push(long ts) {
    if (inFlightCount == inFlight.length) {
      long[] bigger = new long[inFlight.length * 2];
      for (int i = 0; i < inFlightCount; i++) {
        bigger[i] = inFlight[(head + i) % inFlight.length];
      }
      inFlight = bigger;
      head = 0;
    }
    inFlight[(head + inFlightCount) % inFlight.length] = ts;
    inFlightCount++;
  }

  private long poll() {
    long ts = inFlight[head];
    head = (head + 1) % inFlight.length;
    inFlightCount--;
    return ts;
  }
}
