package io.peerbook.protocol;

import org.slf4j.Logger;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A warning that can come by the thousand (every request during a Redis outage fails the same way): the first of a
 * kind is logged at once, the next ones within {@link #WINDOW_NS} only counted, and the count is told with the first
 * one after the window. So an outage reads as a few lines, not a flood, and nothing is hidden.
 */
public final class OnceInAWhile {
  static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
  private final ConcurrentHashMap<String, Window> kinds = new ConcurrentHashMap<>();
  private final long windowNs;
  private final LongSupplier clock;

  public OnceInAWhile() {
    this(WINDOW_NS, System::nanoTime);
  }

  OnceInAWhile(long windowNs, LongSupplier clock) {
    this.windowNs = windowNs;
    this.clock = clock;
  }

  private static final class Window {
    volatile long start;
    final AtomicLong quiet = new AtomicLong();

    Window(long start) {
      this.start = start;
    }
  }

  /** Logs {@code text} (a kind's key is {@code kind}) unless one of its kind was logged within the window. */
  public void warn(Logger log, String kind, String text) {
    long now = clock.getAsLong();
    Window w = kinds.get(kind);
    if (w == null) {
      kinds.put(kind, new Window(now));
      log.warn(text);
      return;
    }
    if (now - w.start < windowNs) {
      w.quiet.incrementAndGet();
      return;
    }
    long quiet = w.quiet.getAndSet(0);
    w.start = now;
    log.warn(quiet == 0 ? text : text + " (and " + quiet + " more like it since the last such line)");
  }

  /** The first line of a failure's text: a Redis pipeline's failure lists every command's error, one a line. */
  public static String firstLine(Throwable err) {
    String s = err.toString();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " …";
  }
}
