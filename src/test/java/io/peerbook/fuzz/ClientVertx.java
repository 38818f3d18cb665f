package io.peerbook.fuzz;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxThread;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * The Vert.x the fuzz clients run on. Its threads are named {@code fuzz-client-…}, so that what the clients log
 * (a request cut short by the server's close, as intended) is told apart from what the node logs: only the node's
 * log must be clean. Built through Vert.x's internal bootstrap, the one place that takes a thread factory.
 */
final class ClientVertx {
  static final String PREFIX = "fuzz-client-";

  private ClientVertx() {
  }

  static Vertx create() {
    return VertxBootstrap.create().threadFactory(new VertxThreadFactory() {
      @Override
      public VertxThread newVertxThread(Runnable target, String name, boolean worker, long maxExecTime,
                                        TimeUnit maxExecTimeUnit) {
        return new VertxThread(target, PREFIX + name, worker, maxExecTime, maxExecTimeUnit);
      }
    }).init().vertx();
  }

  /** True for what the node logged, false for what a fuzz client logged. */
  static boolean notOurs(ILoggingEvent e) {
    return !e.getThreadName().startsWith(PREFIX) && !e.getFormattedMessage().contains(PREFIX);
  }
}
