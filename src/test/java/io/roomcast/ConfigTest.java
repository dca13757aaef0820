package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roomcast.config.ConfigException;
import io.roomcast.config.ConfigLoader;
import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Config loading in process: the file over the defaults, the shipped file, and refusals worded per key. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ConfigTest {

  @TempDir
  Path dir;

  private Path write(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void shippedConfigFileHoldsEverySettingWithItsDefault() throws IOException {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf", "config.json")));
    assertEquals(ConfigLoader.defaults(), shipped, "conf/config.json must equal src/main/resources/roomcast-defaults.json");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    RoomcastConfig d = RoomcastConfig.defaults();
    assertEquals("0.0.0.0", d.http().host());
    assertEquals(8080, d.http().port());
    assertEquals("/ws", d.http().wsPath());
    assertEquals(65536, d.limits().maxFrameBytes());
    assertEquals(4096, d.limits().maxTextLength());
    assertEquals(100, d.limits().maxRoomsPerConnection());
    assertEquals(25_000, d.heartbeat().intervalMs());
    assertEquals(60_000, d.heartbeat().idleTimeoutMs());
    assertEquals(100, d.rooms().historySize());
    assertEquals(10_000, d.rooms().maxIdleRooms());
    assertTrue(d.bots().echo());
    assertEquals(4000, d.cluster().lingerMicros());
  }

  @Test
  void fileValuesOverrideTheDefaultsAndTheRestStay(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path file = write("{\"http\":{\"port\":9999,\"host\":\"127.0.0.1\"},\"rooms\":{\"historySize\":7},\"bots\":{\"echo\":false}}");
    ConfigLoader.load(vertx, file.toString()).onComplete(ctx.succeeding(c -> ctx.verify(() -> {
      assertEquals(9999, c.http().port());
      assertEquals("127.0.0.1", c.http().host());
      assertEquals(7, c.rooms().historySize());
      assertFalse(c.bots().echo());
      RoomcastConfig d = RoomcastConfig.defaults();
      assertEquals(d.limits(), c.limits());
      assertEquals(d.heartbeat(), c.heartbeat());
      assertEquals(d.http().wsPath(), c.http().wsPath());
      ctx.completeNow();
    })));
  }

  @Test
  void withoutANamedFileConfJsonOrTheDefaultsApply(Vertx vertx, VertxTestContext ctx) {
    assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("ROOMCAST_")), "ROOMCAST_* set in this environment");
    ConfigLoader.load(vertx, null).onComplete(ctx.succeeding(c -> ctx.verify(() -> {
      assertEquals(RoomcastConfig.defaults(), c);
      ctx.completeNow();
    })));
  }

  @Test
  void everySettingHasAnEnvironmentVariable() {
    var keys = ConfigLoader.environmentKeys();
    assertEquals("http.port", keys.get("ROOMCAST_HTTP_PORT"));
    assertEquals("http.host", keys.get("ROOMCAST_HTTP_HOST"));
    assertEquals("limits.maxTextLength", keys.get("ROOMCAST_LIMITS_MAX_TEXT_LENGTH"));
    assertEquals("heartbeat.idleTimeoutMs", keys.get("ROOMCAST_HEARTBEAT_IDLE_TIMEOUT_MS"));
    assertEquals("bots.echo", keys.get("ROOMCAST_BOTS_ECHO"));
    assertEquals(leafCount(ConfigLoader.defaults()), keys.size(), "one variable per setting: " + keys);
  }

  private static int leafCount(JsonObject o) {
    int n = 0;
    for (String k : o.fieldNames()) {
      n += o.getValue(k) instanceof JsonObject child ? leafCount(child) : 1;
    }
    return n;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "string for a number    | {\"http\":{\"port\":\"80\"}}             | http.port",
      "fraction for a number  | {\"limits\":{\"maxTextLength\":1.5}}     | limits.maxTextLength",
      "number for a boolean   | {\"bots\":{\"echo\":1}}                   | bots.echo",
      "number for a string    | {\"http\":{\"host\":80}}                  | http.host",
      "value for a section    | {\"heartbeat\":25000}                     | heartbeat",
      "port below range       | {\"http\":{\"port\":-1}}                  | http.port",
      "port above range       | {\"http\":{\"port\":65536}}               | http.port",
      "history below range    | {\"rooms\":{\"historySize\":-5}}          | rooms.historySize",
      "linger above range     | {\"cluster\":{\"lingerMicros\":200000}}  | cluster.lingerMicros",
      "unknown transport      | {\"http\":{\"transport\":\"kqueue\"}}    | http.transport",
      "unknown key            | {\"http\":{\"hots\":\"x\"}}               | http.hots",
      "unknown section        | {\"database\":{}}                         | database",
      "unknown top-level key  | {\"port\":8080}                           | port",
      "invalid JSON           | {\"http\":                                | config.json",
  })
  void badFileIsRefusedWithOneLineNamingTheKey(String name, String json, String key, Vertx vertx, VertxTestContext ctx)
      throws IOException {
    Path file = write(json);
    ConfigLoader.load(vertx, file.toString()).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertInstanceOf(ConfigException.class, e);
      assertTrue(e.getMessage().contains(key), () -> "should name " + key + ": " + e.getMessage());
      assertFalse(e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
      ctx.completeNow();
    })));
  }
}
