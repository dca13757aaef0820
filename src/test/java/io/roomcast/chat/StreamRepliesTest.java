package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A ticketed command gets its answer once, on its caller's context, or expires at its deadline or
 * when the node it went to is lost, whichever comes first.
 */
@ExtendWith(VertxExtension.class)
class StreamRepliesTest {

  @Test
  void anAnswerCompletesItsTicketOnTheCallersContextOnce(Vertx vertx, VertxTestContext ctx) {
    StreamReplies replies = new StreamReplies();
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<Object> first = caller.promise();
    PromiseInternal<Object> second = caller.promise();
    AtomicInteger expired = new AtomicInteger();
    long a = replies.open(caller, first, "n1", Long.MAX_VALUE, expired::incrementAndGet, expired::incrementAndGet);
    long b = replies.open(caller, second, "n1", Long.MAX_VALUE, expired::incrementAndGet, expired::incrementAndGet);
    assertNotEquals(a, b);
    Object answer = "answer to b";
    replies.complete(b, answer);
    replies.complete(b, "again"); // a second answer for the same ticket is dropped
    second.future().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertSame(caller, ContextInternal.current());
      assertSame(answer, v);
      assertFalse(first.future().isComplete(), "another ticket's answer completed this one");
      replies.expire(System.currentTimeMillis());
      assertEquals(1, replies.waiting());
      assertEquals(0, expired.get());
      ctx.completeNow();
    })));
  }

  @Test
  void anUnansweredTicketExpiresAtItsDeadlineAndALateAnswerIsDropped(Vertx vertx, VertxTestContext ctx) {
    StreamReplies replies = new StreamReplies();
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<Object> answer = caller.promise();
    long now = System.currentTimeMillis();
    long ticket = replies.open(caller, answer, "n1", now + 1000, () -> answer.tryFail("expired"), () -> answer.tryFail("lost"));
    replies.expire(now + 999);
    assertEquals(1, replies.waiting(), "expired before its deadline");
    replies.expire(now + 1001);
    assertEquals(0, replies.waiting());
    replies.complete(ticket, "late");
    answer.future().onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertEquals("expired", e.getMessage());
      ctx.completeNow();
    })));
  }

  @Test
  void aLostNodeGivesUpWhatWentToItInTheOrderSentAndAWatchedRequestTakesNoTicketAnswer(Vertx vertx,
      VertxTestContext ctx) {
    StreamReplies replies = new StreamReplies();
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    List<String> given = new CopyOnWriteArrayList<>();
    PromiseInternal<Object> toLive = caller.promise();
    List<Long> tickets = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String name = "t" + i;
      tickets.add(replies.open(caller, caller.promise(), "dead", Long.MAX_VALUE, () -> given.add("expired " + name),
          () -> given.add(name)));
      if (i == 20) {
        replies.open(caller, toLive, "live", Long.MAX_VALUE, () -> toLive.tryFail("expired"),
            () -> toLive.tryFail("lost"));
      }
    }
    long watched = replies.watch(caller, "dead", () -> given.add("watched"));
    long answered = replies.watch(caller, "dead", () -> given.add("answered"));
    replies.complete(watched, "a ticket answer with a watched request's number"); // ignored, no failure
    replies.forget(answered);
    assertEquals(42, replies.waiting());
    replies.lost(node -> node.equals("live"));
    assertEquals(1, replies.waiting(), "only the command sent to the live node may still be answered");
    replies.complete(tickets.get(0), "late");
    // The give-ups were queued on the caller: by the next task, all have run.
    caller.runOnContext(v -> ctx.verify(() -> {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        expected.add("t" + i);
      }
      expected.add("watched");
      assertEquals(expected, given, "not given up once each, in the order sent, as lost (not expired)");
      assertFalse(toLive.future().isComplete());
      ctx.completeNow();
    }));
  }
}
