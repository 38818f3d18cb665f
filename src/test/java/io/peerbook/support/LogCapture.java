package io.peerbook.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Collects what the whole JVM logs at WARN and above (the levels logback-test.xml lets through) while it is open, so a
 * test can assert what was, or was not, logged.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  private LogCapture() {
  }

  public static LogCapture open() {
    LogCapture c = new LogCapture();
    c.setContext(c.root.getLoggerContext());
    c.setName("test-capture");
    c.start();
    c.root.addAppender(c);
    return c;
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
    root.detachAppender(this);
    stop();
  }
}
