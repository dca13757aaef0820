package io.roomcast.http;

import io.roomcast.chat.Addresses;
import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Connect;
import io.roomcast.chat.ChatMessages.Disconnect;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.FrameParser;
import io.roomcast.protocol.Frames;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The protocol driver of one connection, shared by every transport: parses and validates frames,
 * hands them to the chat verticle, and writes replies strictly in the order the frames came in (a
 * locally answered frame, such as a ping or a malformed frame, waits behind earlier ones that are
 * still with the chat).
 */
public final class ClientSession {
  final String id;
  private final Transport transport;
  private final Gateway gateway;
  private final FrameParser parser;
  /**
   * The rooms this session is in, as the chat acknowledged (the session → rooms half of the local
   * index), each with the room's seq when the session joined: its join's replay covered everything
   * up to it.
   */
  final Map<String, Long> rooms = new HashMap<>();
  private final ArrayDeque<Slot> pending = new ArrayDeque<>();
  private final RoomcastConfig.Limits limits;
  private double tokens;
  private long refilledAt;
  private long floodWindowStart;
  private int rejectedInWindow;
  private boolean closed;
  /** Set when we have decided to close: nothing more is read or written, but cleanup waits for the close. */
  private boolean closing;
  /** A close decided while replies were still owed: sent once they are written (0 when none waits). */
  private int deferredCloseCode;
  private String deferredCloseReason;
  /** The address holding this session's connection slot. */
  String clientIp;
  long lastSeen;
  long lastPing;

  /** A reply position: filled when its answer is known, written once every earlier one is. */
  private static final class Slot {
    List<EncodedFrame> frames;
  }

  private static final long FLOOD_WINDOW_MS = 10_000;

  ClientSession(String id, Transport transport, Gateway gateway, FrameParser parser,
      RoomcastConfig.Limits limits, long now) {
    this.id = id;
    this.transport = transport;
    this.gateway = gateway;
    this.parser = parser;
    this.lastSeen = now;
    this.lastPing = now;
    this.limits = limits;
    this.tokens = limits.rateBurst();
    this.refilledAt = now;
    this.floodWindowStart = now;
  }

  /** Opens the session with the chat; the welcome is the first frame the client receives. */
  void start(String wantedNick, long heartbeatMs) {
    Slot slot = slot();
    gateway.chat().<Reply>request(Addresses.CHAT_COMMANDS, new Connect(id, gateway.id(), gateway.nodeId(), wantedNick), true)
        .onSuccess(r -> {
          List<EncodedFrame> frames = new ArrayList<>(2);
          frames.add(EncodedFrame.of(Frames.welcome(id, r.ack().getString("nick"), heartbeatMs)));
          if (r.error() != null) {
            refuse(r.error().code());
            frames.add(EncodedFrame.of(Frames.error(null, r.error(), r.message())));
          }
          fill(slot, frames);
        })
        .onFailure(e -> transport.close(1011, "chat unavailable"));
  }

  void touch() {
    lastSeen = gateway.now();
  }

  void onText(String text) {
    touch();
    if (closed || closing) {
      return;
    }
    Gate gate = admit();
    if (gate == Gate.CLOSED) {
      return;
    }
    FrameParser.Parsed parsed;
    try {
      parsed = parser.parse(text);
    } catch (FrameParser.Rejected r) {
      if (gate == Gate.LIMITED) {
        rateLimited(r.id());
      } else {
        answerError(r.id(), r.error().code(), r.error().getMessage());
      }
      return;
    }
    if (gate == Gate.LIMITED) {
      rateLimited(parsed.id());
      return;
    }
    Object id = parsed.id();
    ClientFrame frame = parsed.frame();
    if (frame instanceof ClientFrame.Ping) {
      if (id != null) {
        answer(Frames.ack(id, null));
      }
      return;
    }
    Slot slot = slot();
    gateway.chat().<Reply>request(Addresses.CHAT_COMMANDS, new Command(this.id, frame, text), frame.repeatable())
        .onSuccess(reply -> fill(slot, replyFrames(id, frame, reply)))
        .onFailure(e -> {
          refuse(ErrorCode.UNAVAILABLE.code());
          fill(slot, List.of(EncodedFrame.of(Frames.error(id, ErrorCode.UNAVAILABLE,
              "the chat did not answer in time; try again"))));
        });
  }

  void onBinary() {
    touch();
    if (closed || closing) {
      return;
    }
    Gate gate = admit();
    if (gate == Gate.LIMITED) {
      rateLimited(null);
    } else if (gate == Gate.OK) {
      answerError(null, ErrorCode.UNSUPPORTED_BINARY, "binary frames are not supported; send JSON text");
    }
  }

