package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * Publishes the room events ({@link Addresses#events}) of this node, to this node's consumers, for
 * the rooms that have one ({@link Listeners}). Every
 * node hears every room broadcast (for its gateways), so each node makes the events from those, and
 * the chat does not publish them to the whole cluster. A cluster-wide
 * publish to an address nobody listens on, which is most rooms' event address, asks the cluster's
 * registry every time: a Hazelcast lookup on another thread, often on another node, per message.
 *
 * <p>The event is the broadcast's bytes on the event bus; each consumer gets its own
 * {@link JsonObject} parsed from them, and with no consumer nothing is parsed.
 */
final class RoomEvents {
  /** The codec that turns a broadcast's bytes into the event's JSON for each consumer. */
  static final String CODEC = "roomcast-room-event";

  private RoomEvents() {
  }

  /**
   * What republishes: one per node (the chat verticle's), so that each event is published once. It
   * hears the broadcasts from the event bus in a cluster and from {@link LocalChat} on a single node.
   */
  static Consumer<Delivery> publisher(EventBus bus, Listeners listeners) {
    DeliveryOptions localOnly = new DeliveryOptions().setLocalOnly(true).setCodecName(CODEC);
    return d -> {
      if (d.event() && listeners.listened(d.room())) {
        bus.publish(Addresses.events(d.room()), d.frame(), localOnly);
      }
    };
  }

  static final class Codec implements MessageCodec<EncodedFrame, JsonObject> {
    @Override
    public void encodeToWire(Buffer buffer, EncodedFrame frame) {
      // Only published locally; written like a JSON object would be, in case.
      byte[] bytes = frame.bytes();
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }

    @Override
    public JsonObject decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
    }

    @Override
    public JsonObject transform(EncodedFrame frame) {
      return frame.toJson();
    }

    @Override
    public String name() {
      return CODEC;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
