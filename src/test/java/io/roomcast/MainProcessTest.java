package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.roomcast.support.ChatClient;
import io.roomcast.support.RoomcastProcess;
import io.roomcast.support.Transport;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line as an operator meets it, in a child JVM: a bad config or a busy port stops it with
 * one line on stderr naming the culprit and exit code 1; environment variables override the file.
 */
@ExtendWith(VertxExtension.class)
class MainProcessTest {
  private static final Duration EXIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  /** Exit code 1 and exactly one stderr line, "roomcast: …", naming every {@code names}, without a stack trace. */
  private static void assertOneLineFailure(RoomcastProcess p, String... names) throws InterruptedException {
    int exit = p.awaitExit(EXIT);
    List<String> err = p.stderrLines();
    String all = String.join("\n", err) + "\n" + String.join("\n", p.stdoutLines());
    assertEquals(1, exit, () -> "exit code; output:\n" + all);
    assertEquals(1, err.size(), () -> "exactly one stderr line, got:\n" + all);
    String line = err.get(0);
    assertTrue(line.startsWith("roomcast: "), line);
    for (String name : names) {
      assertTrue(line.contains(name), () -> "'" + name + "' should be named in: " + line);
    }
    assertFalse(all.contains("\tat ") || all.contains("Exception"), () -> "no stack trace or exception name:\n" + all);
  }

  static Stream<Arguments> badConfigs() {
    String ok = "{\"http\":{\"host\":\"127.0.0.1\",\"port\":0}}";
    return Stream.of(
        Arguments.of("invalid JSON", "{\"http\": {\"port\": 8080,", Map.of(), "bad.json"),
        Arguments.of("JSON that is not an object", "[8080]", Map.of(), "bad.json"),
        Arguments.of("wrong type", "{\"http\":{\"port\":\"8080\"}}", Map.of(), "http.port"),
        Arguments.of("wrong type of a section", "{\"limits\":5}", Map.of(), "limits"),
        Arguments.of("port out of range", "{\"http\":{\"port\":70000}}", Map.of(), "http.port"),
        Arguments.of("unknown key", "{\"http\":{\"prot\":8080}}", Map.of(), "http.prot"),
        Arguments.of("environment variable of the wrong type", ok, Map.of("ROOMCAST_HTTP_PORT", "eighty"), "ROOMCAST_HTTP_PORT"),
        Arguments.of("environment variable out of range", ok, Map.of("ROOMCAST_HTTP_PORT", "99999"), "http.port"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void badConfigStopsWithOneLineNamingTheKey(String name, String json, Map<String, String> env, String key) throws Exception {
    Path file = write("bad.json", json);
    try (RoomcastProcess p = RoomcastProcess.start(dir, env, "-conf", file.toString())) {
      assertOneLineFailure(p, key);
    }
  }

  @Test
  void missingNamedConfigFile() throws Exception {
    Path missing = dir.resolve("nope.json");
    try (RoomcastProcess p = RoomcastProcess.start(dir, Map.of(), "-conf", missing.toString())) {
      assertOneLineFailure(p, missing.toString());
    }
  }

  @Test
  void unreadableConfigFile() throws Exception {
    // A directory cannot be read as a file, even by root.
    Path notAFile = Files.createDirectory(dir.resolve("conf.json"));
    try (RoomcastProcess p = RoomcastProcess.start(dir, Map.of(), "-conf", notAFile.toString())) {
      assertOneLineFailure(p, notAFile.toString());
    }
  }

  @Test
  void configFileWithoutReadPermission() throws Exception {
    Path secret = write("secret.json", "{}");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(secret), "running as root: a mode-000 file is still readable");
    try (RoomcastProcess p = RoomcastProcess.start(dir, Map.of(), "-conf", secret.toString())) {
      assertOneLineFailure(p, secret.toString());
    }
  }

  @Test
  void busyPortStopsWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Path file = write("config.json", "{}");
      Map<String, String> env = Map.of("ROOMCAST_HTTP_HOST", "127.0.0.1", "ROOMCAST_HTTP_PORT", String.valueOf(port));
      try (RoomcastProcess p = RoomcastProcess.start(dir, env, "-conf", file.toString())) {
        assertOneLineFailure(p, "127.0.0.1:" + port, "in use");
      }
    }
  }

  @Test
  void environmentOverridesTheFileAndTheServerListens(Vertx vertx) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    // The file sets a port the environment overrides, and a heartbeat nothing overrides.
    Path file = write("config.json", "{\"http\":{\"port\":1},\"heartbeat\":{\"intervalMs\":4321}}");
    Map<String, String> env = Map.of("ROOMCAST_HTTP_PORT", String.valueOf(port), "ROOMCAST_HTTP_HOST", "127.0.0.1");
    try (RoomcastProcess p = RoomcastProcess.start(dir, env, "-conf", file.toString())) {
      String line = p.awaitStderrLine(l -> l.contains("listening on"), Duration.ofSeconds(20));
      assertTrue(line.contains("http://127.0.0.1:" + port + "/"), line);
      // The packaged server speaks every transport.
      for (Transport t : Transport.values()) {
        String nick = "operator-" + t.name().toLowerCase(java.util.Locale.ROOT);
        ChatClient c = t.connect(vertx, port, nick).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        try {
          assertEquals(nick, c.welcomeNick());
          assertEquals(4321, c.welcome().getInteger("heartbeatMs"), "the file's heartbeat is used");
          c.ping().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
          assertTrue(p.isAlive());
        } finally {
          c.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
      }
    }
  }
}
