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
    long a = replies.open(caller, first, "n1", Long.MAX_VALUE, expired::incrementAndGet);
    long b = replies.open(caller, second, "n1", Long.MAX_VALUE, expired::incrementAndGet);
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
    long ticket = replies.open(caller, answer, "n1", now + 1000, () -> answer.tryFail("expired"));
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
  void aLostNodeExpiresOnlyWhatWentToItAndAWatchedRequestTakesNoTicketAnswer(Vertx vertx, VertxTestContext ctx) {
    StreamReplies replies = new StreamReplies();
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<Object> toDead = caller.promise();
    PromiseInternal<Object> toLive = caller.promise();
    long ticket = replies.open(caller, toDead, "dead", Long.MAX_VALUE, () -> toDead.tryFail("lost"));
    replies.open(caller, toLive, "live", Long.MAX_VALUE, () -> toLive.tryFail("lost"));
    AtomicInteger watchedLost = new AtomicInteger();
    long watched = replies.watch(caller, "dead", watchedLost::incrementAndGet);
    long answered = replies.watch(caller, "dead", watchedLost::incrementAndGet);
    replies.complete(watched, "a ticket answer with a watched request's number"); // ignored, no failure
    replies.forget(answered);
    assertEquals(3, replies.waiting());
    replies.lost(node -> node.equals("live"));
    assertEquals(1, replies.waiting(), "only the commands sent to the live node may still be answered");
    replies.complete(ticket, "late");
    toDead.future().onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertSame(caller, ContextInternal.current());
      assertEquals("lost", e.getMessage());
      // The give-ups were queued on the caller together: by the next task, all have run.
      caller.runOnContext(v -> ctx.verify(() -> {
        assertEquals(1, watchedLost.get(), "a forgotten request was given up, or a watched one was not");
        assertFalse(toLive.future().isComplete());
        ctx.completeNow();
      }));
    })));
  }
}
