package io.peerbook.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Collects what the whole JVM logs at WARN and above (the levels logback-test.xml lets through) while it is open, so a
 * test can assert what was, or was not, logged. A capture opened with {@link #taking} also keeps the events it expects
 * off the console: a failure a test provokes on purpose is asserted, not printed, so a passing run shows no error.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  /** The captures open now that take events off the console. */
  private static final List<LogCapture> TAKING = new CopyOnWriteArrayList<>();
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Predicate<ILoggingEvent> taken;

  private LogCapture(Predicate<ILoggingEvent> taken) {
    this.taken = taken;
  }

  /** Captures everything; the console still shows it all. */
  public static LogCapture open() {
    return start(new LogCapture(e -> false));
  }

  /** Captures everything, and keeps the events matching {@code expected} off the console while open. */
  public static LogCapture taking(Predicate<ILoggingEvent> expected) {
    LogCapture c = start(new LogCapture(expected));
    hideFromOtherAppenders(c.root);
    TAKING.add(c);
    return c;
  }

  private static LogCapture start(LogCapture c) {
    c.setContext(c.root.getLoggerContext());
    c.setName("test-capture");
    c.start();
    c.root.addAppender(c);
    return c;
  }

  /** Puts the {@link Hidden} filter, once, on every appender of the root logger that is not a capture. */
  private static synchronized void hideFromOtherAppenders(Logger root) {
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> a = it.next();
      if (!(a instanceof LogCapture) && a.getCopyOfAttachedFiltersList().stream().noneMatch(Hidden.class::isInstance)) {
        a.addFilter(new Hidden());
      }
    }
  }

  /** Denies an event that an open capture takes; neutral otherwise, so the appender's own filters decide. */
  private static final class Hidden extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
      return TAKING.stream().anyMatch(c -> c.taken.test(event)) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    events.add(event);
  }

  /** Events at ERROR, or with an exception attached at any level: what an unhandled failure looks like. */
  public List<ILoggingEvent> failures() {
    return matching(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null);
  }

  public List<ILoggingEvent> matching(Predicate<ILoggingEvent> p) {
    return events.stream().filter(p).toList();
  }

  public void clear() {
    events.clear();
  }

  /** One line per event, with its logger and the class of its exception, for a failure message. */
  public static String describe(List<ILoggingEvent> list) {
    return list.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " [" + e.getThreadName() + "] "
            + e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
            : " / " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage()))
        .collect(Collectors.joining("\n"));
  }

  @Override
  public void close() {
    TAKING.remove(this);
    root.detachAppender(this);
    stop();
  }
}
