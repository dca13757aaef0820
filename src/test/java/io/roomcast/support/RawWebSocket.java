package io.roomcast.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket client done by hand over TCP: it performs the opening handshake and then only reads,
 * or sends the text frames a test asks for. It never answers a ping (Vert.x's client always does and
 * cannot be told not to), so it is how a test plays a client that has gone silent. It decodes the server's (unmasked) frames and reports the close code.
 */
public final class RawWebSocket {
  public static final int OP_TEXT = 0x1;
  public static final int OP_CLOSE = 0x8;
  public static final int OP_PING = 0x9;

  /** One frame from the server. */
  public record Frame(int opcode, Buffer payload) {
    public String text() {
      return payload.toString(StandardCharsets.UTF_8);
    }
  }

  /** Held for the socket's lifetime (Vert.x 5 closes unreferenced clients on GC). */
  private final NetClient client;
  private final Promise<Void> upgraded = Promise.promise();
  private final Promise<Integer> closeCode = Promise.promise();
  private final List<Frame> frames = new ArrayList<>();
  private Buffer buffer = Buffer.buffer();
  private boolean headersDone;
  private NetSocket socket;

  private RawWebSocket(Vertx vertx) {
    this.client = vertx.createNetClient();
  }

  /** Connects and completes once the server has answered the upgrade with 101. */
  public static Future<RawWebSocket> connect(Vertx vertx, int port, String path) {
    RawWebSocket ws = new RawWebSocket(vertx);
    return ws.client.connect(port, "127.0.0.1").compose(so -> {
      ws.socket = so;
      so.handler(ws::onData);
      so.closeHandler(v -> ws.closeCode.tryComplete(null));
      so.write("GET " + path + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port + "\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n");
      return ws.upgraded.future();
    }).map(v -> ws);
  }

  /** The close code of the server's close frame (null if the TCP connection ended without one). */
  public Future<Integer> closeCode() {
    return closeCode.future();
  }

  public synchronized List<Frame> frames() {
    return new ArrayList<>(frames);
  }

  /** Sends one masked text frame, as a client must. */
  public Future<Void> sendText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {0x12, 0x34, 0x56, 0x78};
    Buffer frame = Buffer.buffer().appendByte((byte) (0x80 | OP_TEXT));
    if (payload.length < 126) {
      frame.appendByte((byte) (0x80 | payload.length));
    } else {
      frame.appendByte((byte) (0x80 | 126)).appendUnsignedShort(payload.length);
    }
    frame.appendBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ mask[i % 4]));
    }
    return socket.write(frame);
  }

  public Future<Void> close() {
    return socket == null ? Future.succeededFuture() : socket.close().eventually(client::close);
  }

  private synchronized void onData(Buffer data) {
    buffer.appendBuffer(data);
    if (!headersDone) {
      String head = buffer.toString(StandardCharsets.ISO_8859_1);
      int end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      headersDone = true;
      if (!head.startsWith("HTTP/1.1 101")) {
        upgraded.tryFail("upgrade refused: " + head.substring(0, head.indexOf("\r\n")));
        return;
      }
      buffer = buffer.getBuffer(end + 4, buffer.length());
      upgraded.tryComplete();
    }
    while (true) {
      if (buffer.length() < 2) {
        return;
      }
      int b0 = buffer.getUnsignedByte(0);
      int b1 = buffer.getUnsignedByte(1);
      int header = 2;
      long length = b1 & 0x7f;
      if (length == 126) {
        if (buffer.length() < 4) {
          return;
        }
        length = buffer.getUnsignedShort(2);
        header = 4;
      } else if (length == 127) {
        if (buffer.length() < 10) {
          return;
        }
        length = buffer.getLong(2);
        header = 10;
      }
      if (buffer.length() < header + length) {
        return;
      }
      Frame f = new Frame(b0 & 0x0f, buffer.getBuffer(header, header + (int) length));
      buffer = buffer.getBuffer(header + (int) length, buffer.length());
      frames.add(f);
      if (f.opcode() == OP_CLOSE) {
        closeCode.tryComplete(f.payload().length() >= 2 ? (int) f.payload().getUnsignedShort(0) : null);
      }
    }
  }
}
