package io.roomcast.support;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.function.Predicate;

/** Frame predicates that describe themselves, so a timeout says what was being waited for. */
public final class Match implements Predicate<JsonObject> {
  private final String description;
  private final Predicate<JsonObject> test;

  private Match(String description, Predicate<JsonObject> test) {
    this.description = description;
    this.test = test;
  }

  public static Match where(String description, Predicate<JsonObject> test) {
    return new Match(description, test);
  }

  /** Frames of this {@code type}. */
  public static Match type(String type) {
    return new Match("type=" + type, f -> type.equals(f.getString("type")));
  }

  /** Frames whose {@code field} equals {@code value} (numbers compare by value). */
  public static Match field(String field, Object value) {
    return new Match(field + "=" + value, f -> equal(f.getValue(field), value));
  }

  /** Any frame at all. */
  public static Match any() {
    return new Match("any frame", f -> true);
  }

  /** A {@code message} frame of {@code room}. */
  public static Match message(String room) {
    return type("message").and(field("room", room));
  }

  /** A {@code message} frame of {@code room} with this text. */
  public static Match message(String room, String text) {
    return message(room).and(field("text", text));
  }

  /** An {@code error} frame with this code. */
  public static Match error(String code) {
    return type("error").and(field("code", code));
  }

  @Override
  public Match and(Predicate<? super JsonObject> other) {
    return new Match(description + " and " + other, f -> test.test(f) && other.test(f));
  }

  @Override
  public Match or(Predicate<? super JsonObject> other) {
    return new Match("(" + description + ") or (" + other + ")", f -> test.test(f) || other.test(f));
  }

  @Override
  public boolean test(JsonObject frame) {
    return test.test(frame);
  }

  @Override
  public String toString() {
    return description;
  }

  static boolean equal(Object actual, Object expected) {
    if (actual instanceof Number a && expected instanceof Number e) {
      return a.doubleValue() == e.doubleValue();
    }
    return Objects.equals(actual, expected);
  }
}
