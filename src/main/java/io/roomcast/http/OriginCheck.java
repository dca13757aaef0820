package io.roomcast.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Refuses cross-site WebSocket and SockJS connections (cross-site WebSocket hijacking): a request with
 * an {@code Origin} header is let through only when the origin is the page's own host, or is listed in
 * {@code http.allowedOrigins}, or that list holds {@code "*"}. Requests without Origin (programs, not
 * browsers) pass. A refused request gets HTTP 403.
 */
final class OriginCheck {
  private final List<String> allowed;
  private final boolean any;

  OriginCheck(List<String> allowedOrigins) {
    this.allowed = allowedOrigins.stream().map(OriginCheck::normalise).toList();
    this.any = allowedOrigins.contains("*");
  }

  void handle(RoutingContext ctx) {
    if (allows(ctx.request())) {
      ctx.next();
    } else {
      ctx.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("origin not allowed\n");
    }
  }

  boolean allows(HttpServerRequest req) {
    return allows(req.getHeader(HttpHeaders.ORIGIN), req.getHeader(HttpHeaders.HOST));
  }

  /** {@code origin} and {@code host} are the request's headers of those names (null when absent). */
  boolean allows(String origin, String host) {
    if (origin == null || any) {
      return true;
    }
    String o = normalise(origin);
    if (allowed.contains(o)) {
      return true;
    }
    return host != null && authority(o).equals(stripDefaultPort(host.toLowerCase(Locale.ROOT), scheme(o)));
  }

  /** {@code scheme://host[:port]} in lower case, without a default port or trailing slash. */
  private static String normalise(String origin) {
    String o = origin.trim().toLowerCase(Locale.ROOT);
    if (o.endsWith("/")) {
      o = o.substring(0, o.length() - 1);
    }
    String scheme = scheme(o);
    return scheme.isEmpty() ? o : scheme + "://" + stripDefaultPort(authority(o), scheme);
  }

  private static String scheme(String origin) {
    int i = origin.indexOf("://");
    return i < 0 ? "" : origin.substring(0, i);
  }

  private static String authority(String origin) {
    try {
      URI u = URI.create(origin);
      return u.getRawAuthority() == null ? origin : u.getRawAuthority();
    } catch (IllegalArgumentException e) {
      return origin;
    }
  }

  private static String stripDefaultPort(String hostPort, String scheme) {
    if (scheme.equals("http") && hostPort.endsWith(":80")) {
      return hostPort.substring(0, hostPort.length() - 3);
    }
    if (scheme.equals("https") && hostPort.endsWith(":443")) {
      return hostPort.substring(0, hostPort.length() - 4);
    }
    return hostPort;
  }
}
