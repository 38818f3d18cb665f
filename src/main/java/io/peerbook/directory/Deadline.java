package io.peerbook.directory;

import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;

import java.util.concurrent.TimeUnit;

/**
 * When the requester of a change stops waiting ({@link Bus#TIMEOUT_MS} after the request arrived) and tells its user
 * the change failed. A change whose reads came back later (Redis stalled, then resumed) is not written at all, so
 * what the user was told stays true: a change is either stored or reported failed.
 */
record Deadline(long nanos) {

  /** Stops a little before the requester does, so that a write never races what the requester does next. */
  static final long MARGIN_MS = 200;

  static Deadline start() {
    return new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Bus.TIMEOUT_MS - MARGIN_MS));
  }

  /** How long until then: what a step that may be skipped (hearing from the mailer) can still wait. */
  long remainingMs() {
    return TimeUnit.NANOSECONDS.toMillis(nanos - System.nanoTime());
  }

  /** Called right before a write; throws 503 once the requester has given up. */
  void check() {
    if (System.nanoTime() - nanos > 0) {
      throw new ProtocolException(Codes.UNAVAILABLE, "the book answered too late, so nothing was changed; try again");
    }
  }
}
