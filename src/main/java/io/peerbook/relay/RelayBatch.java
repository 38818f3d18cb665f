package io.peerbook.relay;

import java.util.List;

/**
 * Messages that travel together between two nodes, in the order they were sent: signaling on its way to sockets of
 * the receiving node, or the failures of earlier ones on their way back to their senders' node. The text of a
 * delivery is what the sender's gateway stamped and encoded; nothing here parses or re-encodes it.
 */
record RelayBatch(String origin, List<Delivery> deliveries, List<Failure> failures) {

  /**
   * One signaling message for the approved socket of peer {@code targetKey} of user {@code email} on the receiving
   * node, if it still has that fingerprint: the route named a socket, but a newer socket of the same peer there (a
   * reconnect) is the same peer.
   */
  record Delivery(String email, String targetKey, String targetFingerprint, String targetName, String type,
                  String senderConn, Object id, String echo, String text) {

    Failure failed(int code, String why) {
      return new Failure(senderConn, id, echo, code, why);
    }
  }

  /** A message that was not delivered: its sender hears {@code code} and {@code text} with the message's id and target. */
  record Failure(String senderConn, Object id, String echo, int code, String text) {
  }

  static RelayBatch ofDeliveries(String origin, List<Delivery> deliveries) {
    return new RelayBatch(origin, deliveries, List.of());
  }

  static RelayBatch ofFailures(String origin, List<Failure> failures) {
    return new RelayBatch(origin, List.of(), failures);
  }
}
