package io.peerbook.support;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Polls a condition until it holds, spacing the polls with Vert.x timers; fails with a message at the deadline. */
public final class Await {
  private static final long POLL_MS = 50;

  private Await() {
  }

  public static void until(Vertx vertx, long seconds, BooleanSupplier condition, Supplier<String> message) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail(message.get() + " (waited " + seconds + " s)");
      }
      PeerClient.await(vertx.timer(POLL_MS));
    }
  }
}
