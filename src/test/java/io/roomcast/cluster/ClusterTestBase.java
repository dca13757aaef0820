package io.roomcast.cluster;

import static io.roomcast.cluster.ClusterNodes.await;

import io.roomcast.Roomcast;
import io.roomcast.support.ChatClient;
import io.roomcast.support.Match;
import io.roomcast.support.Transport;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three clustered nodes in the test JVM, started once for a test class whose tests run in order
 * and share them, and clients of any node, closed after each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
abstract class ClusterTestBase {
  /** Longer than noticing a dead node takes, by far: frames must not wait for it after a crash. */
  static final long REQUEST_TIMEOUT_MS = 10_000;
  ClusterNodes cluster;
  /** The clients' own Vert.x instance. */
  Vertx clients;
  /** Clients closed after each test. */
  final List<ChatClient> open = new ArrayList<>();

  @BeforeAll
  void startCluster() {
    cluster = new ClusterNodes(3, "http.instances=2", "cluster.requestTimeoutMs=" + REQUEST_TIMEOUT_MS,
        "limits.ratePerSecond=1000", "limits.rateBurst=1000", "rooms.historySize=1000");
    for (int i = 0; i < 3; i++) {
      cluster.start();
    }
    clients = Vertx.vertx();
  }

  @AfterEach
  void closeClients() {
    for (ChatClient c : open) {
      try {
        await(c.close(), 5);
      } catch (AssertionError ignored) {
        // its node is gone
      }
    }
    open.clear();
  }

  @AfterAll
  void stopCluster() {
    cluster.close();
    await(clients.close(), 10);
  }

  ChatClient connect(int node, Transport t, String nick) {
    ChatClient c = await(t.connect(clients, cluster.port(node), nick), 10);
    open.add(c);
    return c;
  }

  static Match joinedBy(String room, String nick) {
    return Match.type("joined").and(Match.field("room", room)).and(Match.field("nick", nick));
  }

  /** Retries {@code op} every 100 ms until it succeeds or {@code ms} pass. */
  <T> io.vertx.core.Future<T> retry(java.util.function.Supplier<io.vertx.core.Future<T>> op, long ms) {
    long deadline = System.currentTimeMillis() + ms;
    while (true) {
      try {
        return io.vertx.core.Future.succeededFuture(await(op.get(), 5));
      } catch (AssertionError e) {
        if (System.currentTimeMillis() > deadline) {
          return io.vertx.core.Future.failedFuture(e);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  Roomcast node(int i) {
    return cluster.nodes.get(i);
  }
}
