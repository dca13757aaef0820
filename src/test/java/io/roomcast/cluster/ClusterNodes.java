package io.roomcast.cluster;

import io.roomcast.Roomcast;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Clustered Roomcast nodes inside the test JVM, on loopback, in a cluster of their own (a unique
 * cluster name and free ports), each with its own Vert.x instance and Hazelcast member.
 */
final class ClusterNodes implements AutoCloseable {
  final List<Roomcast> nodes = new ArrayList<>();
  private final JsonObject config;

  ClusterNodes(int expected, String... settings) {
    config = TestServer.with(TestServer.baseConfig(), settings);
    JsonArray members = new JsonArray();
    int first = freePort();
    for (int i = 0; i < expected; i++) {
      members.add("127.0.0.1:" + (first + i));
    }
    config.getJsonObject("cluster").put("enabled", true).put("name", "test-" + UUID.randomUUID())
        .put("host", "127.0.0.1").put("port", first).put("members", members);
  }

  /** Starts one more node and waits until it is serving. */
  Roomcast start() {
    Roomcast node = await(Roomcast.start(RoomcastConfig.from(config.copy())), 30);
    nodes.add(node);
    return node;
  }

  int port(int i) {
    return nodes.get(i).port();
  }

  static <T> T await(Future<T> f, long seconds) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete within " + seconds + " s: " + e, e);
    }
  }

  private static int freePort() {
    // A base well away from Hazelcast's default 5701, so a cluster running on the machine is not joined.
    for (int p = 15701 + (int) (Math.random() * 2000); ; p += 7) {
      try (ServerSocket a = new ServerSocket(p); ServerSocket b = new ServerSocket(p + 1);
          ServerSocket c = new ServerSocket(p + 2)) {
        return p;
      } catch (IOException busy) {
        // try the next
      }
    }
  }

  @Override
  public void close() {
    for (Roomcast n : nodes) {
      try {
        await(n.vertx().close(), 20);
      } catch (AssertionError | RuntimeException ignored) {
        // already closed (crashed or left in the test)
      }
    }
  }
}
