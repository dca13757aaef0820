package io.roomcast.http;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * {@link Transport} over a SockJS session (websocket, xhr-streaming, xhr-polling, eventsource, jsonp
 * or iframe): the fallback for clients that cannot hold a WebSocket. SockJS carries text messages, so
 * each message is one protocol frame, exactly as on {@code /ws}.
 */
final class SockJsTransport implements Transport {
  private final SockJSSocket socket;
  private final int maxFrameBytes;
  private boolean closed;
  private long queued;

  SockJsTransport(SockJSSocket socket, int maxFrameBytes) {
    this.socket = socket;
    this.maxFrameBytes = maxFrameBytes;
  }

  void bind(ClientSession session) {
    socket.handler(message -> onMessage(session, message));
    socket.exceptionHandler(e -> { }); // the session's close handler follows
    socket.closeHandler(v -> {
      closed = true;
      session.onClose();
    });
  }

  private void onMessage(ClientSession session, Buffer message) {
    if (message.length() > maxFrameBytes) {
      close(1009, "message too big");
      return;
    }
    session.onText(message.toString());
  }

  @Override
  public void send(EncodedFrame frame) {
    if (!closed) {
      int size = frame.size();
      queued += size;
      socket.write(frame.toBuffer()).onComplete(ar -> queued -= size);
    }
  }

  @Override
  public long queuedBytes() {
    return queued;
  }

  /** SockJS sends its own heartbeat frames, at the configured sockjs.heartbeatMs. */
  @Override
  public void ping() {
  }

  /** SockJS ends a session whose client stops polling by itself, so the idle timeout does not apply. */
  @Override
  public boolean ownLiveness() {
    return true;
  }

  @Override
  public void close(int code, String reason) {
    if (!closed) {
      closed = true;
      socket.close(code, reason);
    }
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}
