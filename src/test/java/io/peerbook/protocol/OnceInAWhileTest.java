package io.peerbook.protocol;

import io.peerbook.support.LogCapture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OnceInAWhileTest {
  private static final Logger LOG = LoggerFactory.getLogger(OnceInAWhileTest.class);

  @Test
  @DisplayName("the first warning of a kind is logged, the next ones in the window are counted and told with the first one after it; other kinds are apart")
  void floodsBecomeCounts() {
    long[] now = {0};
    OnceInAWhile warnings = new OnceInAWhile(1_000, () -> now[0]);
    try (LogCapture log = LogCapture.taking(e -> e.getLoggerName().equals(LOG.getName()))) {
      warnings.warn(LOG, "a", "a failed");
      for (int i = 0; i < 5; i++) {
        now[0] += 100;
        warnings.warn(LOG, "a", "a failed");
      }
      warnings.warn(LOG, "b", "b failed");
      now[0] += 1_000;
      warnings.warn(LOG, "a", "a failed again");
      assertEquals(List.of("a failed", "b failed", "a failed again (and 5 more like it since the last such line)"),
          log.matching(e -> true).stream().map(e -> e.getFormattedMessage()).toList());
    }
  }

  @Test
  @DisplayName("a pipeline's failure, one error a line, is cut to its first line")
  void firstLine() {
    assertEquals("java.lang.IllegalStateException: ERR [0] x …",
        OnceInAWhile.firstLine(new IllegalStateException("ERR [0] x\nERR [1] x\nERR [2] x")));
  }
}
