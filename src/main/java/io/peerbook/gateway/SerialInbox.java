package io.peerbook.gateway;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * One peer's messages, handled one at a time in the order they arrived, so that its replies and the signaling it
 * sends keep that order end to end. Back-pressure, not loss: once {@link #PAUSE_AT} tasks wait, the source is paused
 * (TCP then slows the sender) until fewer than {@link #RESUME_AT} wait. Confined to the socket's event loop.
 */
final class SerialInbox {
  static final int PAUSE_AT = 256;
  static final int RESUME_AT = PAUSE_AT / 2;
  private static final Logger LOG = LoggerFactory.getLogger(SerialInbox.class);

  /** What is paused and resumed: the socket's reading. */
  interface Source {
    void pause();

    void resume();
  }

  private final Source source;
  private final Deque<Supplier<Future<Void>>> queue = new ArrayDeque<>();
  private boolean busy;
  private boolean paused;
  private boolean closed;

  SerialInbox(Source source) {
    this.source = source;
  }

  /** Queues a task; it runs once every task before it has completed. */
  void add(Supplier<Future<Void>> task) {
    if (closed) {
      return;
    }
    queue.addLast(task);
    if (!paused && queue.size() >= PAUSE_AT) {
      paused = true;
      source.pause();
    }
    if (!busy) {
      drain();
    }
  }

  /** Paused: the source is not read, so a ping it answers cannot arrive; it is busy, not dead. */
  boolean paused() {
    return paused;
  }

  /** Drops what waits; nothing more runs or is resumed. */
  void close() {
    closed = true;
    queue.clear();
  }

  private void drain() {
    Supplier<Future<Void>> next = queue.pollFirst();
    if (paused && queue.size() < RESUME_AT && !closed) {
      paused = false;
      source.resume();
    }
    if (next == null) {
      busy = false;
      return;
    }
    busy = true;
    Future<Void> done;
    try {
      done = next.get();
    } catch (RuntimeException e) {
      LOG.error("a queued message failed", e);
      done = Future.succeededFuture();
    }
    done.onComplete(ar -> drain());
  }
}
