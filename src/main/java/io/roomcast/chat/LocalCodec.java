package io.roomcast.chat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes immutable objects by reference on the local event bus. These objects never leave the JVM,
 * so the wire methods refuse.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  private final String name;

  private LocalCodec(Class<T> type) {
    this.name = "roomcast-local-" + type.getSimpleName();
  }

  /** Registers the codecs of {@link ChatMessages} on this event bus (once per Vert.x instance). */
  public static void registerAll(EventBus bus) {
    register(bus, ChatMessages.Connect.class);
    register(bus, ChatMessages.Disconnect.class);
    register(bus, ChatMessages.Command.class);
    register(bus, ChatMessages.Reply.class);
    register(bus, ChatMessages.Delivery.class);
    register(bus, ChatMessages.Targeted.class);
  }

  private static <T> void register(EventBus bus, Class<T> type) {
    bus.registerDefaultCodec(type, new LocalCodec<>(type));
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is local only");
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
