package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomcast.support.RoomcastTestBase;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The web UI and the HTTP side of /ws. */
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class StaticServingTest extends RoomcastTestBase {
  /** Held in a field: Vert.x 5 closes unreferenced clients on GC. */
  private HttpClient http;

  @BeforeEach
  void client() {
    http = vertx.createHttpClient();
  }

  private Future<HttpClientResponse> get(String uri) {
    return http.request(HttpMethod.GET, port(), "127.0.0.1", uri).compose(req -> req.send());
  }

  @Test
  void rootServesTheWebUi(VertxTestContext ctx) throws IOException {
    String index = Files.readString(Path.of("webroot", "index.html"));
    get("/").compose(resp -> resp.body().map(body -> {
      ctx.verify(() -> {
        assertEquals(200, resp.statusCode());
        assertTrue(resp.getHeader("Content-Type").startsWith("text/html"), resp.getHeader("Content-Type"));
        assertEquals(index, body.toString(), "GET / serves webroot/index.html");
      });
      return null;
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void missingFileIs404(VertxTestContext ctx) {
    get("/no-such-file.js").onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(404, resp.statusCode());
      ctx.completeNow();
    })));
  }

  @Test
  void pathTraversalDoesNotEscapeTheWebroot(VertxTestContext ctx) {
    get("/../pom.xml").compose(resp -> resp.body().map(body -> {
      ctx.verify(() -> {
        assertEquals(404, resp.statusCode(), () -> "served: " + body);
      });
      return null;
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void wsPathWithoutAnUpgradeIs400(VertxTestContext ctx) {
    get("/ws").onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(400, resp.statusCode());
      ctx.completeNow();
    })));
  }
}
