package io.roomcast;

import static io.roomcast.support.Transport.WS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roomcast.cluster.Cluster;
import io.roomcast.config.RoomcastConfig;
import io.roomcast.hardening.LogCapture;
import io.roomcast.hardening.SlowConsumerTest;
import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import io.roomcast.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The node's network transport ({@code http.transport}). Every other test runs its node on the
 * default ({@code auto}: io_uring where the kernel allows it); the scenarios here run again on epoll,
 * which writes a broadcast's lone frame straight to the socket, and on NIO, the transport of last
 * resort.
 */
class TransportTest {

  private static String transportOf(String setting) throws Exception {
    RoomcastConfig config = RoomcastConfig.from(
        TestServer.with(TestServer.baseConfig(), "http.transport=\"" + setting + "\""));
    Vertx v = Cluster.vertx(config).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    try {
      return Cluster.transportName(v);
    } finally {
      v.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  @Nested
  class Setting extends RoomcastTestBase {
    private static final int CROWD = 400;

    @Test
    void theDefaultNodeRunsOnIoUringWhereTheKernelAllowsIt() {
      assumeTrue(Transport.IO_URING.available(), "io_uring is not allowed here");
      assertEquals("auto", config.http().transport());
      assertEquals("io_uring", Cluster.transportName(node.vertx()));
    }

    /**
     * Hundreds of joins into one room at once: each is a {@code joined} frame to every member. With
     * Netty's default rings (128 submissions) this overflowed the kernel's completion queue, and
     * Netty logged a warning for every overflow.
     */
    @Test
    @ServerConfig({"limits.maxConnectionsPerIp=1000", "limits.maxConnections=1000"})
    void aCrowdJoiningOneRoomAtOnceOverflowsNoRing(VertxTestContext ctx) {
      assumeTrue(Transport.IO_URING.available(), "io_uring is not allowed here");
      LogCapture log = new LogCapture();
      connect(WS, CROWD)
          .compose(cs -> Future.all(cs.stream().map(c -> c.join("crowd")).toList()))
          .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            log.close();
            assertEquals(CROWD, all.size(), "every join acknowledged");
            List<String> overflows = log.records().stream().map(LogRecord::getMessage)
                .filter(m -> m != null && m.contains("overflow")).toList();
            assertTrue(overflows.isEmpty(), () -> overflows.size() + " overflow warnings: " + overflows.get(0));
            ctx.completeNow();
          })));
    }

    @Test
    void eachTransportCanBeChosen() throws Exception {
      assertEquals("nio", transportOf("nio"));
      if (Transport.EPOLL.available()) {
        assertEquals("epoll", transportOf("epoll"));
      }
      if (Transport.IO_URING.available()) {
        assertEquals("io_uring", transportOf("io_uring"));
      }
    }
  }

  @Nested
  @ServerConfig("http.transport=\"epoll\"")
  class OnEpoll {
    @Nested
    class Node extends RoomcastTestBase {
      @Test
      void runsOnEpoll() {
        assertEquals("epoll", Cluster.transportName(node.vertx()));
      }
    }

    @Nested
    class Messaging extends MessagingTest {
    }

    @Nested
    class WebSocket extends WebSocketTransportTest {
    }

    @Nested
    class SlowConsumers extends SlowConsumerTest {
    }
  }

  @Nested
  @ServerConfig("http.transport=\"nio\"")
  class OnNio {
    @Nested
    class Node extends RoomcastTestBase {
      @Test
      void runsOnNio() {
        assertEquals("nio", Cluster.transportName(node.vertx()));
      }
    }

    @Nested
    class Messaging extends MessagingTest {
    }

    @Nested
    class WebSocket extends WebSocketTransportTest {
    }
  }
}
