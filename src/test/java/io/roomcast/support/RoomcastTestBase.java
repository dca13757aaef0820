package io.roomcast.support;

import io.roomcast.Roomcast;
import io.roomcast.cluster.Cluster;
import io.roomcast.config.RoomcastConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys a fresh node for every test on the test's own Vert.x instance (configured by
 * {@link ServerConfig} on the enclosing classes, the class and then the method), and keeps every client it opens so that
 * none is garbage-collected mid-test and all are closed afterwards. Subclasses carry their own
 * {@code @Timeout}: vertx-junit5 reads it from the test class itself, not from superclasses.
 */
@ExtendWith(VertxExtension.class)
public abstract class RoomcastTestBase {
  protected Vertx vertx;
  protected Roomcast node;
  /** The node's own Vert.x instance. */
  private Vertx ownVertx;
  protected RoomcastConfig config;
  private final List<ChatClient> clients = new CopyOnWriteArrayList<>();

  @BeforeEach
  void deployNode(Vertx vertx, VertxTestContext ctx, TestInfo info) {
    this.vertx = vertx;
    JsonObject json = TestServer.baseConfig();
    info.getTestClass().ifPresent(c -> applyClassAnnotations(json, c));
    info.getTestMethod().ifPresent(m -> applyAnnotation(json, m));
    config = RoomcastConfig.from(json);
    // The node runs on a Vert.x instance of its own, built as Main builds it (event loops and
    // transport from the config); the test's clients run on the test's instance.
    Cluster.vertx(config).onSuccess(v -> ownVertx = v).compose(v -> Roomcast.deploy(v, config))
        .onComplete(ctx.succeeding(n -> {
          node = n;
          ctx.completeNow();
        }));
  }

  /**
   * Closes every client, one after the other: a SockJS client closes by cutting its pending poll, and
   * one closing at the same moment as another member would have that poll answered (with the other's
   * {@code left}) just as it is cut, leaving its session to end by the session timeout instead.
   */
  @AfterEach
  void closeClients(VertxTestContext ctx) {
    Future<Void> f = Future.succeededFuture();
    for (ChatClient c : clients) {
      f = f.eventually(c::close);
    }
    Vertx own = ownVertx;
    ownVertx = null;
    f.eventually(() -> own == null ? Future.succeededFuture() : own.close()).onComplete(ar -> ctx.completeNow());
  }

  /**
   * A nested test class gets its enclosing classes' settings first, then those of the classes it
   * extends (so that a scenario class rerun as a nested subclass keeps its own), then its own.
   */
  private static void applyClassAnnotations(JsonObject json, Class<?> c) {
    if (c.getEnclosingClass() != null) {
      applyClassAnnotations(json, c.getEnclosingClass());
    }
    applyWithSuperclasses(json, c);
  }

  private static void applyWithSuperclasses(JsonObject json, Class<?> c) {
    if (c.getSuperclass() != null) {
      applyWithSuperclasses(json, c.getSuperclass());
    }
    applyAnnotation(json, c);
  }

  private static void applyAnnotation(JsonObject json, AnnotatedElement e) {
    ServerConfig sc = e.getAnnotation(ServerConfig.class);
    if (sc != null) {
      TestServer.with(json, sc.value());
    }
  }

  protected int port() {
    return node.port();
  }

  /** Connects a client and waits for its welcome. */
  protected Future<ChatClient> connect(Transport t) {
    return connect(t, null);
  }

  /** Connects asking for {@code nick} up front ({@code ?nick=}). */
  protected Future<ChatClient> connect(Transport t, String nick) {
    return t.connect(vertx, port(), nick).onSuccess(clients::add);
  }

  /** Connects {@code n} clients one after the other. */
  protected Future<List<ChatClient>> connect(Transport t, int n) {
    List<ChatClient> out = new ArrayList<>();
    Future<Void> f = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      f = f.compose(v -> connect(t).map(c -> {
        out.add(c);
        return null;
      }));
    }
    return f.map(v -> out);
  }

  /**
   * Connects {@code n} clients that join {@code room} one after the other, and waits until every
   * member has seen the {@code joined} of every later one, so the room is settled.
   */
  protected Future<List<ChatClient>> inRoom(Transport t, String room, int n) {
    return connect(t, n).compose(cs -> {
      Future<Void> f = Future.succeededFuture();
      for (ChatClient c : cs) {
        f = f.compose(v -> c.join(room).mapEmpty());
      }
      return f.compose(v -> {
        List<Future<?>> seen = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
          for (int j = i + 1; j < cs.size(); j++) {
            seen.add(cs.get(i).await(Match.type("joined").and(Match.field("room", room))
                .and(Match.field("nick", cs.get(j).welcomeNick()))));
          }
        }
        return Future.all(seen);
      }).map(v -> cs);
    });
  }
}
