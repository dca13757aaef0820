package io.roomcast.protocol;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Turns one client text frame into a validated {@link ClientFrame}. This is the single implementation
 * of frame validation; every transport feeds it. Unknown fields are ignored so that newer clients can
 * talk to older servers.
 */
public final class FrameParser {
  /** The most messages one history request returns. */
  public static final int MAX_HISTORY_LIMIT = 100;

  private final int maxTextLength;

  public FrameParser(int maxTextLength) {
    this.maxTextLength = maxTextLength;
  }

  /** A parsed frame and the {@code id} to echo in its reply (null when the client sent none). */
  public record Parsed(Object id, ClientFrame frame) {
  }

  /** Thrown for a bad frame; carries the id when it could be read, so the error can echo it. */
  public static final class Rejected extends RuntimeException {
    private final Object id;
    private final ProtocolException error;

    Rejected(Object id, ProtocolException error) {
      super(error.getMessage(), null, false, false);
      this.id = id;
      this.error = error;
    }

    public Object id() {
      return id;
    }

    public ProtocolException error() {
      return error;
    }
  }

  /** A frame's fields by name (null when absent): a flat frame's, or a JSON object's. */
  interface Fields {
    Object get(String name);
  }

  public Parsed parse(String text) {
    Fields json = FlatFrame.parse(text);
    if (json == null) {
      Object decoded;
      try {
        decoded = Json.decodeValue(text);
      } catch (RuntimeException e) {
        throw new Rejected(null, new ProtocolException(ErrorCode.INVALID_JSON, "frame is not valid JSON"));
      }
      if (!(decoded instanceof JsonObject object)) {
        throw new Rejected(null, new ProtocolException(ErrorCode.INVALID_FRAME, "frame must be a JSON object"));
      }
      json = object::getValue;
    }
    Object id = json.get("id");
    if (id != null && !(id instanceof String) && !(id instanceof Number)
        || id instanceof Double d && !Double.isFinite(d)) {
      // A number beyond double range (1e400) would echo back as "Infinity": refuse it, not alter it.
      throw new Rejected(null, invalid("id must be a string or a finite number"));
    }
    try {
      return new Parsed(id, frame(json));
    } catch (ProtocolException e) {
      throw new Rejected(id, e);
    }
  }

  private ClientFrame frame(Fields json) {
    Object type = json.get("type");
    if (type == null) {
      throw invalid("type is required");
    }
    if (!(type instanceof String t)) {
      throw invalid("type must be a string");
    }
    switch (t) {
      case "nick":
        return new ClientFrame.Nick(Names.checkNick(string(json, "nick")));
      case "join":
        return new ClientFrame.Join(room(json), optionalCount(json, "since"), optionalString(json, "epoch"));
      case "leave":
        return new ClientFrame.Leave(room(json));
      case "send": {
        String room = room(json);
        String text = text(json);
        Object data = json.get("data");
        if (data != null && !(data instanceof JsonObject)) {
          throw invalid("data must be a JSON object");
        }
        String key = Names.checkKey(optionalString(json, "key"));
        return new ClientFrame.Send(room, text, key, (JsonObject) data);
      }
      case "direct": {
        String to = Names.checkNick(string(json, "to"));
        return new ClientFrame.Direct(to, text(json));
      }
      case "typing":
        return new ClientFrame.Typing(room(json));
      case "history": {
        String room = room(json);
        Long before = optionalCount(json, "before");
        Long limit = optionalCount(json, "limit");
        int n = limit == null ? MAX_HISTORY_LIMIT : (int) Math.min(limit, MAX_HISTORY_LIMIT);
        return new ClientFrame.History(room, before, n);
      }
      case "members":
        return new ClientFrame.Members(room(json));
      case "rooms":
        return new ClientFrame.Rooms();
      case "ping":
        return new ClientFrame.Ping();
      default:
        throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + printable(t) + "'");
    }
  }

  private static String room(Fields json) {
    return Names.checkRoom(string(json, "room"));
  }

  private String text(Fields json) {
    return checkText(string(json, "text"), maxTextLength);
  }

  /** The text rule shared by client frames and the event bus API. */
  public static String checkText(String text, int maxTextLength) {
    if (text.isEmpty() || text.length() > maxTextLength) {
      throw new ProtocolException(ErrorCode.INVALID_TEXT,
          "text must be 1-" + maxTextLength + " characters");
    }
    return text;
  }

  private static String string(Fields json, String field) {
    Object v = json.get(field);
    if (v == null) {
      throw invalid(field + " is required");
    }
    if (!(v instanceof String s)) {
      throw invalid(field + " must be a string");
    }
    return s;
  }

  private static String optionalString(Fields json, String field) {
    Object v = json.get(field);
    if (v != null && !(v instanceof String)) {
      throw invalid(field + " must be a string");
    }
    return (String) v;
  }

  /** An optional non-negative integer that fits a long. */
  private static Long optionalCount(Fields json, String field) {
    Object v = json.get(field);
    if (v == null) {
      return null;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      long n = ((Number) v).longValue();
      if (n >= 0) {
        return n;
      }
    } else if (v instanceof BigInteger b) {
      if (b.signum() >= 0 && b.bitLength() < 64) {
        return b.longValue();
      }
    } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (d >= 0 && d == Math.rint(d) && d < 9.007199254740992E15) {
        return (long) d;
      }
    }
    throw invalid(field + " must be a non-negative integer");
  }

  private static ProtocolException invalid(String message) {
    return new ProtocolException(ErrorCode.INVALID_FRAME, message);
  }

  /** Echoing a client's type back must not echo control characters or megabytes of it. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 32; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
