package io.peerbook.gateway;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clearing a closed socket's presence or waiting record. The record is conditional on the connection, so clearing
 * it again is harmless; when Redis is down or slow the clearing is retried with backoff, because a record left behind
 * (or written late by a connect that timed out) would show a gone socket online.
 */
final class Leaving {
  /** Delays before the retries, ms: about a minute in all, enough for a Redis restart. */
  private static final long[] RETRY_MS = {500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000};
  private static final Logger LOG = LoggerFactory.getLogger(Leaving.class);

  private Leaving() {
  }

  /** Completes after the first attempt (a node that stops waits no longer); retries go on in the background. */
  static Future<Void> clear(Vertx vertx, Disconnect disconnect) {
    return attempt(vertx, disconnect, 0);
  }

  private static Future<Void> attempt(Vertx vertx, Disconnect disconnect, int retry) {
    return Bus.request(vertx.eventBus(), Address.DIRECTORY_DISCONNECT, disconnect.toJson()).<Void>mapEmpty().recover(err -> {
      if (Bus.code(err) != Codes.UNAVAILABLE || retry >= RETRY_MS.length) {
        LOG.warn("presence of {} / {} not cleared: {}", disconnect.email(), disconnect.nameKey(),
            err.toString());
      } else {
        vertx.setTimer(RETRY_MS[retry], t -> attempt(vertx, disconnect, retry + 1));
      }
      return Future.succeededFuture();
    });
  }
}
