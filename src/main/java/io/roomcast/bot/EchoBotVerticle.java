package io.roomcast.bot;

import io.roomcast.chat.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The echo bot: in room {@code echo} it answers every message from someone else with the text
 * upper-cased plus {@code !!!}, as {@code echo-bot}. It uses only the public event bus API, so it is
 * also the example of how another verticle talks to the chat.
 */
public final class EchoBotVerticle extends VerticleBase {
  public static final String ROOM = "echo";
  public static final String NICK = "echo-bot";
  private static final Logger LOG = Logger.getLogger(EchoBotVerticle.class.getName());
  private final int maxTextLength;
  private final BooleanSupplier onChatNode;

  /** {@code onChatNode}: whether this node runs the chat now (always true on a single node). */
  public EchoBotVerticle(int maxTextLength, BooleanSupplier onChatNode) {
    this.maxTextLength = maxTextLength;
    this.onChatNode = onChatNode;
  }

  @Override
  public Future<?> start() {
    // Every node publishes the room's events to its own consumers, so in a cluster every node's bot
    // hears each message; only the one on the node that runs the chat answers, so the room gets one
    // answer, not one per node.
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.events(ROOM), msg -> {
      JsonObject event = msg.body();
      if (onChatNode.getAsBoolean() && "message".equals(event.getString("type"))
          && !NICK.equals(event.getString("from"))) {
        vertx.eventBus().request(Addresses.PUBLISH, new JsonObject().put("room", ROOM).put("from", NICK)
                .put("text", shout(event.getString("text"))))
            .onFailure(e -> LOG.warning("echo bot could not answer: " + e.getMessage()));
      }
    });
    return consumer.completion();
  }

  /** Upper-cases and appends {@code !!!}, cut to the text limit (upper-casing can lengthen text). */
  private String shout(String text) {
    String loud = text.toUpperCase(Locale.ROOT);
    int room = maxTextLength - 3;
    if (loud.length() > room) {
      int cut = room;
      if (cut > 0 && Character.isHighSurrogate(loud.charAt(cut - 1))) {
        cut--;
      }
      loud = loud.substring(0, Math.max(0, cut));
    }
    return (loud + "!!!").substring(0, Math.min(loud.length() + 3, maxTextLength));
  }
}
