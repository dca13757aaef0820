package io.roomcast.http;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.buffer.Unpooled;
import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.websocket.WebSocketFrameImpl;
import io.vertx.core.http.ServerWebSocket;

/** {@link Transport} over a native WebSocket at the ws path. */
final class WebSocketTransport implements Transport {
  private static final Buffer EMPTY = Buffer.buffer();
  private final ServerWebSocket ws;
  /** Bytes of frames not yet written to the socket. */
  private long queued;

  WebSocketTransport(ServerWebSocket ws) {
    this.ws = ws;
  }

  /** Wires the socket's input to the session. */
  void bind(ClientSession session) {
    ws.textMessageHandler(session::onText);
    ws.binaryMessageHandler(b -> session.onBinary());
    ws.pongHandler(b -> session.touch());
    ws.exceptionHandler(this::onException);
    ws.closeHandler(v -> session.onClose());
  }

  /**
   * Protocol violations surface here, not as closes: an over-long frame (from the decoder) or an
   * over-long fragmented message (from the aggregator). Both close with 1009 as documented; anything
   * else is a transport fault that the close handler will report.
   */
  private void onException(Throwable e) {
    if (e instanceof CorruptedWebSocketFrameException c) {
      close(c.closeStatus().code(), c.closeStatus().reasonText());
    } else if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("max message size")) {
      close(1009, "message too big");
    }
  }

  @Override
  public void send(EncodedFrame frame) {
    if (!ws.isClosed()) {
      int size = frame.size();
      queued += size;
      // The public API builds text frames only from a String (one UTF-8 encoding per recipient);
      // this frame wraps the shared bytes instead.
      WebSocketFrame text = new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame.bytes()), true);
      ws.writeFrame(text).onComplete(ar -> queued -= size);
    }
  }

  @Override
  public long queuedBytes() {
    return queued;
  }

  @Override
  public void ping() {
    if (!ws.isClosed()) {
      ws.writePing(EMPTY);
    }
  }

  @Override
  public void close(int code, String reason) {
    if (!ws.isClosed()) {
      ws.close((short) code, reason);
    }
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(ws.remoteAddress());
  }
}
