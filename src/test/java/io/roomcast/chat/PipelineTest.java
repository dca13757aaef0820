package io.roomcast.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the chat says waits for its writes, in order; a new follower can take its share out first. */
class PipelineTest {

  private static ReplicaUpdate.ToGateway frame(String text) {
    return new ReplicaUpdate.ToGateway("g", new ChatMessages.Targeted("s", EncodedFrame.of(new JsonObject().put("t", text))));
  }

  private static String text(ReplicaUpdate.Effect e) {
    return ((ReplicaUpdate.ToGateway) e).targeted().frame().toJson().getString("t");
  }

  @Test
  void effectsWaitForTheirOwnAndEarlierWritesAndKeepTheirOrder() {
    Pipeline p = new Pipeline();
    List<String> said = new ArrayList<>();
    Promise<Void> first = Promise.promise();
    Promise<Void> second = Promise.promise();
    p.batch(() -> {
      p.write(first.future());
      p.effect(() -> said.add("a"));
    });
    p.batch(() -> p.effect(() -> said.add("b"))); // no write of its own, but after "a"
    p.batch(() -> {
      p.write(second.future());
      p.effect(() -> said.add("c"));
    });
    second.complete();
    assertEquals(List.of(), said);
    first.complete();
    assertEquals(List.of("a", "b", "c"), said);
    assertEquals(0, p.waiting());
  }

  @Test
  void aNodesWaitingEffectsCanBeTakenOutInOrderAndTheRestStillRun() {
    Pipeline p = new Pipeline();
    List<String> sent = new ArrayList<>();
    Promise<Void> write = Promise.promise();
    p.batch(() -> {
      p.write(write.future());
      p.remote("n2", frame("one"), () -> sent.add("n2 one"));
      p.remote("n3", frame("other"), () -> sent.add("n3 other"));
    });
    p.batch(() -> p.remote("n2", frame("two"), () -> sent.add("n2 two")));

    assertEquals(List.of("one", "two"), p.takeRemote("n2").stream().map(PipelineTest::text).toList());
    assertEquals(List.of(), p.takeRemote("n2"));
    write.complete();
    assertEquals(List.of("n3 other"), sent, "taken effects are not sent again; the others still are");
  }
}
