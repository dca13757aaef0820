package io.roomcast.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.ContextInternal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Upgrades requests for the ws path to WebSockets in Netty, ahead of Vert.x's HTTP handler: one per
 * HTTP connection, sitting just before Vert.x's handler until the connection upgrades.
 *
 * <p>Why not Vert.x's {@code toWebSocket()}: a Vert.x WebSocket keeps its HTTP request, response and
 * headers, and a second connection object with a thread-safe outbound queue (a 1,025-slot array),
 * for as long as it lives: 11 to 15 KB of heap per idle connection. Here the upgraded socket is
 * Netty's frame codec plus one {@link WebSocketTransport}, and Vert.x's handler leaves the pipeline,
 * so its connection object (which never saw the request) is garbage: about 2.8 KB in all.
 *
 * <p>Everything that is not a well-formed upgrade from an allowed origin goes on to Vert.x's router
 * untouched, which answers it as before (403 for a foreign origin, 400 for a plain GET). The 101 and
 * the frames are written as raw bytes at the head of the pipeline: Roomcast serves plain HTTP and
 * leaves TLS to the load balancer.
 */
final class WebSocketUpgrade extends ChannelDuplexHandler {
  /** Pipeline name of Vert.x's HTTP handler; this handler goes just before it. */
  static final String VERTX_HANDLER = "handler";
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  /** Vert.x's HTTP/1 handlers, which have nothing to do on a WebSocket (the decoder goes last). */
  private static final List<String> HTTP_HANDLERS = List.of("httpEncoder", "inflater", "deflater", "chunkedWriter", "idle");

  /** What every connection of one HTTP verticle shares. */
  record Endpoint(String path, OriginCheck origins, NodeServices node, Gateway gateway, int maxFrameBytes,
      long upgradeTimeoutMs, WebSocketDecoderConfig decoderConfig) {
    Endpoint(String path, OriginCheck origins, NodeServices node, Gateway gateway, int maxFrameBytes,
        long upgradeTimeoutMs) {
      // No extensions (permessage-deflate would compress each broadcast once per recipient). Frames
      // over maxFrameBytes and protocol violations reach WebSocketTransport as exceptions, which closes
      // with the documented reasons (the decoder's own close would carry its exception's message).
      this(path, origins, node, gateway, maxFrameBytes, upgradeTimeoutMs, WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(maxFrameBytes).allowExtensions(false).expectMaskedFrames(true)
          .closeOnProtocolViolation(false).build());
    }
  }

  private final Endpoint endpoint;
  /** The rest of a refused upgrade request is dropped, so Vert.x never sees half a request. */
  private boolean dropRest;
  /**
   * Requests handed to Vert.x and not answered yet. An upgrade pipelined behind one of them is left
   * to Vert.x (which answers 400) rather than taken: the 101 would overtake Vert.x's response.
   */
  private int withVertx;
  /**
   * Closes a connection whose first request head has not arrived in time (nothing sent, half a head,
   * a head trickled byte by byte): idle connections must not hold a slot of the server.
   */
  private ScheduledFuture<?> deadline;

  WebSocketUpgrade(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(() -> {
      endpoint.node().refusals().count("upgrade_timeout", Channels.remote(ctx.channel()));
      ctx.channel().close();
    }, endpoint.upgradeTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    endDeadline();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    endDeadline();
    ctx.fireChannelInactive();
  }

  private void endDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      endDeadline();
    }
    if (dropRest && msg instanceof HttpContent) {
      dropRest = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    dropRest = false;
    if (msg instanceof HttpRequest req && withVertx == 0 && isUpgrade(req)) {
      ReferenceCountUtil.release(msg);
      take(ctx, req);
      return;
    }
    if (msg instanceof HttpRequest) {
      withVertx++;
    }
    ctx.fireChannelRead(msg);
  }

