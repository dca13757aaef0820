package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.chat.ChatMessages.Command;
import io.roomcast.chat.ChatMessages.Reply;
import io.roomcast.protocol.ClientFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * When the node that runs the chat dies, the commands waiting for it give up at once. On the node
 * that kept the chat's copy (and now runs the chat) every command is asked again; elsewhere an
 * idempotent one is asked again of the chat's next node, and so is a room message sent without a key
 * (the node gave it one), while the others fail as timed out (a client sees {@code unavailable}). None waits out its time limit, which these tests set far beyond their own.
 */
@ExtendWith(VertxExtension.class)
class ChatLinkTest {
  private static final long LIMIT_MS = 60_000;

  /** A cluster of named nodes, oldest first, that the test changes by hand. */
  private static final class View implements ClusterView {
    private final String me;
    private volatile List<String> nodes;

    View(String me, String... nodes) {
      this.me = me;
      this.nodes = List.of(nodes);
    }

    @Override
    public String nodeId() {
      return me;
    }

    @Override
    public boolean isLeader() {
      return leader().equals(me);
    }

    @Override
    public String leader() {
      return nodes.get(0);
    }

    @Override
    public Predicate<String> alive() {
      return List.copyOf(nodes)::contains;
    }

    @Override
    public String follower() {
      return nodes.size() > 1 ? nodes.get(1) : null;
    }

    @Override
    public List<String> nodes() {
      return nodes;
    }

    @Override
    public void onChange(Runnable listener) {
    }
  }

  /** The node "old" dies: the view loses it and the node gives up what waits for it, as the chat verticle does. */
  private static void kill(View view, LocalChat local, String... survivors) {
    view.nodes = List.of(survivors);
    local.replies().lost(view.alive());
  }

  /**
   * What {@code node}'s consumer of {@code address} receives, in order; it answers each with
   * {@code reply}, or never when that is null (as a chat that died with the command).
   */
  private static List<Object> chatAt(Vertx vertx, String address, String node, Object reply) {
    List<Object> got = new CopyOnWriteArrayList<>();
    vertx.eventBus().consumer(Addresses.at(address, node), msg -> {
      got.add(msg.body());
      if (reply != null) {
        msg.reply(reply);
      }
    }).completion().await();
    return got;
  }

