package io.roomcast.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.Arrays;

/**
 * A client frame whose fields are all plain values (strings, numbers, booleans, null), as almost
 * every frame is, read with the same Jackson parser as Vert.x's {@code Json.decodeValue} and kept in
 * two small arrays instead of a map: parsing was the largest allocation left per chat message.
 * Anything else (a nested object such as {@code data}, an array, bad JSON, trailing tokens) is
 * answered with null, and the caller parses the frame as a {@code JsonObject}, errors and all.
 */
final class FlatFrame implements FrameParser.Fields {
  private String[] names = new String[6];
  private Object[] values = new Object[6];
  private int size;

  private FlatFrame() {
  }

  /** The frame's fields, or null when it is not a flat JSON object. */
  static FlatFrame parse(String text) {
    try (JsonParser p = JacksonCodec.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      FlatFrame f = new FlatFrame();
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          return null;
        }
        String name = p.currentName();
        Object value;
        switch (p.nextToken()) {
          case VALUE_STRING -> value = p.getText();
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value = p.getNumberValue();
          case VALUE_TRUE -> value = Boolean.TRUE;
          case VALUE_FALSE -> value = Boolean.FALSE;
          case VALUE_NULL -> value = null;
          default -> {
            return null;
          }
        }
        f.add(name, value);
      }
      return p.nextToken() == null ? f : null;
    } catch (Exception e) {
      return null;
    }
  }

  private void add(String name, Object value) {
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    names[size] = name;
    values[size++] = value;
  }

  /** The field's value; as in a JSON object, the last of repeated names wins. */
  @Override
  public Object get(String name) {
    for (int i = size - 1; i >= 0; i--) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return null;
  }
}