  /** Vert.x's responses pass here on their way out; the end of one answers a request. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent && withVertx > 0) {
      withVertx--;
    }
    ctx.write(msg, promise);
  }

  /** A WebSocket handshake for our path that the router would let through (no body, allowed origin). */
  private boolean isUpgrade(HttpRequest req) {
    HttpHeaders h = req.headers();
    if (!req.decoderResult().isSuccess() || !HttpMethod.GET.equals(req.method())
        || !h.containsValue(HttpHeaderNames.UPGRADE, "websocket", true)
        || !h.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)
        || !"13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))
        || h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY, "").isBlank()
        || HttpUtil.getContentLength(req, 0L) != 0 || HttpUtil.isTransferEncodingChunked(req)) {
      return false;
    }
    String path = new QueryStringDecoder(req.uri()).path();
    return (path.equals(endpoint.path()) || path.equals(endpoint.path() + "/"))
        && endpoint.origins().allows(h.get(HttpHeaderNames.ORIGIN), h.get(HttpHeaderNames.HOST));
  }

  private void take(ChannelHandlerContext ctx, HttpRequest req) {
    NodeServices node = endpoint.node();
    InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
    String ip = node.guard().clientIp(peer == null ? null : peer.getAddress().getHostAddress(),
        req.headers().get("X-Forwarded-For"));
    ConnectionGuard.Verdict verdict = node.guard().admit(ip);
    if (verdict != ConnectionGuard.Verdict.ADMITTED) {
      boolean perIp = verdict == ConnectionGuard.Verdict.TOO_MANY_FROM_IP;
      node.refusals().count(perIp ? "too_many_connections_from_ip" : "server_full", ip);
      refuse(ctx, perIp ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.SERVICE_UNAVAILABLE,
          perIp ? "too many connections from your address\n" : "server full, try again later\n");
      dropRest = true;
      return;
    }
    ChannelPipeline p = ctx.pipeline();
    // The 101 goes at the head, in front of everything the WebSocket writes next, and at once: the
    // welcome follows only when the chat has answered.
    String accept = accept(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY).trim());
    p.firstContext().writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
        + "connection: upgrade\r\nsec-websocket-accept: " + accept + "\r\n\r\n", StandardCharsets.US_ASCII));
    for (String name : HTTP_HANDLERS) {
      if (p.get(name) != null) {
        p.remove(name);
      }
    }
    Gateway gateway = endpoint.gateway();
    WebSocketTransport transport = new WebSocketTransport(ctx.channel(), gateway, endpoint.maxFrameBytes());
    p.addBefore(ctx.name(), "wsencoder", new WebSocket13FrameEncoder(false));
    p.addBefore(ctx.name(), "wsdecoder", new WebSocket13FrameDecoder(endpoint.decoderConfig()));
    p.replace(this, "ws", transport);
    // Vert.x's HTTP connection never saw this request and has nothing more to do: without its handler
    // it is garbage, with its outbound queue (a 1,025-slot array when Vert.x is not in strict thread
    // mode, about 4.8 KB a connection).
    p.remove(VERTX_HANDLER);
    ContextInternal previous = gateway.context().beginDispatch();
    try {
      transport.bind(gateway.open(transport, nick(req.uri()), ip));
    } finally {
      gateway.context().endDispatch(previous);
    }
    // Last: whatever the client sent after the request head (its first frames) moves on to the
    // WebSocket decoder as the HTTP decoder leaves.
    p.remove("httpDecoder");
  }

  /** A plain-text refusal through Vert.x's HTTP encoder; the connection stays open for another request. */
  private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    ctx.writeAndFlush(response);
  }

  static String nick(String uri) {
    List<String> nick = new QueryStringDecoder(uri).parameters().get("nick");
    return nick == null || nick.isEmpty() ? null : nick.get(0);
  }

  /** Sec-WebSocket-Accept for a client's key (RFC 6455, section 4.2.2). */
  static String accept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }
}
