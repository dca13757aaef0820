package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Connect;
import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.chat.ChatMessages.Disconnect;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.chat.ChatMessages.Resync;
import io.roomcast.chat.ChatMessages.Targeted;
import io.roomcast.chat.ChatWire.Reader;
import io.roomcast.chat.ChatWire.Writer;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.FrameParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Event bus codecs for {@link ChatMessages}. On one node a message is passed by reference (the
 * objects are immutable); to another node it is written as length-prefixed fields, and an encoded
 * frame travels as its bytes, so a broadcast is still encoded to JSON only once, by the chat.
 */
public final class ChatCodecs {
  private ChatCodecs() {
  }

  /** Registers every codec on this event bus (once per Vert.x instance, before any message flows). */
  public static void registerAll(EventBus bus, int maxTextLength) {
    FrameParser parser = new FrameParser(maxTextLength);
    register(bus, Connect.class, (w, c) -> w.str(c.session()).str(c.gateway()).str(c.node()).str(c.nick()),
        r -> new Connect(r.str(), r.str(), r.str(), r.str()));
    register(bus, Disconnect.class, (w, d) -> w.str(d.session()), r -> new Disconnect(r.str()));
    // The frame was validated by the gateway; the chat's node parses the same text with the same rules.
    register(bus, Command.class, (w, c) -> w.str(c.session()).str(c.text()).str(c.serverKey()), r -> {
      String session = r.str();
      String text = r.str();
      String serverKey = r.str();
      Command c = new Command(session, parser.parse(text).frame(), text);
      return serverKey == null ? c : c.withServerKey(serverKey);
    });
    register(bus, Resync.class, (w, s) -> w.str(s.gateway()).json(s.lastSeqs()),
        r -> new Resync(r.str(), r.json()));
    register(bus, Reply.class, ChatCodecs::writeReply, ChatCodecs::readReply);
    register(bus, Delivery.class, ChatCodecs::writeDelivery, ChatCodecs::readDelivery);
    register(bus, Targeted.class, ChatCodecs::writeTargeted, ChatCodecs::readTargeted);
    register(bus, ReplicaUpdate.class, ChatCodecs::writeUpdate, ChatCodecs::readUpdate);
    bus.registerCodec(new RoomEvents.Codec());
  }

  /** An update as its codec writes it for another node. */
  static Buffer toWire(ReplicaUpdate u) {
    Buffer b = Buffer.buffer();
    writeUpdate(new Writer(b), u);
    return b;
  }

  /** An update as another node reads it. */
  static ReplicaUpdate fromWire(Buffer b) {
    return readUpdate(new Reader(b, 0));
  }

  private static void writeReply(Writer w, Reply r) {
    w.fields(r.ack()).frames(r.before()).str(r.error() == null ? null : r.error().code()).str(r.message());
  }

  private static Reply readReply(Reader r) {
    return new Reply(r.fields(), r.frames(), ErrorCode.fromCode(r.str()), r.str());
  }

  private static void writeDelivery(Writer w, Delivery d) {
    w.str(d.room()).frame(d.frame()).str(d.exclude()).bool(d.ephemeral()).num(d.seq()).bool(d.event());
  }

  private static Delivery readDelivery(Reader r) {
    return new Delivery(r.str(), r.frame(), r.str(), r.bool(), r.num(), r.bool());
  }

  private static void writeTargeted(Writer w, Targeted t) {
    w.str(t.session()).frame(t.frame());
  }

  private static Targeted readTargeted(Reader r) {
    return new Targeted(r.str(), r.frame());
  }

  /** The snapshot (rare) as JSON, then each change and each effect as a tag and its fields. */
  private static void writeUpdate(Writer w, ReplicaUpdate u) {
    w.str(u.from()).num(u.id());
    w.json(u.snapshot() == null ? null : Replica.toJson(u.snapshot()));
    w.integer(u.changes().size());
    for (ReplicaUpdate.Change c : u.changes()) {
      if (c instanceof ReplicaUpdate.Message m) {
        w.integer(0).str(m.name()).str(m.epoch()).num(m.seq()).frame(m.frame());
      } else if (c instanceof ReplicaUpdate.RoomState r) {
        w.integer(1).str(r.name()).str(r.epoch()).num(r.seq());
      } else if (c instanceof ReplicaUpdate.Forget f) {
        w.integer(2).str(f.name());
      } else if (c instanceof ReplicaUpdate.MemberState ms) {
        w.integer(3).json(ms.member());
      } else if (c instanceof ReplicaUpdate.Gone g) {
        w.integer(4).str(g.session());
      }
    }
    w.integer(u.effects().size());
    for (ReplicaUpdate.Effect e : u.effects()) {
      if (e instanceof ReplicaUpdate.ToGateways g) {
        writeDelivery(w.integer(0), g.delivery());
      } else if (e instanceof ReplicaUpdate.ToGateway g) {
        writeTargeted(w.integer(1).str(g.gateway()), g.targeted());
      } else if (e instanceof ReplicaUpdate.ToTicket t) {
        writeReply(w.integer(2).num(t.ticket()), t.reply());
      }
    }
  }

  private static ReplicaUpdate readUpdate(Reader r) {
    String from = r.str();
    long id = r.num();
    JsonObject snapshot = r.json();
    int n = r.integer();
    List<ReplicaUpdate.Change> changes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      changes.add(switch (r.integer()) {
        case 0 -> new ReplicaUpdate.Message(r.str(), r.str(), r.num(), r.frame());
        case 1 -> new ReplicaUpdate.RoomState(r.str(), r.str(), r.num());
        case 2 -> new ReplicaUpdate.Forget(r.str());
        case 3 -> new ReplicaUpdate.MemberState(r.json());
        case 4 -> new ReplicaUpdate.Gone(r.str());
        default -> throw new IllegalStateException("unknown change in a chat state copy");
      });
    }
    int m = r.integer();
    List<ReplicaUpdate.Effect> effects = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      effects.add(switch (r.integer()) {
        case 0 -> new ReplicaUpdate.ToGateways(readDelivery(r));
        case 1 -> new ReplicaUpdate.ToGateway(r.str(), readTargeted(r));
        case 2 -> new ReplicaUpdate.ToTicket(r.num(), readReply(r));
        default -> throw new IllegalStateException("unknown effect in a chat state copy");
      });
    }
    return new ReplicaUpdate(snapshot == null ? null : Replica.fromJson(snapshot), changes, effects, from, id);
  }

  private static <T> void register(EventBus bus, Class<T> type, BiConsumer<Writer, T> encode,
      Function<Reader, T> decode) {
    bus.registerDefaultCodec(type, new Codec<>("roomcast-" + type.getSimpleName(), encode, decode));
  }

  private static final class Codec<T> implements MessageCodec<T, T> {
    private final String name;
    private final BiConsumer<Writer, T> encode;
    private final Function<Reader, T> decode;

    Codec(String name, BiConsumer<Writer, T> encode, Function<Reader, T> decode) {
      this.name = name;
      this.encode = encode;
      this.decode = decode;
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
      encode.accept(new Writer(buffer), t);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      return decode.apply(new Reader(buffer, pos));
    }

    @Override
    public T transform(T t) {
      return t;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
