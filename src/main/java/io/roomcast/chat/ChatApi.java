package io.roomcast.chat;

import io.roomcast.config.RoomcastConfig;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.FrameParser;
import io.roomcast.protocol.Names;
import io.roomcast.protocol.ProtocolException;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The public event bus API of the chat ({@link Addresses#PUBLISH}, {@link Addresses#DIRECT},
 * {@link Addresses#PRESENCE}, {@link Addresses#ROOMS}): JSON bodies in, JSON replies out. Registered
 * by the chat verticle that runs the chat, so in a cluster a verticle on any node reaches it.
 */
final class ChatApi {
  private final RoomcastConfig config;
  private final Supplier<Chat> chat;
  private final Pipeline pipeline;

  ChatApi(RoomcastConfig config, Supplier<Chat> chat, Pipeline pipeline) {
    this.config = config;
    this.chat = chat;
    this.pipeline = pipeline;
  }

  /** The operations on this node's own addresses ({@link Addresses#at}), where every node forwards them. */
  List<MessageConsumer<?>> register(EventBus bus, String node) {
    return List.of(
        bus.<JsonObject>consumer(Addresses.at(Addresses.PUBLISH, node), api(this::publish)),
        bus.<JsonObject>consumer(Addresses.at(Addresses.DIRECT, node), api(this::direct)),
        bus.<JsonObject>consumer(Addresses.at(Addresses.PRESENCE, node), api(body -> chat.get().members(room(body)))),
        bus.<JsonObject>consumer(Addresses.at(Addresses.ROOMS, node), api(body -> chat.get().roomList())));
  }

  /**
   * On every node: the public addresses, as local consumers that forward to the node running the
   * chat and pass its answer or refusal back. A verticle anywhere uses the plain address.
   */
  static List<MessageConsumer<?>> forwarders(EventBus bus, ChatLink link) {
    List<MessageConsumer<?>> out = new java.util.ArrayList<>();
    for (String address : List.of(Addresses.PUBLISH, Addresses.DIRECT, Addresses.PRESENCE, Addresses.ROOMS,
        Addresses.STATS)) {
      out.add(bus.<Object>localConsumer(address, msg -> link.<Object>request(address, msg.body(),
              repeatable(address, msg.body()))
          .onSuccess(msg::reply)
          .onFailure(e -> {
            if (e instanceof io.vertx.core.eventbus.ReplyException r && r.failureCode() > 0) {
              msg.fail(r.failureCode(), r.getMessage());
            } else {
              msg.fail(503, ErrorCode.UNAVAILABLE.code() + ": the chat did not answer in time; try again");
            }
          })));
    }
    return out;
  }

  /**
   * True when asking the chat twice does no harm: everything but a direct message and a publish
   * without a key (a keyed publish is stored once).
   */
  private static boolean repeatable(String address, Object body) {
    if (address.equals(Addresses.PUBLISH)) {
      return body instanceof JsonObject b && b.getValue("key") instanceof String;
    }
    return !address.equals(Addresses.DIRECT);
  }

  private JsonObject publish(JsonObject body) {
    String room = room(body);
    String from = Names.checkNick(field(body, "from"));
    String text = FrameParser.checkText(field(body, "text"), config.limits().maxTextLength());
    Object data = body.getValue("data");
    if (data != null && !(data instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.INVALID_FRAME, "data must be a JSON object");
    }
    Object key = body.getValue("key");
    if (key != null && !(key instanceof String)) {
      throw new ProtocolException(ErrorCode.INVALID_FRAME, "key must be a string");
    }
    return chat.get().send(null, room, from, text, Names.checkKey((String) key), (JsonObject) data);
  }

  private JsonObject direct(JsonObject body) {
    String from = Names.checkNick(field(body, "from"));
    String to = Names.checkNick(field(body, "to"));
    String text = FrameParser.checkText(field(body, "text"), config.limits().maxTextLength());
    return chat.get().direct(from, to, text);
  }

  private static String room(JsonObject body) {
    return Names.checkRoom(field(body, "room"));
  }

  private static String field(JsonObject body, String name) {
    Object v = body == null ? null : body.getValue(name);
    if (!(v instanceof String s)) {
      throw new ProtocolException(ErrorCode.INVALID_FRAME, name + " is required and must be a string");
    }
    return s;
  }

  /**
   * Adapts an API operation to request/reply: a refusal fails the reply with failure code 400 (404
   * for {@code no_such_user}) and the message {@code "<error code>: <explanation>"}. The answer waits,
   * like a client's ack, until what the operation changed is stored.
   */
  private Handler<Message<JsonObject>> api(Function<JsonObject, JsonObject> op) {
    return msg -> pipeline.batch(() -> {
      try {
        Object raw = msg.body();
        if (raw != null && !(raw instanceof JsonObject)) {
          throw new ProtocolException(ErrorCode.INVALID_FRAME, "body must be a JSON object");
        }
        JsonObject reply = op.apply(msg.body());
        pipeline.effect(() -> msg.reply(reply));
      } catch (ProtocolException e) {
        int code = e.code() == ErrorCode.NO_SUCH_USER ? 404 : 400;
        String message = e.code().code() + ": " + e.getMessage();
        pipeline.effect(() -> msg.fail(code, message));
      } catch (ClassCastException e) {
        pipeline.effect(() -> msg.fail(400, ErrorCode.INVALID_FRAME.code() + ": body must be a JSON object"));
      }
    });
  }
}
