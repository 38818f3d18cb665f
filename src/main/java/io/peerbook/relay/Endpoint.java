package io.peerbook.relay;

import io.vertx.core.Future;

/**
 * A peer's socket on this node as forwarding sees it. Every method may be called from any thread: a message for a
 * socket of another gateway instance, or from another node, is written straight into it, and Vert.x hands the write to
 * the socket's own event loop.
 */
public interface Endpoint {
  String conn();

  String email();

  String name();

  String nameKey();

  String fingerprint();

  /** Approved and not closing: it may be written to. */
  boolean approved();

  /**
   * Writes a message stamped and encoded by the sender's gateway. Fails, already failed when it returns, when the
   * socket is closing or does not read its messages; fails later when the socket closes before the write.
   */
  Future<Void> deliver(String text);

  /** Why a message written into this socket was lost: it closed, or was closed for not reading its messages. */
  String lostBecause();

  /** A message this socket sent was not delivered: it hears the protocol's error, with the message's id and target. */
  void undelivered(Object id, String target, int code, String text);
}
