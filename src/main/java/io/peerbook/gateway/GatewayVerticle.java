package io.peerbook.gateway;

import io.micrometer.core.instrument.Gauge;
import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.relay.Forwarding;
import io.peerbook.relay.LocalPeers;
import io.peerbook.web.ClientAddress;
import io.peerbook.web.WebRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP server of one gateway instance: {@code /ws} upgrades become this instance's sockets ({@link PeerSession}),
 * everything else goes to the web routes ({@link WebRoutes}). It hears the book events of the cluster and applies them
 * to its sockets ({@link BookEffects}) and to the open approval pages; signaling its sockets send goes out through the
 * relay's {@link Forwarding}, and what other instances or nodes send them is written into them directly.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  /** The protocol's limit: Vert.x stops aggregating a longer message and tells the session, which answers 413. */
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  /**
   * A single frame is read whole before the message limit applies, so frames up to this size still get their 413
   * and a 1009 close; a bigger frame is a protocol violation and its connection is dropped.
   */
  static final int MAX_FRAME_BYTES = 1024 * 1024;

  private final AtomicLong counter = new AtomicLong();
  private final ClusterView cluster;
  private PeerbookConfig cfg;
  private GatewayContext ctx;
  private HttpServer server;
  private WebRoutes web;
  private PlainConnections plainHttp;
  private Commands commands;
  private BookEffects effects;
  private long pingTimer;
  /** Set when the node is going away: new sockets are refused so clients go to another node. */
  private boolean stopping;
  private final List<Gauge> gauges = new ArrayList<>();

  public GatewayVerticle(ClusterView cluster) {
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    cfg = PeerbookConfig.from(config());
    String gatewayId = cfg.nodeId() + "." + UUID.randomUUID().toString().substring(0, 8);
    LocalPeers peers = LocalPeers.of(vertx);
    Connections connections = new Connections(NodeConnections.of(vertx, cfg.limits().maxConnections(),
        cfg.limits().maxHttpConnections()), peers);
    ctx = new GatewayContext(vertx, cfg, gatewayId, connections, new IceServers(cfg), new Forwarding(vertx, cfg), peers,
        new Leaving(vertx));
    commands = new Commands(ctx);
    effects = new BookEffects(ctx);
    web = new WebRoutes(vertx, cfg, cluster);
    for (Admission.State state : List.of(Admission.State.CONNECTING, Admission.State.WAITING, Admission.State.APPROVED)) {
      gauges.add(Gauge.builder("peerbook_connections", ctx.connections(), c -> c.count(state))
          .description("sockets of one gateway instance, by state").tag("state", state.name().toLowerCase())
          .tag("gateway", gatewayId).register(Meters.registry()));
    }

    HttpServerOptions options = new HttpServerOptions().setHost(cfg.httpHost()).setPort(cfg.httpPort())
        .setMaxWebSocketFrameSize(MAX_FRAME_BYTES).setMaxWebSocketMessageSize(MAX_MESSAGE_BYTES)
        // Vert.x's idle timeout stays on a connection after the upgrade and would close idle peers: plain HTTP
        // connections are timed out by PlainConnections instead.
        .setIdleTimeout(0)
        // How long a closed socket waits for the peer's close frame before its connection is dropped.
        .setWebSocketClosingTimeout((int) (PeerSession.CLOSE_GRACE_MS / 1000))
        // HTTP/1.1 only: peerbook needs no cleartext HTTP/2, and a client's "Upgrade: h2c" (Java's HttpClient sends
        // it by default) was seen to leave a request unanswered.
        .setHttp2ClearTextEnabled(false);
    // /ws is upgraded before the router: vertx-web would hand out a wrapped socket, and a socket that must be cut
    // (PeerSession.close) needs its own connection.
    plainHttp = new PlainConnections(vertx, cfg.limits().maxHttpConnections(), cfg.limits().httpIdleTimeout());
    server = vertx.createHttpServer(options).connectionHandler(plainHttp::opened).requestHandler(req -> {
      plainHttp.request(req);
      if (req.path() == null || !req.path().startsWith("/")) {
        // A request target that is not a path ("*", "http://…", garbage): nothing here answers it.
        plain(req.response(), 400, "malformed request target");
      } else if (req.method() == HttpMethod.GET && "/ws".equals(req.path())) {
        upgrade(req);
      } else {
        web.router().handle(req);
      }
    });
    pingTimer = vertx.setPeriodic(cfg.pingInterval() * 1000L, id -> ctx.connections().all().forEach(PeerSession::ping));
    return Future.all(List.of(
        vertx.eventBus().<JsonObject>consumer(Address.BOOK_EVENTS.address(), msg -> {
          web.onBookEvent(msg.body());
          effects.apply(msg.body());
        }).completion(),
        server.listen().onSuccess(s -> LOG.info("gateway {} listening on {}:{}", gatewayId, cfg.httpHost(), s.actualPort()))));
  }

  /** Going away: peers are told with 1001 so they reconnect to another node, and their presence is cleared. */
  @Override
  public Future<?> stop() {
    stopping = true;
    gauges.forEach(Meters.registry()::remove);
    vertx.cancelTimer(pingTimer);
    plainHttp.close();
    web.close();
    List<Future<Void>> left = new ArrayList<>();
    ctx.connections().all().forEach(s -> {
      s.close(Codes.CLOSE_SHUTDOWN, "node shutting down");
      left.add(s.left());
    });
    return server.close().compose(v -> Future.join(left)).otherwiseEmpty();
  }

  // --- /ws ---

  private void upgrade(HttpServerRequest req) {
    HttpServerResponse response = req.response();
    if (stopping) {
      plain(response, 503, "node shutting down");
      return;
    }
    ConnectRequest request;
    try {
      request = ConnectRequest.of(req, ClientAddress.resolve(req.remoteAddress() == null ? null
          : req.remoteAddress().host(), req.headers().getAll("X-Forwarded-For"), cfg.limits().trustedProxies()));
    } catch (ProtocolException e) {
      plain(response, 400, e.getMessage());
      return;
    } catch (IllegalArgumentException e) {
      // A broken percent escape: decoding the query throws before any parameter can be read.
      plain(response, 400, "malformed query string");
      return;
    }
    String origin = req.getHeader("Origin");
    if (origin != null && !cfg.allowedOrigins().isEmpty() && !cfg.allowedOrigins().contains(origin)) {
      plain(response, 403, "origin not allowed");
      return;
    }
    if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      plain(response, 400, "expected a WebSocket upgrade");
      return;
    }
    if (!ctx.connections().reserve()) {
      // Refused before the upgrade, so a full node costs nothing more than this answer; the client may try another.
      plain(response, 503, "this node holds as many connections as it may; try again later or another node");
      return;
    }
    req.toWebSocket().onSuccess(ws -> {
      plainHttp.upgraded(req.connection());
      String conn = ctx.gatewayId() + "#" + counter.incrementAndGet();
      PeerSession session = new PeerSession(ctx, commands, ws, conn, request);
      ctx.connections().add(session);
      session.start();
    }).onFailure(err -> {
      ctx.connections().unreserve();
      LOG.debug("upgrade failed: {}", err.toString());
    });
  }

  private static void plain(HttpServerResponse response, int status, String text) {
    response.setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(text + "\n");
  }
}
