package io.peerbook.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many sockets this node holds, over all its gateway instances: each instance has its own sockets, the limit is
 * the node's. Kept in the Vert.x instance's local shared data, so two nodes in one JVM (the tests) keep apart.
 */
public final class NodeConnections implements Shareable {
  private static final String MAP = "peerbook.gateway";
  private static final String KEY = "connections";
  private final AtomicInteger count = new AtomicInteger();

  private NodeConnections() {
  }

  static NodeConnections of(Vertx vertx) {
    return vertx.sharedData().<String, NodeConnections>getLocalMap(MAP).computeIfAbsent(KEY, k -> new NodeConnections());
  }

  /**
   * The sockets this node holds or is upgrading right now: what an operator's metric would show, and what the tests
   * read to prove that no socket is leaked.
   */
  public static int count(Vertx vertx) {
    return of(vertx).count.get();
  }

  /** Takes a place for a socket about to be upgraded; false when the node already holds {@code max}. */
  boolean reserve(int max) {
    while (true) {
      int n = count.get();
      if (n >= max) {
        return false;
      }
      if (count.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void release() {
    count.decrementAndGet();
  }
}