  /**
   * Closes for a refusal, once; the transport's close handler then runs {@link #onClose()}. Replies
   * still owed for frames read before the decision (waiting on the chat) are written first, so the
   * client sees every answer, then the close.
   */
  private void closeFor(String refusal, int code, String reason) {
    if (!closed && !closing) {
      closing = true;
      refuse(refusal);
      if (pending.isEmpty()) {
        transport.close(code, reason);
      } else {
        deferredCloseCode = code;
        deferredCloseReason = reason;
      }
    }
  }

  /** Closes a connection silent for longer than the idle timeout: counted and closed once. */
  void closeIdle() {
    closeFor("idle_timeout", 4000, "idle timeout");
  }

  /** True once the session has decided to close (or has closed): the sweep leaves it alone. */
  boolean closingOrClosed() {
    return closing || closed;
  }

  private void rateLimited(Object id) {
    answerError(id, ErrorCode.RATE_LIMITED, "more than " + limits.ratePerSecond() + " frames per second; slow down");
  }

  /** What the token bucket says of a frame. */
  private enum Gate { OK, LIMITED, CLOSED }

  /**
   * The token bucket: {@code ratePerSecond} frames a second, bursts of {@code rateBurst}. A frame over
   * the rate is answered with {@code rate_limited}; more than {@code floodCloseAfter} of those within
   * {@value #FLOOD_WINDOW_MS} ms closes the connection with 4029.
   */
  private Gate admit() {
    long now = gateway.now();
    tokens = Math.min(limits.rateBurst(), tokens + (now - refilledAt) * limits.ratePerSecond() / 1000.0);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return Gate.OK;
    }
    if (now - floodWindowStart > FLOOD_WINDOW_MS) {
      floodWindowStart = now;
      rejectedInWindow = 0;
    }
    if (++rejectedInWindow > limits.floodCloseAfter()) {
      closeFor("flooding", 4029, "flooding");
      return Gate.CLOSED;
    }
    return Gate.LIMITED;
  }

  void onClose() {
    if (closed) {
      return;
    }
    closed = true;
    pending.clear();
    gateway.closed(this);
    gateway.chat().request(Addresses.CHAT_COMMANDS, new Disconnect(id), true);
  }

  /**
   * A broadcast ({@code broadcast}: the same frame for every member of a room) or targeted frame
   * from the chat. A client that does not read is spared ephemeral
   * frames once its queue is half full, and disconnected (4008) once a frame would overflow it; it
   * can reconnect and recover what it missed with {@code since}.
   */
  void deliver(EncodedFrame frame, boolean ephemeral, boolean broadcast) {
    if (closing) {
      return;
    }
    long queued = transport.queuedBytes();
    if (ephemeral && queued > limits.maxQueueBytes() / 2) {
      return;
    }
    if (queued + frame.size() > limits.maxQueueBytes()) {
      closeFor("slow_consumer", 4008, "slow consumer");
      return;
    }
    if (broadcast) {
      transport.broadcast(frame);
    } else {
      transport.send(frame);
    }
  }

  Transport transport() {
    return transport;
  }

  private List<EncodedFrame> replyFrames(Object id, ClientFrame frame, Reply r) {
    if (r.error() != null) {
      refuse(r.error().code()); // refusals decided by the chat (not_member, nick_taken, ...) count too
      return List.of(EncodedFrame.of(Frames.error(id, r.error(), r.message())));
    }
    // Mirror the chat's membership in the local room index before anything else is written, so
    // that the next broadcast of the room reaches this socket.
    if (!closed) {
      if (frame instanceof ClientFrame.Join j) {
        gateway.joined(this, j.room(), r.ack().getLong("seq", 0L));
      } else if (frame instanceof ClientFrame.Leave l) {
        rooms.remove(l.room());
        gateway.left(this, l.room());
      }
    }
    List<EncodedFrame> frames = new ArrayList<>(r.before());
    if (id != null) {
      frames.add(EncodedFrame.ack(id, r.ack()));
    }
    return frames;
  }

  private void answerError(Object id, ErrorCode code, String message) {
    refuse(code.code());
    answer(Frames.error(id, code, message));
  }

  private void refuse(String code) {
    gateway.refusals().count(code, transport.remoteAddress());
  }

  private void answer(JsonObject frame) {
    if (pending.isEmpty()) {
      transport.send(EncodedFrame.of(frame));
    } else {
      Slot slot = slot();
      fill(slot, List.of(EncodedFrame.of(frame)));
    }
  }

  private Slot slot() {
    Slot slot = new Slot();
    pending.addLast(slot);
    return slot;
  }

  private void fill(Slot slot, List<EncodedFrame> frames) {
    slot.frames = frames;
    while (!pending.isEmpty() && pending.peekFirst().frames != null) {
      for (EncodedFrame f : pending.pollFirst().frames) {
        transport.send(f);
      }
    }
    if (pending.isEmpty() && deferredCloseCode != 0 && !closed) {
      int code = deferredCloseCode;
      deferredCloseCode = 0;
      transport.close(code, deferredCloseReason);
    }
  }
}
