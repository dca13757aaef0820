package io.roomcast.hardening;

import io.roomcast.hardening.FuzzFrames.Expect;
import io.roomcast.hardening.FuzzFrames.Frame;
import io.roomcast.hardening.FuzzFrames.Kind;
import io.vertx.core.json.JsonObject;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One fuzzed connection: writes generated frames in batches, each batch closed by a fence (a ping
 * with its own id), and checks the replies that arrived before the fence's ack against the batch's
 * expectations. Replies come in frame order, so a batch's replies are exactly those before its fence.
 * A reader thread takes everything the server sends, answers its pings, and records a close.
 */
public final class FuzzConnection implements AutoCloseable {
  private static final int BATCH = 128;

  private final RawWebSocket ws;
  private final String label;
  private final Thread reader;
  private final LinkedBlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
  private volatile String ended;
  private volatile boolean stopping;
  private long others;
  private long fences;
  private final Map<String, Integer> categories = new TreeMap<>();
  private String nick;

  public FuzzConnection(int port, String label) throws IOException {
    this.label = label;
    this.ws = RawWebSocket.open(port, "/ws");
    JsonObject welcome = new JsonObject(ws.nextText(5_000));
    if (!"welcome".equals(welcome.getString("type"))) {
      throw new IOException(label + ": first frame is not a welcome: " + welcome.encode());
    }
    this.nick = welcome.getString("nick");
    this.reader = new Thread(this::read, "fuzz-reader-" + label);
    reader.setDaemon(true);
    reader.start();
  }

  public String nick() {
    return nick;
  }

  private void read() {
    try {
      while (!stopping) {
        RawWebSocket.Frame f = ws.read(500);
        if (f == null) {
          continue;
        }
        switch (f.opcode()) {
          case RawWebSocket.PING -> write(RawWebSocket.encode(RawWebSocket.PONG, true, f.payload()));
          case RawWebSocket.PONG -> { }
          case RawWebSocket.CLOSE -> {
            ended = "the server closed the connection: " + f;
            return;
          }
          case RawWebSocket.TEXT -> {
            // The server writes "type" first: only replies need decoding.
            String text = f.text();
            if (text.startsWith("{\"type\":\"ack\"") || text.startsWith("{\"type\":\"error\"")) {
              replies.add(new JsonObject(text));
            } else if (text.startsWith("{\"type\":\"")) {
              others++;
            } else {
              ended = "a frame that is not a typed JSON object: " + text;
              return;
            }
          }
          default -> {
            ended = "unexpected frame from the server: " + f;
            return;
          }
        }
      }
    } catch (EOFException e) {
      if (!stopping) {
        ended = "the server dropped the connection";
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) {
        ended = "reading failed: " + e;
      }
    }
  }

  private synchronized void write(byte[] bytes) throws IOException {
    ws.writeRaw(bytes);
  }

