package io.peerbook.gateway;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Clearing closed sockets' presence or waiting records, for one gateway instance. The sockets that close within one
 * turn of its event loop (a node shutting down, a network cut, thousands at once) go to the directory as one request,
 * which clears them in a few Redis calls. A record is conditional on its connection, so clearing it again is harmless;
 * when Redis is down or slow the batch is retried with backoff, each delay with some jitter so that the gateways of a
 * node (and the nodes of a cluster) do not all come back at the same instant. A record left behind (or written late
 * by a connect that timed out) would show a gone socket online.
 */
final class Leaving {
  /** Delays before the retries, ms: about a minute in all, enough for a Redis restart. */
  private static final long[] RETRY_MS = {500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000};
  /** Sockets per request at most: the directory answers each within the request timeout even when many leave. */
  static final int MAX_BATCH = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(Leaving.class);
  private final Vertx vertx;
  private List<Disconnect> batch;
  private Promise<Void> sent;

  Leaving(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Queues a socket's record for clearing, on the gateway's event loop; completes after the first attempt of its
   * batch (a node that stops waits no longer), retries go on in the background. Never fails.
   */
  Future<Void> clear(Disconnect disconnect) {
    if (batch != null && batch.size() == MAX_BATCH) {
      flush();
    }
    if (batch == null) {
      batch = new ArrayList<>();
      sent = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> flush());
    }
    batch.add(disconnect);
    return sent.future();
  }

  private void flush() {
    if (batch == null) {
      return; // sent already, full
    }
    List<Disconnect> sockets = batch;
    Promise<Void> done = sent;
    batch = null;
    sent = null;
    JsonArray body = new JsonArray();
    sockets.forEach(d -> body.add(d.toJson()));
    attempt(new JsonObject().put("sockets", body), sockets.size(), 0).onComplete(done);
  }

  private Future<Void> attempt(JsonObject body, int count, int retry) {
    return Bus.request(vertx.eventBus(), Address.DIRECTORY_DISCONNECT, body).<Void>mapEmpty().recover(err -> {
      if (Bus.code(err) != Codes.UNAVAILABLE || retry >= RETRY_MS.length) {
        LOG.warn("presence of {} closed socket(s) not cleared: {}", count, err.toString());
      } else {
        long delay = RETRY_MS[retry] + ThreadLocalRandom.current().nextLong(RETRY_MS[retry] / 2 + 1);
        vertx.setTimer(delay, t -> attempt(body, count, retry + 1));
      }
      return Future.succeededFuture();
    });
  }
}
