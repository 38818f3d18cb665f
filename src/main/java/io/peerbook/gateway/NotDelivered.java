package io.peerbook.gateway;

/** A message that never reached a socket's write queue: the socket is closing or did not read. */
final class NotDelivered extends RuntimeException {
  NotDelivered(String text) {
    super(text, null, false, false);
  }
}
