package io.roomcast.hardening;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded generator of client frames for protocol v1: valid frames of every type, valid frames with
 * one field mutated (wrong type, bad name, bad text, huge or fractional numbers, missing fields),
 * unknown fields, deep nesting, control characters, frames that are not objects or not JSON, random
 * bytes, invalid UTF-8 inside and outside strings, binary frames and fragmented frames.
 *
 * <p>Each frame comes with what the server must answer, as far as it can be known without the
 * server's state: the reply with the frame's id (ack, or one of the error codes that frame can
 * earn), one error without id with a known code, nothing, or at most one error of a state-dependent
 * code. Frames whose reply cannot be predicted (random bytes that happen to decode into an object
 * without id) are {@link Kind#ANY}: the caller sends a fence right after them.
 */
public final class FuzzFrames {
  /** Codes the chat decides from its state (membership, nicks): a valid frame may earn one of these. */
  public static final Set<String> STATE_CODES = Set.of("not_member", "nick_taken", "too_many_rooms", "no_such_user");
  /** Every documented error code except rate_limited (the fuzz config lifts the rate limit). */
  public static final Set<String> DOCUMENTED = Set.of("invalid_json", "invalid_frame", "unknown_type", "invalid_room",
      "invalid_nick", "nick_taken", "invalid_text", "not_member", "too_many_rooms", "no_such_user", "unsupported_binary");

  public enum Kind {
    /** Exactly one reply echoing {@code id}: an ack (when {@code ack}) or an error with a code in {@code codes}. */
    ID,
    /** Exactly one error without id, code in {@code codes}. */
    ANON,
    /** No reply. */
    NONE,
    /** At most one error without id, code in {@code codes} (state-dependent). */
    OPT,
    /** At most one reply of any documented kind; a fence must follow. */
    ANY
  }

  /** What the server must answer to one frame. */
  public record Expect(Kind kind, String idKey, boolean ack, Set<String> codes) {
    static Expect id(Object id, boolean ack, Set<String> codes) {
      return new Expect(Kind.ID, key(id), ack, codes);
    }

    static Expect anon(String code) {
      return new Expect(Kind.ANON, null, false, Set.of(code));
    }

    static final Expect NONE = new Expect(Kind.NONE, null, false, Set.of());
    static final Expect ANY = new Expect(Kind.ANY, null, true, DOCUMENTED);
  }

  /** One generated frame: the WebSocket frames to write (already encoded) and the expectation. */
  public record Frame(String category, List<byte[]> wire, Expect expect, String description) {
  }

  /** The key an id is compared by: strings as themselves, numbers by exact decimal value. */
  public static String key(Object id) {
    if (id instanceof String s) {
      return "s:" + s;
    }
    if (id instanceof Number n) {
      return "n:" + new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    }
    return "?:" + id;
  }

  private static final String[] TYPES = {"nick", "join", "leave", "send", "direct", "typing", "history", "members", "rooms", "ping"};
  /** Valid frames by type, weighted: the expensive answers (rooms lists, history) are rarer. */
  private static final String[] VALID_TYPES = {"nick", "join", "join", "join", "leave", "leave", "send", "send", "send", "direct",
      "typing", "typing", "history", "members", "rooms", "ping", "ping"};
  private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";

  private final Random r;
  private final int conn;
  private final int maxText;
  private final String sharedRoom;
  private final List<String> knownNicks;
  private long next;

  public FuzzFrames(long seed, int conn, int maxText, String sharedRoom, List<String> knownNicks) {
    this.r = new Random(seed);
    this.conn = conn;
    this.maxText = maxText;
    this.sharedRoom = sharedRoom;
    this.knownNicks = knownNicks;
  }

  // Building blocks ----------------------------------------------------------------------------

  private Object newId() {
    long n = next++;
    switch (r.nextInt(6)) {
      case 0:
        return (long) conn * 10_000_000L + n;
      case 1:
        return new BigDecimal("123456789012345678901234567890").add(BigDecimal.valueOf(conn * 10_000_000L + n)).toBigInteger();
      case 2:
        return conn * 10_000_000L + n + 0.5;
      case 3:
        return "\u00fc\ud83d\ude00-" + conn + "-" + n; // non-ASCII and a surrogate pair
      default:
        return "c" + conn + "-" + n;
    }
  }

  private String validName(int max) {
    int len = 1 + r.nextInt(r.nextInt(8) == 0 ? max : Math.min(max, 12));
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < len; i++) {
      b.append(NAME_CHARS.charAt(r.nextInt(NAME_CHARS.length())));
    }
    return b.toString();
  }

  /** Mostly a few common rooms (so joins, sends and leaves meet), sometimes any valid name. */
  private String room() {
    int p = r.nextInt(100);
    if (p < 5) {
      return sharedRoom;
    }
    if (p < 92) {
      return "r" + r.nextInt(10);
    }
    return validName(64);
  }

  private String nick() {
    return r.nextInt(4) == 0 && !knownNicks.isEmpty() ? knownNicks.get(r.nextInt(knownNicks.size())) : validName(32);
  }

  private String text() {
    int p = r.nextInt(100);
    int len = p < 90 ? 1 + r.nextInt(40) : p < 99 ? 1 + r.nextInt(400) : maxText;
    StringBuilder b = new StringBuilder(len);
    while (b.length() < len) {
      int k = r.nextInt(20);
      if (k == 0 && b.length() + 2 <= len) {
        b.appendCodePoint(0x1F600 + r.nextInt(50)); // a surrogate pair: 2 UTF-16 units
      } else if (k == 1) {
        b.append((char) r.nextInt(0x20)); // control characters are fine in text
      } else if (k == 2) {
        b.append((char) (0x00a0 + r.nextInt(0xd000)));
      } else {
        b.append((char) (0x20 + r.nextInt(0x5f)));
      }
    }
    return b.toString();
  }

  private Object randomJson(int depth) {
    switch (r.nextInt(depth > 4 ? 6 : 8)) {
      case 0:
        return r.nextLong();
      case 1:
        return r.nextDouble() * 1e6;
      case 2:
        return r.nextBoolean();
      case 3:
        return null;
      case 4:
        return text().substring(0, 1);
      case 5:
        return new BigDecimal("9".repeat(1 + r.nextInt(40)));
      case 6: {
        JsonArray a = new JsonArray();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.add(randomJson(depth + 1));
        }
        return a;
      }
      default: {
        JsonObject o = new JsonObject();
        for (int i = r.nextInt(4); i > 0; i--) {
          o.put(validName(8), randomJson(depth + 1));
        }
        return o;
      }
    }
  }

  /** A valid frame of a random type, without id. */
  private JsonObject validFrame(String type) {
    JsonObject f = new JsonObject().put("type", type);
    switch (type) {
      case "nick" -> f.put("nick", nick());
      case "join" -> {
        f.put("room", room());
        if (r.nextInt(4) == 0) {
          f.put("since", (long) r.nextInt(300));
        }
      }
      case "leave", "typing", "members" -> f.put("room", room());
      case "send" -> {
        f.put("room", room()).put("text", text());
        if (r.nextInt(3) == 0) {
          f.put("data", (JsonObject) randomObject());
        }
      }
      case "direct" -> f.put("to", nick()).put("text", text());
      case "history" -> {
        f.put("room", room());
        if (r.nextBoolean()) {
          f.put("before", (long) r.nextInt(500));
        }
        if (r.nextInt(10) > 0) {
          f.put("limit", r.nextInt(10) == 0 ? (long) r.nextInt(1_000_000) : (long) r.nextInt(10));
        }
      }
      default -> { }
    }
    return f;
  }

  private Object randomObject() {
    JsonObject o = new JsonObject();
    for (int i = r.nextInt(5); i > 0; i--) {
      o.put(validName(10), randomJson(1));
    }
    return o;
  }

  /** What a valid frame of {@code type} may earn from the chat. */
  private static Set<String> stateCodes(String type) {
    return switch (type) {
      case "join" -> Set.of("too_many_rooms");
      case "leave", "send", "typing" -> Set.of("not_member");
      case "nick" -> Set.of("nick_taken");
      case "direct" -> Set.of("no_such_user");
      default -> Set.of();
    };
  }

  private void addUnknownFields(JsonObject f) {
    for (int i = 1 + r.nextInt(3); i > 0; i--) {
      String name = r.nextInt(5) == 0 ? "id2" : "x" + validName(6);
      Object v = switch (r.nextInt(6)) {
        case 0 -> new BigDecimal("1" + "0".repeat(r.nextInt(400)));
        case 1 -> -0.0;
        case 2 -> "\u0000\u001f\u007f\u2028\u2029\ufeff";
        default -> randomJson(0);
      };
      f.put(name, v);
    }
  }

  /** A ping with this id: its ack delimits replies in the stream. */
  public static Frame fence(String id) {
    String text = "{\"type\":\"ping\",\"id\":\"" + id + "\"}";
    return new Frame("fence", List.of(RawWebSocket.encode(RawWebSocket.TEXT, true, utf8(text))),
        Expect.id(id, true, Set.of()), text);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Frame text(String category, String text, Expect e) {
    return new Frame(category, List.of(RawWebSocket.encode(RawWebSocket.TEXT, true, utf8(text))), e, text);
  }

  private Frame bytes(String category, byte[] payload, Expect e) {
    return new Frame(category, List.of(RawWebSocket.encode(RawWebSocket.TEXT, true, payload)), e,
        new String(payload, StandardCharsets.UTF_8));
  }

  // Categories ---------------------------------------------------------------------------------

  public Frame next() {
    int p = r.nextInt(100);
    if (p < 25) {
      return valid(true);
    }
    if (p < 30) {
      return valid(false);
    }
    if (p < 52) {
      return mutated();
    }
    if (p < 55) {
      return badId();
    }
    if (p < 59) {
      return deep();
    }
    if (p < 62) {
      return notObject();
    }
    if (p < 70) {
      return garbage();
    }
    if (p < 78) {
      return byteMutation();
    }
    if (p < 84) {
      return invalidUtf8();
    }
    if (p < 88) {
      return binary();
    }
    if (p < 96) {
      return fragmented();
    }
    return unsolicitedControl();
  }

  private Frame valid(boolean withId) {
    String type = VALID_TYPES[r.nextInt(VALID_TYPES.length)];
    JsonObject f = validFrame(type);
    if (r.nextBoolean()) {
      addUnknownFields(f);
      f.remove("id"); // unknown fields never carry the id
    }
    if (!withId) {
      Expect e = switch (type) {
        case "ping", "history", "members", "rooms" -> Expect.NONE;
        default -> new Expect(Kind.OPT, null, false, stateCodes(type));
      };
      return text("valid-no-id", f.encode(), e);
    }
    Object id = newId();
    f.put("id", id);
    return text("valid", f.encode(), Expect.id(id, true, stateCodes(type)));
  }

  /** A valid frame with exactly one field made invalid, with the code that field earns. */
  private Frame mutated() {
    String type = TYPES[r.nextInt(TYPES.length - 2)]; // not rooms/ping: they have no fields to break
    JsonObject f = validFrame(type);
    String code;
    List<String> strings = new ArrayList<>();
    for (String k : List.of("room", "nick", "to", "text")) {
      if (f.containsKey(k)) {
        strings.add(k);
      }
    }
    int m = r.nextInt(8);
    if (m == 0) {
      if (r.nextBoolean()) {
        f.put("type", "x" + validName(10));
        code = "unknown_type";
      } else {
        Object bad = new Object[] {42, true, new JsonArray(), new JsonObject(), 1.5}[r.nextInt(5)];
        f.put("type", bad);
        code = "invalid_frame";
      }
    } else if (m == 1 && !strings.isEmpty()) {
      String k = strings.get(r.nextInt(strings.size()));
      if (r.nextBoolean()) {
        f.remove(k);
      } else {
        f.put(k, new Object[] {7, false, new JsonArray().add("a"), new JsonObject().put("a", 1), 1e300}[r.nextInt(5)]);
      }
      code = "invalid_frame";
    } else if (m <= 3 && f.containsKey("room")) {
      f.put("room", badName(64));
      code = "invalid_room";
    } else if (m <= 3 && (f.containsKey("nick") || f.containsKey("to"))) {
      f.put(f.containsKey("nick") ? "nick" : "to", badName(32));
      code = "invalid_nick";
    } else if (m == 4 && f.containsKey("text")) {
      f.put("text", r.nextBoolean() ? "" : "t".repeat(maxText + 1 + r.nextInt(10)));
      code = "invalid_text";
    } else if (m == 5 && (type.equals("join") || type.equals("history"))) {
      String k = type.equals("join") ? "since" : r.nextBoolean() ? "before" : "limit";
      Object bad = new Object[] {-1, 1.5, "3", new BigDecimal("1e400"), new BigDecimal("99999999999999999999"), 1e30, true,
          new JsonArray(), -0.5}[r.nextInt(9)];
      f.put(k, bad);
      code = "invalid_frame";
    } else if (m == 6 && type.equals("send")) {
      f.put("data", new Object[] {"str", 5, new JsonArray(), true}[r.nextInt(4)]);
      code = "invalid_frame";
    } else {
      f.remove("type");
      code = "invalid_frame";
    }
    if (r.nextInt(4) == 0) {
      addUnknownFields(f);
      f.remove("id");
    }
    if (r.nextInt(5) == 0) {
      return text("mutated-no-id", f.encode(), Expect.anon(code));
    }
    Object id = newId();
    f.put("id", id);
    return text("mutated", f.encode(), Expect.id(id, false, Set.of(code)));
  }

  private String badName(int max) {
    return switch (r.nextInt(9)) {
      case 0 -> "";
      case 1 -> "x".repeat(max + 1 + r.nextInt(5));
      case 2 -> validName(max / 2) + (char) r.nextInt(0x20) + validName(4);
      case 3 -> validName(4) + "\u007f";
      case 4 -> "\u202e" + validName(4);
      case 5 -> validName(3) + " " + validName(3);
      case 6 -> "caf\u00e9";
      case 7 -> validName(3) + "/" + validName(3);
      default -> "\ud83d\ude00";
    };
  }

  private Frame badId() {
    JsonObject f = validFrame(TYPES[r.nextInt(TYPES.length)]);
    f.put("id", new Object[] {true, false, new JsonArray().add(1), new JsonObject().put("id", 1)}[r.nextInt(4)]);
    return text("bad-id", f.encode(), Expect.anon("invalid_frame"));
  }

  private Frame deep() {
    String type = TYPES[r.nextInt(TYPES.length)];
    JsonObject f = validFrame(type);
    Object id = newId();
    f.put("id", id);
    String encoded = f.encode();
    boolean tooDeep = r.nextBoolean();
    // Deep but well under limits.maxFrameBytes (64 KiB) with the rest of the frame.
    boolean arrays = r.nextBoolean();
    int depth = tooDeep ? 1_100 + r.nextInt(r.nextInt(10) == 0 ? 8_000 : 1_000) : 1 + r.nextInt(300);
    String nested = arrays ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "0" + "}".repeat(depth);
    String text = encoded.substring(0, encoded.length() - 1) + ",\"xdeep\":" + nested + "}";
    return text(tooDeep ? "deep-invalid" : "deep-ok", text,
        tooDeep ? Expect.anon("invalid_json") : Expect.id(id, true, stateCodes(type)));
  }

  private Frame notObject() {
    String[] values = {"[]", "[{\"type\":\"ping\",\"id\":1}]", "\"ping\"", "42", "-1e999", "true", "null", "  null  ", "\"\\u0000\""};
    return text("not-object", values[r.nextInt(values.length)], Expect.anon("invalid_frame"));
  }

  private Frame garbage() {
    String t;
    switch (r.nextInt(5)) {
      case 0: {
        String v = validFrame(TYPES[r.nextInt(TYPES.length)]).put("id", newId()).encode();
        t = v.substring(0, r.nextInt(v.length())); // truncated
        break;
      }
      case 1: {
        StringBuilder b = new StringBuilder();
        String palette = "{}[]\":,0123456789.eE+-tfnul \\abc\u00e9";
        for (int i = r.nextInt(200); i > 0; i--) {
          if (r.nextInt(30) == 0) {
            b.appendCodePoint(0x1F600);
          } else {
            b.append(palette.charAt(r.nextInt(palette.length())));
          }
        }
        t = b.toString();
        break;
      }
      case 2:
        t = "{\"type\":\"ping\",\"id\":1,}";
        break;
      case 3:
        t = "{'type':'ping'}";
        break;
      default:
        t = "{\"type\":\"ping\" \"id\":1}";
    }
    return classify("garbage", utf8(t));
  }

  private Frame byteMutation() {
    byte[] b = utf8(validFrame(TYPES[r.nextInt(TYPES.length)]).put("id", newId()).encode());
    for (int i = 1 + r.nextInt(3); i > 0; i--) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(3)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b = concat(Arrays.copyOfRange(b, 0, at), new byte[] {(byte) r.nextInt(256)}, Arrays.copyOfRange(b, at, b.length));
        default -> b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1), b.length));
      }
    }
    return classify("byte-mutation", b);
  }

  /**
   * The expectation for arbitrary bytes, decided the way the server decides: Vert.x's JSON decoding of
   * the text. Where the bytes are not valid UTF-8 the server's decoder and this one may replace them
   * differently, so such frames are ANY (a fence follows).
   */
  private Frame classify(String category, byte[] b) {
    String s = new String(b, StandardCharsets.UTF_8);
    if (s.indexOf('\ufffd') >= 0 && !Arrays.equals(utf8(s), b)) {
      return bytes(category, b, Expect.ANY);
    }
    Object v;
    try {
      v = Json.decodeValue(s);
    } catch (DecodeException e) {
      return bytes(category, b, Expect.anon("invalid_json"));
    }
    if (!(v instanceof JsonObject o)) {
      return bytes(category, b, Expect.anon("invalid_frame"));
    }
    Object id = o.getValue("id");
    if (id == null) {
      return bytes(category, b, Expect.ANY);
    }
    if (!(id instanceof String) && !(id instanceof Number)) {
      return bytes(category, b, Expect.anon("invalid_frame"));
    }
    if (id instanceof Double d && (d.isInfinite() || d.isNaN())) {
      return bytes(category, b, Expect.ANY); // a known defect: such ids are not echoed as sent
    }
    if (id instanceof String str && hasLoneSurrogate(str)) {
      return bytes(category, b, Expect.ANY); // the same defect
    }
    return bytes(category, b, Expect.id(id, true, DOCUMENTED));
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static final byte[][] INVALID_UTF8 = {
      {(byte) 0xff}, {(byte) 0xfe}, {(byte) 0xc3, 0x28}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xed, (byte) 0xbf, (byte) 0xbf}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xbf}};

  /** Invalid UTF-8 inside a string of a valid frame (the frame stays valid) or between tokens (invalid JSON). */
  private Frame invalidUtf8() {
    byte[] bad = INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
    String type = r.nextBoolean() ? "send" : TYPES[r.nextInt(TYPES.length)];
    JsonObject f = validFrame(type);
    Object id = newId();
    f.put("id", id);
    String marker = "@@BAD@@";
    boolean inString = r.nextInt(3) > 0;
    String encoded;
    if (inString) {
      if (f.containsKey("text") && r.nextBoolean()) {
        String t = f.getString("text");
        f.put("text", (t.length() > 100 ? t.substring(0, 100) : t) + marker);
      } else {
        f.put("xutf", "a" + marker + "b");
      }
      encoded = f.encode();
    } else {
      String e = f.encode();
      encoded = e.substring(0, e.length() - 1) + "," + marker + "\"x\":1}";
    }
    byte[] enc = utf8(encoded);
    byte[] m = utf8(marker);
    int at = indexOf(enc, m);
    byte[] b = concat(Arrays.copyOfRange(enc, 0, at), bad, Arrays.copyOfRange(enc, at + m.length, enc.length));
    return bytes(inString ? "utf8-in-string" : "utf8-outside", b,
        inString ? Expect.id(id, true, stateCodes(type)) : Expect.anon("invalid_json"));
  }

  private Frame binary() {
    byte[] b = new byte[r.nextInt(200)];
    r.nextBytes(b);
    if (r.nextBoolean()) {
      return new Frame("binary", List.of(RawWebSocket.encode(RawWebSocket.BINARY, true, b)),
          Expect.anon("unsupported_binary"), "binary " + b.length + " bytes");
    }
    int cut = b.length / 2;
    return new Frame("binary-fragmented", List.of(RawWebSocket.encode(RawWebSocket.BINARY, false, Arrays.copyOfRange(b, 0, cut)),
        RawWebSocket.encode(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(b, cut, b.length))),
        Expect.anon("unsupported_binary"), "binary in 2 fragments");
  }

  /** Some other frame, cut into 2-4 fragments (sometimes with a ping between them). */
  private Frame fragmented() {
    Frame inner;
    do {
      inner = next();
    } while (inner.wire().size() != 1 || inner.category().startsWith("binary") || inner.category().equals("control"));
    byte[] payload = rawPayload(inner);
    int parts = Math.min(2 + r.nextInt(3), Math.max(1, payload.length));
    List<byte[]> wire = new ArrayList<>();
    int[] cuts = new int[parts + 1];
    cuts[parts] = payload.length;
    for (int i = 1; i < parts; i++) {
      cuts[i] = Math.max(cuts[i - 1], Math.min(payload.length, cuts[i - 1] + r.nextInt(payload.length / parts + 1)));
    }
    for (int i = 0; i < parts; i++) {
      wire.add(RawWebSocket.encode(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, i == parts - 1,
          Arrays.copyOfRange(payload, cuts[i], cuts[i + 1])));
      if (i < parts - 1 && r.nextInt(4) == 0) {
        wire.add(RawWebSocket.encode(RawWebSocket.PING, true, utf8("p")));
      }
    }
    return new Frame("fragmented/" + inner.category(), wire, inner.expect(), inner.description());
  }

  /** Decodes the payload of a single masked client frame this class encoded. */
  private static byte[] rawPayload(Frame f) {
    byte[] w = f.wire().get(0);
    int len = w[1] & 0x7f;
    int off = 2;
    if (len == 126) {
      len = ((w[2] & 0xff) << 8) | (w[3] & 0xff);
      off = 4;
    } else if (len == 127) {
      long l = 0;
      for (int i = 0; i < 8; i++) {
        l = (l << 8) | (w[2 + i] & 0xff);
      }
      len = (int) l;
      off = 10;
    }
    byte[] mask = Arrays.copyOfRange(w, off, off + 4);
    byte[] p = Arrays.copyOfRange(w, off + 4, off + 4 + len);
    for (int i = 0; i < p.length; i++) {
      p[i] ^= mask[i & 3];
    }
    return p;
  }

  /** An unsolicited pong (allowed, answered by nothing). */
  private Frame unsolicitedControl() {
    return new Frame("control", List.of(RawWebSocket.encode(RawWebSocket.PONG, true, utf8("unsolicited"))), Expect.NONE, "pong");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("marker not found");
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }
}
