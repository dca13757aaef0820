package io.roomcast.http;

import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.Frames;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * {@link Transport} over a SockJS session (websocket, xhr-streaming, xhr-polling, eventsource, jsonp
 * or iframe): the fallback for clients that cannot hold a WebSocket. SockJS carries text messages, so
 * each message is one protocol frame, exactly as on {@code /ws}.
 *
 * <p>vertx-web's SockJS closes every session with {@code c[3000,"Go away!"]}, whatever code we give
 * it, so a server-side close is announced in band first: a last {@code closing} frame with the code and
 * reason, then the session is closed {@value #CLOSE_GRACE_MS} ms later, so that a polling client has
 * fetched the frame by then.
 */
final class SockJsTransport implements Transport {
  static final long CLOSE_GRACE_MS = 1000;
  private final Vertx vertx;
  private final SockJSSocket socket;
  private final int maxFrameBytes;
  private boolean closed;
  private boolean closing;
  private long closeTimer = -1;
  private long queued;

  SockJsTransport(Vertx vertx, SockJSSocket socket, int maxFrameBytes) {
    this.vertx = vertx;
    this.socket = socket;
    this.maxFrameBytes = maxFrameBytes;
  }

  void bind(ClientSession session) {
    socket.handler(message -> onMessage(session, message));
    socket.exceptionHandler(e -> { }); // the session's close handler follows
    socket.closeHandler(v -> {
      closed = true;
      vertx.cancelTimer(closeTimer);
      session.onClose();
    });
  }

  private void onMessage(ClientSession session, Buffer message) {
    if (closing) {
      return;
    }
    if (message.length() > maxFrameBytes) {
      close(1009, "message too big");
      return;
    }
    session.onText(message.toString());
  }

  @Override
  public void send(EncodedFrame frame) {
    if (!closed && !closing) {
      int size = frame.size();
      queued += size;
      // As a String: the raw WebSocket transport (/sockjs/websocket) writes a Buffer as a binary
      // message, and every frame must be a text message. The session transports turn either into
      // the same text.
      socket.write(frame.toString()).onComplete(ar -> queued -= size);
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
    if (!closed && !closing) {
      send(EncodedFrame.of(Frames.closing(code, reason)));
      closing = true;
      closeTimer = vertx.setTimer(CLOSE_GRACE_MS, t -> socket.close(code, reason));
    }
  }


  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}
