package io.peerbook.directory;

/**
 * A live node outside this node's cluster uses the same Redis and key prefix: the two would each take the other's
 * peers for a dead node's and clear them. The node refuses to start; the message names the other node and says
 * what to change. A configuration error, like a bad setting.
 */
public final class NodeConflictException extends RuntimeException {
  NodeConflictException(String message) {
    super(message, null, false, false);
  }
}
