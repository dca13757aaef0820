package io.roomcast.hardening;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client over a plain blocking {@link Socket} that writes hand-made frames: invalid
 * UTF-8, fragments, binary, unmasked or oversized frames, partial HTTP upgrades, and a peer that never
 * answers pings. Nothing is validated on the way out, so a test can send exactly the bytes it wants.
 * Reads are blocking with a per-call timeout; server frames are returned as they come (pings are not
 * answered unless the caller does it), so a test sees everything the server sends.
 */
public final class RawWebSocket implements AutoCloseable {
  public static final int CONTINUATION = 0x0;
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;

  /** One frame from the server. */
  public record Frame(int opcode, boolean fin, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The close status code of a close frame (1005 when it carries none). */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }

    public String closeReason() {
      return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
    }

    @Override
    public String toString() {
      return opcode == CLOSE ? "close(" + closeCode() + ", " + closeReason() + ")"
          : "frame(op=" + opcode + ", fin=" + fin + ", " + (opcode == TEXT ? text() : payload.length + " bytes") + ")";
    }
  }

  /** The HTTP response to the upgrade request. */
  public record Handshake(int status, Map<String, String> headers) {
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private Handshake handshake;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
    this.out = socket.getOutputStream();
  }

  /** Opens a TCP connection and sends nothing yet. */
  public static RawWebSocket tcp(int port) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return new RawWebSocket(s);
  }

  /** Connects and upgrades {@code path}; fails unless the server answers 101. */
  public static RawWebSocket open(int port, String path) throws IOException {
    RawWebSocket ws = tcp(port);
    Handshake h = ws.upgrade(path, Map.of());
    if (h.status() != 101) {
      ws.close();
      throw new IOException("upgrade of " + path + " answered HTTP " + h.status());
    }
    return ws;
  }

  /** Sends the upgrade request with extra headers and reads the response head. */
  public Handshake upgrade(String path, Map<String, String> extraHeaders) throws IOException {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    writeRaw(upgradeRequest(path, Base64.getEncoder().encodeToString(key), extraHeaders));
    return readHandshake();
  }

  /** An upgrade request's bytes, to send alone or together with the first frames. */
  public byte[] upgradeRequest(String path, String key, Map<String, String> extraHeaders) {
    StringBuilder req = new StringBuilder()
        .append("GET ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(socket.getPort()).append("\r\n")
        .append("Upgrade: websocket\r\n")
        .append("Connection: Upgrade\r\n")
        .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
        .append("Sec-WebSocket-Version: 13\r\n");
    extraHeaders.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    req.append("\r\n");
    return req.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads a response head (and a small body when it is not a 101). */
  public Handshake readHandshake() throws IOException {
    handshake = readResponseHead(5_000);
    return handshake;
  }

  public Handshake handshake() {
    return handshake;
  }

  private Handshake readResponseHead(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed in the response head: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    if (status != 101) {
      // Drain a small fixed-length body so that it does not look like frames.
      String len = headers.get("content-length");
      if (len != null) {
        in.readNBytes(Integer.parseInt(len));
      }
    }
    return new Handshake(status, headers);
  }

  // Writing ----------------------------------------------------------------------------------

  public void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Encodes one client frame (masked, as RFC 6455 requires of clients). */
  public static byte[] encode(int opcode, boolean fin, byte[] payload) {
    return encode(opcode, fin, payload, true);
  }

  public static byte[] encode(int opcode, boolean fin, byte[] payload, boolean masked) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
    b.write((fin ? 0x80 : 0) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      b.write(maskBit | payload.length);
    } else if (payload.length <= 0xffff) {
      b.write(maskBit | 126);
      b.write(payload.length >>> 8);
      b.write(payload.length & 0xff);
    } else {
      b.write(maskBit | 127);
      long len = payload.length;
      for (int i = 7; i >= 0; i--) {
        b.write((int) (len >>> (8 * i)) & 0xff);
      }
    }
    if (masked) {
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      b.write(mask, 0, 4);
      byte[] m = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        m[i] = (byte) (payload[i] ^ mask[i & 3]);
      }
      b.write(m, 0, m.length);
    } else {
      b.write(payload, 0, payload.length);
    }
    return b.toByteArray();
  }

  public void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
    writeRaw(encode(opcode, fin, payload));
  }

  public void sendText(String text) throws IOException {
    sendFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A text frame carrying exactly these bytes (which need not be UTF-8). */
  public void sendTextBytes(byte[] bytes) throws IOException {
    sendFrame(TEXT, true, bytes);
  }

  public void sendBinary(byte[] bytes) throws IOException {
    sendFrame(BINARY, true, bytes);
  }

  public void sendPong(byte[] payload) throws IOException {
    sendFrame(PONG, true, payload);
  }

  public void sendClose(int code) throws IOException {
    sendFrame(CLOSE, true, new byte[] {(byte) (code >>> 8), (byte) code});
  }

  // Reading ----------------------------------------------------------------------------------

  /** The next frame, or null if none arrives within {@code timeoutMs}. EOF is an {@link EOFException}. */
  public Frame read(long timeoutMs) throws IOException {
    socket.setSoTimeout((int) Math.max(1, timeoutMs));
    int b0;
    try {
      b0 = in.read();
    } catch (SocketTimeoutException e) {
      return null;
    }
    if (b0 < 0) {
      throw new EOFException("connection closed by the server");
    }
    socket.setSoTimeout(10_000); // the rest of a started frame is already on its way
    int b1 = readByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = (readByte() << 8) | readByte();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | readByte();
      }
    }
    byte[] mask = null;
    if ((b1 & 0x80) != 0) {
      mask = in.readNBytes(4);
    }
    byte[] payload = in.readNBytes((int) len);
    if (payload.length != len) {
      throw new EOFException("connection closed inside a frame");
    }
    if (mask != null) {
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i & 3];
      }
    }
    return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
  }

  /**
   * Reads until a frame other than ping/pong arrives (answering pings when {@code answerPings}), or
   * until {@code timeoutMs} has passed (null).
   */
  public Frame next(long timeoutMs, boolean answerPings) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return null;
      }
      Frame f = read(left);
      if (f == null) {
        return null;
      }
      if (f.opcode() == PING) {
        if (answerPings) {
          sendPong(f.payload());
        }
        continue;
      }
      if (f.opcode() == PONG) {
        continue;
      }
      return f;
    }
  }

  /** The next text frame, skipping pings (answered); fails on close or timeout. */
  public String nextText(long timeoutMs) throws IOException {
    Frame f = next(timeoutMs, true);
    if (f == null) {
      throw new SocketTimeoutException("no frame within " + timeoutMs + " ms");
    }
    if (f.opcode() != TEXT) {
      throw new IOException("expected a text frame, got " + f);
    }
    return f.text();
  }

  /**
   * Waits for the server's close frame (skipping data frames and, unless told otherwise, answering
   * pings), then returns it; null if the connection ends without one or nothing comes in time.
   */
  public Frame awaitClose(long timeoutMs, boolean answerPings) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return null;
      }
      Frame f;
      try {
        f = next(left, answerPings);
      } catch (EOFException e) {
        return null;
      }
      if (f == null) {
        return null;
      }
      if (f.opcode() == CLOSE) {
        return f;
      }
    }
  }

  /**
   * Waits until the server closes the TCP connection (reading and discarding whatever comes); returns
   * the milliseconds it took, or -1 if it is still open after {@code timeoutMs}.
   */
  public long awaitEof(long timeoutMs) throws IOException {
    long start = System.currentTimeMillis();
    long deadline = start + timeoutMs;
    byte[] buf = new byte[8192];
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return -1;
      }
      socket.setSoTimeout((int) left);
      try {
        if (in.read(buf) < 0) {
          return System.currentTimeMillis() - start;
        }
      } catch (SocketTimeoutException e) {
        return -1;
      } catch (IOException reset) {
        return System.currentTimeMillis() - start; // connection reset: closed too
      }
    }
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("connection closed inside a frame header");
    }
    return b;
  }

  /** Drops the connection with a TCP reset: no close frame, no FIN (a client that vanished). */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
