package io.peerbook.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.support.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SerialInboxTest {
  private final List<String> flow = new ArrayList<>();
  private final SerialInbox inbox = new SerialInbox(new SerialInbox.Source() {
    @Override
    public void pause() {
      flow.add("pause");
    }

    @Override
    public void resume() {
      flow.add("resume");
    }
  });

  @Test
  @DisplayName("tasks run one at a time, in the order added: the next starts only when the one before completed")
  void oneAtATimeInOrder() {
    List<String> ran = new ArrayList<>();
    Promise<Void> first = Promise.promise();
    inbox.add(() -> {
      ran.add("a");
      return first.future();
    });
    inbox.add(() -> {
      ran.add("b");
      return Future.succeededFuture();
    });
    assertEquals(List.of("a"), ran, "b started before a completed");
    first.complete();
    assertEquals(List.of("a", "b"), ran);
  }

  @Test
  @DisplayName("the source is paused when 256 tasks wait and resumed when fewer than 128 wait; nothing is dropped")
  void pausesAt256ResumesBelow128() {
    List<Promise<Void>> pending = new ArrayList<>();
    int[] ran = {0};
    for (int i = 0; i < SerialInbox.PAUSE_AT + 1; i++) {
      inbox.add(() -> {
        ran[0]++;
        Promise<Void> p = Promise.promise();
        pending.add(p);
        return p.future();
      });
    }
    // one runs, 256 wait; each completion lets one more run, and 127 waiting is fewer than 128
    assertEquals(List.of("pause"), flow);
    assertTrue(inbox.paused());
    for (int done = 0; done <= SerialInbox.RESUME_AT; done++) {
      assertFalse(flow.contains("resume"), "resumed with " + (SerialInbox.PAUSE_AT - done) + " waiting");
      pending.get(done).complete();
    }
    assertEquals(List.of("pause", "resume"), flow);
    assertFalse(inbox.paused());
    while (ran[0] < SerialInbox.PAUSE_AT + 1) {
      pending.get(ran[0] - 1).complete();
    }
    assertEquals(SerialInbox.PAUSE_AT + 1, ran[0], "every task ran");
  }

  @Test
  @DisplayName("a task that throws is logged once with its cause and does not stop the ones after it; after close nothing more runs")
  void throwingTaskAndClose() {
    List<String> ran = new ArrayList<>();
    IllegalStateException bug = new IllegalStateException("bug");
    try (LogCapture log = LogCapture.taking(e -> e.getThrowableProxy() != null
        && bug.getMessage().equals(e.getThrowableProxy().getMessage()))) {
      inbox.add(() -> {
        throw bug;
      });
      List<ILoggingEvent> logged = log.failures();
      assertEquals(1, logged.size(), LogCapture.describe(logged));
      assertEquals(Level.ERROR, logged.get(0).getLevel());
      assertEquals(IllegalStateException.class.getName(), logged.get(0).getThrowableProxy().getClassName());
    }
    inbox.add(() -> {
      ran.add("after");
      return Future.succeededFuture();
    });
    assertEquals(List.of("after"), ran);
    Promise<Void> open = Promise.promise();
    inbox.add(() -> open.future());
    inbox.add(() -> {
      ran.add("dropped");
      return Future.succeededFuture();
    });
    inbox.close();
    open.complete();
    inbox.add(() -> {
      ran.add("late");
      return Future.succeededFuture();
    });
    assertEquals(List.of("after"), ran);
  }
}
