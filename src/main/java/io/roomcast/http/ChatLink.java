package io.roomcast.http;

import io.roomcast.chat.Addresses;
import io.roomcast.chat.ChatMessages.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * A gateway's requests to the chat, which may run on another node. While the chat moves (its node
 * died or left and the next one is taking over) there is briefly nobody to answer: a request that
 * reached nobody is sent again until the time limit. One that may have been handled (it timed out)
 * is sent again only if doing it twice is harmless.
 */
final class ChatLink {
  private static final long RETRY_MS = 100;
  private final Vertx vertx;
  private final long timeoutMs;

  ChatLink(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** Sends a request; {@code idempotent} ones get twice the time limit and survive a timeout. */
  Future<Reply> request(Object body, boolean idempotent) {
    Promise<Reply> promise = Promise.promise();
    long deadline = System.currentTimeMillis() + (idempotent ? 2 * timeoutMs : timeoutMs);
    attempt(body, idempotent, deadline, promise);
    return promise.future();
  }

  private void attempt(Object body, boolean idempotent, long deadline, Promise<Reply> promise) {
    long left = deadline - System.currentTimeMillis();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(Math.max(RETRY_MS, Math.min(timeoutMs, left)));
    vertx.eventBus().<Reply>request(Addresses.CHAT_COMMANDS, body, options).onComplete(ar -> {
      if (ar.succeeded()) {
        promise.complete(ar.result().body());
        return;
      }
      boolean again = deadline - System.currentTimeMillis() > RETRY_MS && (idempotent || unanswered(ar.cause()));
      if (again) {
        vertx.setTimer(RETRY_MS, t -> attempt(body, idempotent, deadline, promise));
      } else {
        promise.fail(ar.cause());
      }
    });
  }

  /** True when the request certainly reached no chat (no handler, or the node was unreachable). */
  private static boolean unanswered(Throwable e) {
    if (e instanceof ReplyException r) {
      return r.failureType() == ReplyFailure.NO_HANDLERS
          || (r.failureType() != ReplyFailure.TIMEOUT && r.failureType() != ReplyFailure.RECIPIENT_FAILURE);
    }
    return true;
  }
}