  /** Sends one frame as is (no expectation bookkeeping). */
  public void sendText(String text) throws IOException {
    write(RawWebSocket.encode(RawWebSocket.TEXT, true, text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The reply to a frame sent with {@link #sendText} carrying {@code id}. */
  public JsonObject reply(Object id, long ms) throws InterruptedException {
    String key = FuzzFrames.key(id);
    long deadline = System.currentTimeMillis() + ms;
    while (true) {
      JsonObject r = replies.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      if (r == null) {
        throw new AssertionError(label + ": no reply with id " + id + " within " + ms + " ms" + (ended == null ? "" : "; " + ended));
      }
      if (r.getValue("id") != null && FuzzFrames.key(r.getValue("id")).equals(key)) {
        return r;
      }
    }
  }

  /**
   * Sends {@code count} generated frames and checks every reply. Fails (with the seed, the frame and
   * what came back) on a missing, extra, mismatched or undocumented reply, or if the server closes.
   */
  public void fuzz(FuzzFrames gen, int count, String seedInfo) throws IOException, InterruptedException {
    List<Frame> batch = new ArrayList<>(BATCH + 2);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    int batchStart = 0;
    // Two batches in flight: batch n+1 is on its way while the replies to batch n are checked.
    List<Frame> previous = null;
    int previousStart = 0;
    String previousFence = null;
    for (int i = 0; i < count; i++) {
      if (batch.isEmpty()) {
        batchStart = i;
      }
      Frame f = gen.next();
      categories.merge(f.category().replaceAll("/.*", "/*"), 1, Integer::sum);
      batch.add(f);
      for (byte[] w : f.wire()) {
        bytes.write(w, 0, w.length);
      }
      if (f.expect().kind() == Kind.ANY) {
        // An unpredictable frame is followed by a ping whose ack delimits its reply (if any).
        Frame fence = FuzzFrames.fence("inline-" + label + "-" + (fences++));
        batch.add(fence);
        bytes.write(fence.wire().get(0), 0, fence.wire().get(0).length);
      }
      if (batch.size() >= BATCH || i == count - 1) {
        String fenceId = "fence-" + label + "-" + (fences++);
        Frame fence = FuzzFrames.fence(fenceId);
        bytes.write(fence.wire().get(0), 0, fence.wire().get(0).length);
        write(bytes.toByteArray()); // the batch and its fence in one write: the server reads a burst
        bytes.reset();
        if (previous != null) {
          verify(previous, previousStart, previousFence, seedInfo);
        }
        previous = new ArrayList<>(batch);
        previousStart = batchStart;
        previousFence = fenceId;
        batch.clear();
      }
    }
    if (previous != null) {
      verify(previous, previousStart, previousFence, seedInfo);
    }
  }

  /** Checks the replies up to the ack of {@code fenceId} against the batch sent before that fence. */
  private void verify(List<Frame> batch, int firstIndex, String fenceId, String seedInfo) throws IOException, InterruptedException {
    String fenceKey = FuzzFrames.key(fenceId);
    List<JsonObject> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      JsonObject r = replies.poll(200, TimeUnit.MILLISECONDS);
      if (r == null) {
        if (ended != null || System.currentTimeMillis() > deadline) {
          throw fail(seedInfo, batch, firstIndex, got, ended != null ? ended : "no reply to the fence within 15 s");
        }
        continue;
      }
      if (r.getValue("id") != null && FuzzFrames.key(r.getValue("id")).equals(fenceKey)) {
        if (!"ack".equals(r.getString("type"))) {
          throw fail(seedInfo, batch, firstIndex, got, "the fence got " + r.encode());
        }
        break;
      }
      got.add(r);
    }
    int ri = 0;
    for (int k = 0; k < batch.size(); k++) {
      Expect e = batch.get(k).expect();
      JsonObject r = ri < got.size() ? got.get(ri) : null;
      switch (e.kind()) {
        case ID -> {
          if (r == null || r.getValue("id") == null || !FuzzFrames.key(r.getValue("id")).equals(e.idKey())) {
            throw fail(seedInfo, batch, firstIndex, got, "batch entry " + k + " expects one reply with id "
                + e.idKey() + " but the next reply is " + (r == null ? "none" : r.encode()));
          }
          check(r, e.ack(), e.codes(), seedInfo, batch, firstIndex, got, k);
          ri++;
        }
        case ANON -> {
          if (r == null || r.getValue("id") != null || !"error".equals(r.getString("type"))
              || !e.codes().contains(r.getString("code"))) {
            throw fail(seedInfo, batch, firstIndex, got, "batch entry " + k + " expects an error " + e.codes()
                + " without id but the next reply is " + (r == null ? "none" : r.encode()));
          }
          ri++;
        }
        case OPT -> {
          if (r != null && r.getValue("id") == null && "error".equals(r.getString("type"))
              && e.codes().contains(r.getString("code"))) {
            ri++;
          }
        }
        case ANY -> {
          // Followed by a fence: the replies before the fence's ack (at most one) are its answer.
          String inlineFence = batch.get(k + 1).expect().idKey();
          int answers = 0;
          while (ri < got.size() && (got.get(ri).getValue("id") == null
              || !FuzzFrames.key(got.get(ri).getValue("id")).equals(inlineFence))) {
            check(got.get(ri), true, FuzzFrames.DOCUMENTED, seedInfo, batch, firstIndex, got, k);
            answers++;
            ri++;
          }
          if (answers > 1) {
            throw fail(seedInfo, batch, firstIndex, got, "batch entry " + k + " got " + answers + " replies");
          }
        }
        case NONE -> { }
      }
    }
    if (ri != got.size()) {
      throw fail(seedInfo, batch, firstIndex, got, "unexpected extra reply " + got.get(ri).encode());
    }
  }

  private void check(JsonObject r, boolean ackAllowed, java.util.Set<String> codes, String seedInfo, List<Frame> batch,
      int firstIndex, List<JsonObject> got, int k) {
    boolean ok = "ack".equals(r.getString("type")) ? ackAllowed
        : "error".equals(r.getString("type")) && codes.contains(r.getString("code"))
            && r.getString("message") != null && !r.getString("message").isBlank();
    if (!ok) {
      throw fail(seedInfo, batch, firstIndex, got, "batch entry " + k + " expects " + (ackAllowed ? "an ack or " : "")
          + "an error " + codes + " but got " + r.encode());
    }
  }

  private AssertionError fail(String seedInfo, List<Frame> batch, int firstIndex, List<JsonObject> got, String what) {
    StringBuilder b = new StringBuilder(label).append(" (").append(seedInfo).append("): ").append(what)
        .append("\n  frames of this batch (generated frame #").append(firstIndex).append(" on, with fences):");
    for (int k = 0; k < batch.size(); k++) {
      Frame f = batch.get(k);
      String d = f.description();
      b.append("\n   [").append(k).append("] ").append(f.category()).append(' ').append(f.expect())
          .append(": ").append(d.length() > 200 ? d.substring(0, 200) + "…(" + d.length() + " chars)" : d);
    }
    b.append("\n  replies before the fence:");
    for (JsonObject r : got) {
      String e = r.encode();
      b.append("\n   ").append(e.length() > 200 ? e.substring(0, 200) + "…" : e);
    }
    return new AssertionError(b.toString());
  }

  /** Fails if the server has closed or dropped this connection. */
  public void assertOpen() {
    if (ended != null || ws.isClosed()) {
      throw new AssertionError(label + ": " + ended);
    }
  }

  public Map<String, Integer> categories() {
    return categories;
  }

  public long otherFrames() {
    return others;
  }

  @Override
  public void close() {
    stopping = true;
    ws.close();
    try {
      reader.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
