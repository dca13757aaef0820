package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.roomcast.cluster.Cluster;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A node as it runs on one CPU core: one event loop ({@code http.eventLoops}, which defaults to one
 * per core), shared by the chat verticle and the one HTTP verticle. Scenarios of other test classes
 * run again on such a node: every hop between the chat and the sockets is then a task on the same
 * thread, and nothing may wait for another thread that is not there.
 */
@ServerConfig({"http.instances=1", "http.eventLoops=1"})
class OneCoreNodeTest {

  /** Where a new verticle's start runs on the node's Vert.x instance. */
  private static Future<Thread> startThread(Vertx vertx) {
    List<Thread> seen = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        seen.add(Thread.currentThread());
        return Future.succeededFuture();
      }
    }).map(id -> seen.get(0));
  }

  @Nested
  class Setting extends RoomcastTestBase {
    @Test
    void everyVerticleOfTheNodeRunsOnTheSameEventLoop() throws Exception {
      Vertx nodeVertx = node.vertx();
      Thread a = startThread(nodeVertx).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      Thread b = startThread(nodeVertx).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertEquals(a, b, "two verticles deployed on a one-loop node ran on different threads");
    }

    @Test
    void theDefaultIsOneLoopPerCoreAndSeveralLoopsUseSeveralThreads() throws Exception {
      RoomcastConfig defaults = RoomcastConfig.from(TestServer.baseConfig());
      assertEquals(Runtime.getRuntime().availableProcessors(), defaults.eventLoops());
      RoomcastConfig two = RoomcastConfig.from(TestServer.with(TestServer.baseConfig(), "http.eventLoops=2"));
      Vertx v = Cluster.vertx(two).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      try {
        Thread a = startThread(v).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        Thread b = startThread(v).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertNotEquals(a, b, "with two loops, consecutive deployments take turns");
      } finally {
        v.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
    }
  }

  @Nested
  class Messaging extends MessagingTest {
  }

  @Nested
  class SockJs extends SockJsTransportTest {
  }

  @Nested
  class WebSocket extends WebSocketTransportTest {
  }

  @Nested
  class MixedTransports extends MixedTransportTest {
  }
}
