package io.peerbook.support;

import io.vertx.core.Future;
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

  /**
   * {@link #until} for a test that goes on from the event loop: asks {@code probe} again, after a Vert.x timer, until
   * it answers true; the future fails with {@code message} once {@code millis} have passed.
   */
  public static Future<Void> eventually(Vertx vertx, long millis, Supplier<Future<Boolean>> probe,
                                        Supplier<String> message) {
    return attempt(vertx, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), millis, probe, message);
  }

  private static Future<Void> attempt(Vertx vertx, long deadline, long millis, Supplier<Future<Boolean>> probe,
                                      Supplier<String> message) {
    return probe.get().compose(holds -> {
      if (holds) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new AssertionError(message.get() + " (waited " + millis + " ms)"));
      }
      return vertx.timer(POLL_MS).compose(t -> attempt(vertx, deadline, millis, probe, message));
    });
  }
}
