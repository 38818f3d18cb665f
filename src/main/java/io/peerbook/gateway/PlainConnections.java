package io.peerbook.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plain (not upgraded) HTTP connections of one gateway instance: at most {@code max_http_connections} on the
 * node, and none left waiting for a client that sends too slowly. Vert.x's own idle timeout cannot do this: it stays
 * on a connection after the WebSocket upgrade, so it would also close idle peers and paused sockets, and it is reset
 * by each byte, so a head trickled one byte at a time keeps it away.
 *
 * <p>While the server waits for the client, the client has {@code http_idle_timeout} seconds to send a whole request
 * head (counted from the connection's opening, or from the end of the previous response), then as long again for its
 * body. While the server answers (a page being built, the approval page's event stream) nothing is counted: the
 * client owes nothing then. An upgraded connection leaves this count for {@link Connections}. Confined to the
 * instance's event loop; the count is the node's, over all its instances.
 */
public final class PlainConnections {
  private static final Logger LOG = LoggerFactory.getLogger(PlainConnections.class);
  /** How often waiting connections are checked: a slow client is closed at most this long after its time is up. */
  private static final long SWEEP_MS = 250;
  /** A node kept full by an attack would log every refusal; once a minute is enough to tell the operator. */
  private static final long WARN_EVERY_NS = TimeUnit.MINUTES.toNanos(1);

  private final Vertx vertx;
  private final NodeCount node;
  private final int max;
  private final long idleNs;
  private final Map<HttpConnection, Waiting> open = new IdentityHashMap<>();
  private final long sweeper;
  private long lastWarning;

  PlainConnections(Vertx vertx, int max, int idleSeconds) {
    this.vertx = vertx;
    this.node = NodeCount.of(vertx);
    this.max = max;
    this.idleNs = TimeUnit.SECONDS.toNanos(idleSeconds);
    this.lastWarning = System.nanoTime() - WARN_EVERY_NS;
    this.sweeper = vertx.setPeriodic(SWEEP_MS, id -> sweep(System.nanoTime()));
  }

  /** The plain HTTP connections this node holds right now (the tests read it to see that none is leaked). */
  public static int count(Vertx vertx) {
    return NodeCount.of(vertx).count.get();
  }

  /** A new connection: counted, or closed at once when the node is full, before anything of it is read. */
  void opened(HttpConnection conn) {
    if (!node.take(max)) {
      warnFull();
      conn.close();
      return;
    }
    open.put(conn, new Waiting(System.nanoTime()));
    conn.closeHandler(v -> forget(conn));
  }

  /** A request's head has arrived: from now on its body is waited for. */
  void request(HttpServerRequest req) {
    Waiting w = open.get(req.connection());
    if (w != null) {
      w.request = req;
      w.since = System.nanoTime();
    }
  }

  /** The connection is a WebSocket now: the socket limits apply to it, not these. */
  void upgraded(HttpConnection conn) {
    forget(conn);
  }

  /** Stops checking; the connections themselves are closed with the server. */
  void close() {
    vertx.cancelTimer(sweeper);
  }

  private void forget(HttpConnection conn) {
    if (open.remove(conn) != null) {
      node.release();
    }
  }

  private void sweep(long now) {
    for (Map.Entry<HttpConnection, Waiting> e : new ArrayList<>(open.entrySet())) {
      Waiting w = e.getValue();
      HttpServerRequest req = w.request;
      if (req != null && (req.response().ended() || req.response().closed())) {
        // Answered: the next head is waited for from now (a keep-alive connection may send one).
        w.request = null;
        w.since = now;
        req = null;
      }
      boolean waitsForClient = req == null || !req.isEnded();
      if (waitsForClient && now - w.since >= idleNs) {
        forget(e.getKey());
        e.getKey().close();
      }
    }
  }

  private void warnFull() {
    long now = System.nanoTime();
    if (now - lastWarning >= WARN_EVERY_NS) {
      lastWarning = now;
      LOG.warn("this node holds {} plain HTTP connections, the most max_http_connections allows: new ones are closed "
          + "until some end", max);
    }
  }

  /** What one connection is waiting for: a head ({@code request} null) or the body of {@code request}. */
  private static final class Waiting {
    HttpServerRequest request;
    long since;

    Waiting(long since) {
      this.since = since;
    }
  }

  /** The node's count, over all its gateway instances; in the Vert.x instance's local data, as NodeConnections. */
  private static final class NodeCount implements Shareable {
    private final AtomicInteger count = new AtomicInteger();

    static NodeCount of(Vertx vertx) {
      return vertx.sharedData().<String, NodeCount>getLocalMap("peerbook.gateway.plain")
          .computeIfAbsent("connections", k -> new NodeCount());
    }

    boolean take(int max) {
      return count.getAndUpdate(n -> n < max ? n + 1 : n) < max;
    }

    void release() {
      count.decrementAndGet();
    }
  }
}
