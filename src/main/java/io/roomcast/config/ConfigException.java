package io.roomcast.config;

/** A configuration mistake, worded for the operator as one line that names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
