package io.roomcast.chat;

import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Connect;
import io.roomcast.chat.ChatMessages.Delivery;
import io.roomcast.chat.ChatMessages.Disconnect;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.chat.ChatMessages.Targeted;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.protocol.ClientFrame;
import io.roomcast.protocol.EncodedFrame;
import io.roomcast.protocol.ErrorCode;
import io.roomcast.protocol.FrameParser;
import io.roomcast.protocol.Names;
import io.roomcast.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The chat verticle (one instance): owns room membership, nicks, sequence numbers and history, and
 * publishes every room event. Gateways reach it on {@link Addresses#CHAT_COMMANDS}; other verticles
 * use the public addresses ({@link Addresses#PUBLISH} and friends). All state lives in {@link Chat},
 * confined to this verticle's event loop.
 */
public final class ChatVerticle extends VerticleBase {
  private final RoomcastConfig config;
  private Chat chat;

  public ChatVerticle(RoomcastConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    Chat.Outbox outbox = new Chat.Outbox() {
      @Override
      public void deliver(String room, EncodedFrame frame, String exclude, boolean ephemeral) {
        bus.publish(Addresses.DELIVER, new Delivery(room, frame, exclude, ephemeral));
      }

      @Override
      public void send(Member member, EncodedFrame frame) {
        bus.send(Addresses.gateway(member.gateway), new Targeted(member.session, frame));
      }

      @Override
      public void event(String room, JsonObject frame) {
        bus.publish(Addresses.events(room), frame);
      }
    };
    chat = new Chat(new RoomRegistry(config.rooms().historySize(), config.rooms().maxIdleRooms()),
        outbox, config.limits().maxRoomsPerConnection());

    List<MessageConsumer<?>> consumers = List.of(
        bus.<Object>consumer(Addresses.CHAT_COMMANDS, this::onGatewayMessage),
        bus.<JsonObject>consumer(Addresses.PUBLISH, api(this::publish)),
        bus.<JsonObject>consumer(Addresses.DIRECT, api(this::direct)),
        bus.<JsonObject>consumer(Addresses.PRESENCE, api(body -> chat.members(room(body)))),
        bus.<JsonObject>consumer(Addresses.ROOMS, api(body -> chat.roomList())),
        bus.<Object>consumer(Addresses.STATS, msg -> msg.reply(
            new JsonObject().put("sessions", chat.sessionCount()).put("rooms", chat.roomCount()))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void onGatewayMessage(Message<Object> msg) {
    Object body = msg.body();
    if (body instanceof Command c) {
      msg.reply(command(c));
    } else if (body instanceof Connect c) {
      ProtocolException refused = chat.connect(c.session(), c.gateway(), c.nick());
      JsonObject ack = new JsonObject().put("nick", chat.member(c.session()).nick);
      msg.reply(refused == null ? Reply.ok(ack) : new Reply(ack, List.of(), refused.code(), refused.getMessage()));
    } else if (body instanceof Disconnect d) {
      chat.disconnect(d.session());
    }
  }

  private Reply command(Command c) {
    Member m = chat.member(c.session());
    if (m == null) {
      // The session closed while this frame was on its way; nobody is left to answer.
      return Reply.failed(ErrorCode.NOT_MEMBER, "session is closed");
    }
    try {
      ClientFrame f = c.frame();
      if (f instanceof ClientFrame.Send s) {
        return Reply.ok(chat.send(m, s.room(), null, s.text(), s.data()));
      } else if (f instanceof ClientFrame.Join j) {
        List<EncodedFrame> replay = new ArrayList<>();
        JsonObject ack = chat.join(m, j, replay);
        return Reply.ok(ack, replay);
      } else if (f instanceof ClientFrame.Leave l) {
        return Reply.ok(chat.leave(m, l.room()));
      } else if (f instanceof ClientFrame.Nick n) {
        return Reply.ok(chat.rename(m, n.nick()));
      } else if (f instanceof ClientFrame.Direct d) {
        return Reply.ok(chat.direct(m.nick, d.to(), d.text()));
      } else if (f instanceof ClientFrame.Typing t) {
        return Reply.ok(chat.typing(m, t.room()));
      } else if (f instanceof ClientFrame.History h) {
        return Reply.ok(chat.history(h));
      } else if (f instanceof ClientFrame.Members mm) {
        return Reply.ok(chat.members(mm.room()));
      } else if (f instanceof ClientFrame.Rooms) {
        return Reply.ok(chat.roomList());
      }
      return Reply.ok(new JsonObject());
    } catch (ProtocolException e) {
      return Reply.failed(e.code(), e.getMessage());
    }
  }

  private JsonObject publish(JsonObject body) {
    String room = room(body);
    String from = Names.checkNick(field(body, "from"));
    String text = FrameParser.checkText(field(body, "text"), config.limits().maxTextLength());
    Object data = body.getValue("data");
    if (data != null && !(data instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.INVALID_FRAME, "data must be a JSON object");
    }
    return chat.send(null, room, from, text, (JsonObject) data);
  }

  private JsonObject direct(JsonObject body) {
    String from = Names.checkNick(field(body, "from"));
    String to = Names.checkNick(field(body, "to"));
    String text = FrameParser.checkText(field(body, "text"), config.limits().maxTextLength());
    return chat.direct(from, to, text);
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
   * for {@code no_such_user}) and the message {@code "<error code>: <explanation>"}.
   */
  private static io.vertx.core.Handler<Message<JsonObject>> api(Function<JsonObject, JsonObject> op) {
    return msg -> {
      try {
        Object raw = msg.body();
        if (raw != null && !(raw instanceof JsonObject)) {
          throw new ProtocolException(ErrorCode.INVALID_FRAME, "body must be a JSON object");
        }
        msg.reply(op.apply(msg.body()));
      } catch (ProtocolException e) {
        msg.fail(e.code() == ErrorCode.NO_SUCH_USER ? 404 : 400, e.code().code() + ": " + e.getMessage());
      } catch (ClassCastException e) {
        msg.fail(400, ErrorCode.INVALID_FRAME.code() + ": body must be a JSON object");
      }
    };
  }
}
