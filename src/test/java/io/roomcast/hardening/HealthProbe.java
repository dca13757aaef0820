package io.roomcast.hardening;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/** Reads {@code GET /health} the way an operator's probe would, over one kept-alive HTTP connection. */
public final class HealthProbe implements AutoCloseable {
  private final HttpClient client;
  private final Context context;
  private final int port;

  public HealthProbe(Vertx vertx, int port) {
    // Requests run on one event-loop context: called from the test thread, the client would pick a
    // new context each time and the response body could be read after it was already gone.
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient();
    this.port = port;
  }

  /** The /health body; fails unless it is HTTP 200 with a JSON object. */
  public JsonObject get() {
    Promise<JsonObject> result = Promise.promise();
    context.runOnContext(v -> client.request(HttpMethod.GET, port, "127.0.0.1", "/health")
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> {
          if (resp.statusCode() != 200) {
            throw new AssertionError("/health answered " + resp.statusCode() + ": " + body);
          }
          try {
            return new JsonObject(body);
          } catch (RuntimeException e) {
            throw new AssertionError("/health answered " + resp.statusCode() + " " + resp.headers().entries()
                + " with a body that is not a JSON object: '" + body + "'");
          }
        }))
        .onComplete(result));
    return Waits.await(result.future(), 5_000);
  }

  /** The count of one refusal code (0 when absent). */
  public long refusals(String code) {
    return refusals(get(), code);
  }

  public static long refusals(JsonObject health, String code) {
    JsonObject r = health.getJsonObject("refusals");
    Long n = r == null ? null : r.getLong(code);
    return n == null ? 0 : n;
  }

  public int connections() {
    return get().getInteger("connections");
  }

  /** The chat's open sessions, from the first health check's data. */
  public static int chatSessions(JsonObject health) {
    return health.getJsonArray("checks").getJsonObject(0).getJsonObject("data").getInteger("sessions");
  }

  @Override
  public void close() {
    client.close();
  }
}