  @Test
  void ticketedSendsAndJoinsAreAskedAgainOfTheChatThisNodeNowRunsWhenTheChatsNodeDies(Vertx vertx,
      VertxTestContext ctx) throws Exception {
    View view = new View("me", "old", "me");
    LocalChat local = new LocalChat();
    ChatLink link = new ChatLink(vertx, LIMIT_MS, view, local, local.replies());
    List<Object> old = chatAt(vertx, Addresses.CHAT_COMMANDS, "old", null);
    // The chat this node runs once the old node is gone.
    List<Object> here = chatAt(vertx, Addresses.CHAT_COMMANDS, "me", "answered here");
    // A gateway's context, as in the server: the answer must come back on it.
    vertx.runOnContext(v -> {
      io.vertx.core.Context gateway = vertx.getOrCreateContext();
      List<String> commands = List.of("send 1", "join lobby", "send 2");
      // Only a join is harmless to repeat; after the chat's node dies, all are asked again alike.
      List<Future<Object>> answers = commands.stream()
          .map(c -> link.<Object>request(Addresses.CHAT_COMMANDS, c, c.startsWith("join"))).toList();
      vertx.setTimer(200, t -> {
        ctx.verify(() -> {
          assertEquals(commands, old, "the commands did not go to the chat's node with tickets");
          assertTrue(answers.stream().noneMatch(Future::isComplete), "answered although the chat's node never answered");
          assertEquals(List.of(), here);
        });
        kill(view, local, "me");
        Future.all(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (Future<Object> a : answers) {
            assertEquals("answered here", a.result());
          }
          assertEquals(gateway, vertx.getOrCreateContext(), "completed on another context than the caller's");
          assertEquals(commands, here, "not asked again once each, in order");
          assertEquals(commands, old, "the dead node was asked again");
          assertEquals(0, local.replies().waiting(), "a ticket is still filed");
          ctx.completeNow();
        })));
      });
    });
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "the sends waited for their time limit");
  }

  @Test
  void aTicketedSendThatALiveChatLeavesUnansweredFailsAtItsTimeLimitAndIsNotSentAgain(Vertx vertx,
      VertxTestContext ctx) throws Exception {
    View view = new View("me", "old", "me");
    LocalChat local = new LocalChat();
    ChatLink link = new ChatLink(vertx, 300, view, local, local.replies());
    List<Object> reached = chatAt(vertx, Addresses.CHAT_COMMANDS, "old", null);
    // The sweep the chat verticle runs on every clustered node.
    long sweep = vertx.setPeriodic(50, t -> local.replies().expire(System.currentTimeMillis()));
    vertx.runOnContext(v -> link.request(Addresses.CHAT_COMMANDS, "send", false).onComplete(ctx.failing(e -> {
      vertx.cancelTimer(sweep);
      ctx.verify(() -> {
        // The chat may have stored it and be slow to say so: sending it again could store it twice.
        assertEquals(ReplyFailure.TIMEOUT, ((ReplyException) e).failureType());
        assertEquals(List.of("send"), reached, "sent again");
        ctx.completeNow();
      });
    })));
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
  }

  @Test
  void aRequestOverTheBusGivesUpWhenItsNodeLeavesAndOnlyThen(Vertx vertx, VertxTestContext ctx) throws Exception {
    // A third node: it forwards requests over the bus to whichever node runs the chat.
    View view = new View("me", "old", "other", "me");
    LocalChat local = new LocalChat();
    ChatLink link = new ChatLink(vertx, LIMIT_MS, view, null, local.replies());
    List<Object> publishes = chatAt(vertx, Addresses.PUBLISH, "old", null);
    List<Object> asked = chatAt(vertx, Addresses.ROOMS, "old", null);
    chatAt(vertx, Addresses.ROOMS, "other", "rooms from other");
    vertx.runOnContext(v -> {
      Future<Object> publish = link.request(Addresses.PUBLISH, "publish", false);
      Future<Object> rooms = link.request(Addresses.ROOMS, "rooms", true);
      vertx.setTimer(200, t -> {
        // A node that joins, or one that leaves but was not asked, changes nothing.
        view.nodes = List.of("old", "other", "me", "new");
        local.replies().lost(view.alive());
        view.nodes = List.of("old", "other", "new");
        local.replies().lost(view.alive());
        ctx.verify(() -> {
          assertEquals(List.of("publish"), publishes);
          assertEquals(List.of("rooms"), asked);
          assertEquals(2, local.replies().waiting(), "gave up while the node asked was alive");
        });
        vertx.setTimer(100, t2 -> {
          ctx.verify(() -> assertTrue(!publish.isComplete() && !rooms.isComplete(), "gave up too soon"));
          kill(view, local, "other", "new");
          Future.join(publish, rooms).onComplete(ar -> ctx.verify(() -> {
            assertInstanceOf(ReplyException.class, publish.cause());
            assertEquals(ReplyFailure.TIMEOUT, ((ReplyException) publish.cause()).failureType());
            assertEquals("rooms from other", rooms.result(), "the idempotent request was not asked again");
            assertEquals(List.of("publish"), publishes, "the dead node was asked again");
            assertEquals(List.of("rooms"), asked, "the dead node was asked again");
            assertEquals(0, local.replies().waiting(), "a request is still filed after its answer");
            ctx.completeNow();
          }));
        });
      });
    });
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "a request waited for its time limit");
  }

  @Test
  void onAThirdNodeARoomMessageWithoutAKeyGetsOneAndIsAskedAgainOfTheNextChat(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    ChatCodecs.registerAll(vertx.eventBus(), 1000);
    View view = new View("me", "old", "other", "me");
    LocalChat local = new LocalChat();
    ChatLink link = new ChatLink(vertx, LIMIT_MS, view, null, local.replies());
    List<Object> oldCommands = chatAt(vertx, Addresses.CHAT_COMMANDS, "old", null);
    List<Object> oldPublishes = chatAt(vertx, Addresses.PUBLISH, "old", null);
    // The next chat had stored each of them already (the old one copied them before dying).
    List<Object> commands = chatAt(vertx, Addresses.CHAT_COMMANDS, "other",
        Reply.ok(new JsonObject().put("seq", 7).put("duplicate", true)));
    List<Object> publishes = chatAt(vertx, Addresses.PUBLISH, "other", new JsonObject().put("seq", 8).put("duplicate", true));
    String text = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\"}";
    Command unkeyed = new Command("s1", new ClientFrame.Send("lobby", "hi", null, null), text);
    Command keyed = new Command("s1", new ClientFrame.Send("lobby", "hi", "k1", null), text);
    JsonObject publish = new JsonObject().put("room", "lobby").put("from", "bot").put("text", "hi");
    vertx.runOnContext(v -> {
      Future<Reply> a = link.request(Addresses.CHAT_COMMANDS, unkeyed, false);
      Future<Reply> b = link.request(Addresses.CHAT_COMMANDS, keyed, true);
      Future<JsonObject> c = link.request(Addresses.PUBLISH, publish, false);
      vertx.setTimer(200, t -> {
        ctx.verify(() -> {
          Command sent = (Command) oldCommands.get(0);
          String key = ((ClientFrame.Send) sent.frame()).key();
          assertTrue(key.matches("~[0-9a-f]{12}\\.[0-9a-z]+"), key);
          assertEquals(key, sent.serverKey());
          assertEquals(text, sent.text(), "the client's text changed");
          assertEquals(keyed, oldCommands.get(1), "a client's own key was replaced");
          String publishKey = ((JsonObject) oldPublishes.get(0)).getString("key");
          assertTrue(publishKey.startsWith("~") && !publishKey.equals(key), publishKey);
          assertEquals(null, publish.getValue("key"), "the caller's body changed");
        });
        kill(view, local, "other", "me");
        Future.all(a, b, c).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertEquals(oldCommands, commands, "not asked again with the same keys");
          assertEquals(oldPublishes, publishes, "not asked again with the same key");
          // Asked once by its sender: the repeat was the server's own, so the answer is a plain ack.
          assertEquals(new JsonObject().put("seq", 7), a.result().ack());
          assertEquals(new JsonObject().put("seq", 8), c.result());
          assertEquals(true, b.result().ack().getBoolean("duplicate"), "a client's own repeat must say so");
          ctx.completeNow();
        })));
      });
    });
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "a request waited for its time limit");
  }
}
