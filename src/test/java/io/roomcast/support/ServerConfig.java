package io.roomcast.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Settings for the node a test runs against, as {@code "dotted.key=json value"} entries on top of
 * {@link TestServer#baseConfig()}, e.g. {@code @ServerConfig("rooms.historySize=5")}.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
public @interface ServerConfig {
  String[] value();
}
