package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.roomcast.chat.Addresses;
import io.roomcast.support.AllTransports;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.Transport;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What a node skips when nobody needs it, while clients and consumers see exactly what they saw:
 * its gateways hand commands to its own chat, and a single node's chat its broadcasts to the
 * gateways, without the event bus; and a room's events are published only while a consumer listens
 * to them.
 */
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class NodeShortcutsTest extends RoomcastTestBase {

  /** Records the address of every message sent or published on the node's event bus. */
  private List<String> recordAddresses() {
    List<String> addresses = new CopyOnWriteArrayList<>();
    Handler<DeliveryContext<Object>> recorder = dc -> {
      addresses.add(dc.message().address());
      dc.next();
    };
    node.vertx().eventBus().addOutboundInterceptor(recorder);
    return addresses;
  }

  @AllTransports
  void aSingleNodesCommandsAndBroadcastsGoBetweenChatAndGatewaysWithoutTheEventBus(Transport t,
      VertxTestContext ctx) {
    List<String> addresses = recordAddresses();
    inRoom(t, "lobby", 2)
        .compose(cs -> cs.get(0).say("lobby", "hi")
            .compose(ack -> cs.get(1).await(Match.message("lobby", "hi")))
            .compose(m -> cs.get(1).rename("zed"))
            .compose(v -> cs.get(1).leave("lobby"))
            .compose(v -> cs.get(0).close()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          // The other member got the message, its rename and leave went through: neither the commands
          // nor the broadcasts took the bus.
          assertFalse(addresses.stream().anyMatch(a -> a.startsWith(Addresses.DELIVER)),
              () -> "deliveries on the bus: " + addresses);
          assertFalse(addresses.stream().anyMatch(a -> a.startsWith(Addresses.CHAT_COMMANDS)),
              () -> "commands on the bus: " + addresses);
          ctx.completeNow();
        })));
  }

  @AllTransports
  void roomEventsArePublishedOnlyWhileSomeoneListens(Transport t, VertxTestContext ctx) {
    List<String> addresses = recordAddresses();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    // The event is published once the broadcast reaches the node's event publisher, which may be
    // after the client has it: the consumer leaves only once it has heard the message.
    Promise<Void> heard = Promise.promise();
    MessageConsumer<JsonObject> consumer = node.vertx().eventBus().consumer(Addresses.events("watched"), msg -> {
      events.add(msg.body());
      if ("message".equals(msg.body().getString("type"))) {
        heard.tryComplete();
      }
    });
    consumer.completion()
        .compose(v -> connect(t))
        .compose(c -> c.join("watched").compose(v -> c.join("quiet"))
            .compose(v -> c.say("quiet", "unheard"))
            .compose(v -> c.say("watched", "heard"))
            .compose(v -> heard.future())
            .compose(v -> consumer.unregister())
            .compose(v -> c.say("watched", "after"))
            .compose(v -> c.await(Match.message("watched", "after")))
            // A room event is published after the broadcast reaches the gateway: give it time.
            .compose(v -> c.assertNothing(m -> false, 300)))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(List.of("joined", "message"), events.stream().map(e -> e.getString("type")).toList());
          assertEquals("heard", events.get(1).getString("text"));
          assertFalse(addresses.contains(Addresses.events("quiet")), () -> "published to nobody: " + addresses);
          assertEquals(2, addresses.stream().filter(Addresses.events("watched")::equals).count(),
              () -> "published after the consumer left: " + addresses);
          ctx.completeNow();
        })));
  }

  /** A consumer that arrives after the room's first messages hears from the next one on. */
  @AllTransports
  void aLateConsumerHearsTheNextEvent(Transport t, VertxTestContext ctx) {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    inRoom(t, "late", 1).compose(cs -> {
      ChatClient c = cs.get(0);
      return c.say("late", "before").compose(v -> {
        MessageConsumer<JsonObject> consumer = node.vertx().eventBus()
            .consumer(Addresses.events("late"), msg -> events.add(msg.body()));
        return consumer.completion().compose(x -> c.say("late", "after"))
            .compose(x -> c.await(Match.message("late", "after")))
            .compose(x -> c.assertNothing(m -> false, 200))
            .compose(x -> consumer.unregister());
      });
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      // Whether "before" (published around the time the sender had its ack) reached it is a race.
      List<String> texts = events.stream().map(e -> e.getString("text")).toList();
      assertEquals("after", texts.isEmpty() ? null : texts.get(texts.size() - 1), () -> "events: " + texts);
      ctx.completeNow();
    })));
  }
}
