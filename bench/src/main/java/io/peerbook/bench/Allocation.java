package io.peerbook.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes a server allocated while a run went on, exactly: JFR's {@code jdk.ThreadAllocationStatistics}, each thread's
 * running total of allocated bytes (what {@code ThreadMXBean.getThreadAllocatedBytes} reads), written at the start
 * and at the end of a recording that holds nothing else. The difference, over the run's messages, is the garbage a
 * relayed message makes.
 */
final class Allocation {
  private static final String JFC = """
      <?xml version="1.0" encoding="UTF-8"?>
      <configuration version="2.0" label="peerbook allocation">
        <event name="jdk.ThreadAllocationStatistics">
          <setting name="enabled">true</setting>
          <setting name="period">everyChunk</setting>
        </event>
      </configuration>
      """;

  private Allocation() {
  }

  /** The settings file of such a recording, written once under {@code dir}. */
  static Path settings(Path dir) {
    Path f = dir.resolve("allocation.jfc");
    try {
      if (!Files.exists(f)) {
        Files.writeString(f, JFC);
      }
      return f;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {all threads, Vert.x event-loop threads}: bytes allocated between the recording's first and last totals. */
  static long[] allocated(Path jfr) {
    Map<Long, long[]> perThread = new HashMap<>();
    Map<Long, Boolean> eventLoop = new HashMap<>();
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        if (!e.getEventType().getName().equals("jdk.ThreadAllocationStatistics")) {
          continue;
        }
        RecordedThread t = e.getThread("thread");
        if (t == null) {
          continue;
        }
        long id = t.getJavaThreadId();
        long bytes = e.getLong("allocated");
        long[] span = perThread.computeIfAbsent(id, k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
        span[0] = Math.min(span[0], bytes);
        span[1] = Math.max(span[1], bytes);
        String name = t.getJavaName();
        eventLoop.put(id, name != null && name.startsWith("vert.x-eventloop-thread"));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + jfr + ": " + e.getMessage(), e);
    }
    long all = 0;
    long loops = 0;
    for (Map.Entry<Long, long[]> t : perThread.entrySet()) {
      // A thread seen once (started or ended during the run) counts from zero: all it allocated was in the run.
      long[] span = t.getValue();
      long delta = span[0] == span[1] ? span[1] : span[1] - span[0];
      all += delta;
      if (eventLoop.get(t.getKey())) {
        loops += delta;
      }
    }
    return new long[] {all, loops};
  }
}
