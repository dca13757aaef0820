package io.roomcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomcast.support.RoomcastTestBase;
import io.roomcast.support.ServerConfig;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Scenarios of other test classes again, on a node with one HTTP verticle: there Vert.x writes HTTP
 * connections in strict thread mode (see {@code HttpVerticle}), which refuses any write from another
 * thread, so every WebSocket, SockJS (heartbeats, polls, session ends) and static-file path must
 * write on the verticle's event loop. (vertx-junit5 reads {@code @Timeout} from the test class itself,
 * so these run with its default of 30 s per test.)
 */
@ServerConfig("http.instances=1")
class OneEventLoopTest {

  /** The classes below take this class's setting: one HTTP verticle. */
  @Nested
  class Setting extends RoomcastTestBase {
    @Test
    void theNodeRunsOneHttpVerticle() {
      assertEquals(1, config.httpInstances());
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

  @Nested
  class StaticFiles extends StaticServingTest {
  }
}
