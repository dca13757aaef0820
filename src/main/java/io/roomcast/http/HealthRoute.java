package io.roomcast.http;

import io.roomcast.chat.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health}: {@code {"status":"UP"|"DOWN","connections","rooms","uptimeMs","refusals":{code:n},
 * "checks":[…]}}, HTTP 200 when up and 503 when down. The status comes from Vert.x health procedures
 * (today: the chat verticle answers within a second).
 */
final class HealthRoute {
  private final HealthChecks checks;
  private final NodeServices node;

  HealthRoute(Vertx vertx, NodeServices node) {
    this.node = node;
    this.checks = HealthChecks.create(vertx).register("chat", 1000, promise ->
        vertx.eventBus().<JsonObject>request(Addresses.STATS, null, new DeliveryOptions().setSendTimeout(1000))
            .onSuccess(reply -> promise.complete(Status.OK(reply.body())))
            .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
  }

  void handle(RoutingContext ctx) {
    checks.checkStatus().onComplete(ar -> {
      boolean up = ar.succeeded() && Boolean.TRUE.equals(ar.result().getUp());
      JsonObject chat = ar.succeeded() && !ar.result().getChecks().isEmpty()
          ? ar.result().getChecks().get(0).getData() : null;
      JsonObject body = new JsonObject()
          .put("status", up ? "UP" : "DOWN")
          .put("connections", node.guard().connections())
          .put("rooms", chat == null ? null : chat.getInteger("rooms"))
          .put("uptimeMs", System.currentTimeMillis() - node.startedAt())
          .put("refusals", node.refusals().toJson())
          .put("checks", ar.succeeded() ? ar.result().toJson().getJsonArray("checks") : null);
      ctx.response().setStatusCode(up ? 200 : 503)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(body.encode());
    });
  }
}
