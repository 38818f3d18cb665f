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
  /** The most sockets the node holds: {@code max_connections}, or fewer when the open-file limit allows fewer. */
  private final int max;

  private NodeConnections(int max) {
    this.max = max;
  }

  /** The node's count; the first gateway instance sets the cap (from {@code max_connections} and the file limit). */
  static NodeConnections of(Vertx vertx, int maxConnections) {
    return vertx.sharedData().<String, NodeConnections>getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new NodeConnections(OpenFiles.socketCap(maxConnections)));
  }

  private static NodeConnections of(Vertx vertx) {
    return vertx.sharedData().<String, NodeConnections>getLocalMap(MAP).get(KEY);
  }

  /**
   * The sockets this node holds or is upgrading right now: what an operator's metric would show, and what the tests
   * read to prove that no socket is leaked.
   */
  public static int count(Vertx vertx) {
    NodeConnections node = of(vertx);
    return node == null ? 0 : node.count.get();
  }

  /** Takes a place for a socket about to be upgraded; false when the node is full. */
  boolean reserve() {
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
