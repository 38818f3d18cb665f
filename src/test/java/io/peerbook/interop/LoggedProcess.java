package io.peerbook.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A process a test starts, its stdout and stderr merged and kept line by line, so that the test can await a line
 * (a failure shows everything the process printed). Closing kills it.
 */
final class LoggedProcess implements AutoCloseable {
  static final long WAIT_SECONDS = 30;
  private final String label;
  private final Process process;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  private LoggedProcess(String label, Process process) {
    this.label = label;
    this.process = process;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    Thread reader = new Thread(this::read, label + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  static LoggedProcess start(String label, Path directory, List<String> command) {
    try {
      return new LoggedProcess(label, new ProcessBuilder(command).directory(directory.toFile())
          .redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
  }

  private void read() {
    try (BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // the process was killed: what it printed is kept
    }
    synchronized (this) {
      ended = true;
      notifyAll();
    }
  }

  /** The first line that matches, waiting up to {@link #WAIT_SECONDS} for it. */
  Matcher await(Pattern pattern) {
    return await(pattern, 0, WAIT_SECONDS);
  }

  /** The first line from line number {@code from} on that matches, waiting up to {@code seconds} for it. */
  synchronized Matcher await(Pattern pattern, int from, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (int next = from; ; ) {
      for (; next < lines.size(); next++) {
        Matcher m = pattern.matcher(lines.get(next));
        if (m.find()) {
          return m;
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        return fail(label + (ended ? " ended" : " waited " + seconds + " s") + " without printing /" + pattern
            + "/; it printed:\n" + output());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** How many lines it printed so far: where a later {@link #await(Pattern, int, long)} starts looking. */
  synchronized int mark() {
    return lines.size();
  }

  synchronized String output() {
    return String.join("\n", lines);
  }

  /** Waits for the process to end, and for the last of its output, and returns its exit code. */
  int awaitExit(long seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        fail(label + " did not end within " + seconds + " s; it printed:\n" + output());
      }
      synchronized (this) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ended && System.nanoTime() < deadline) {
          TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
        }
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the process (SIGSTOP) until {@link #thaw()}: it does nothing meanwhile, its sockets stay open. */
  void freeze() {
    signal("STOP");
  }

  void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        fail("kill -" + name + " " + label + " did not work");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes a line to its stdin. */
  void writeLine(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      fail(label + " does not read its input any more: " + e + "; it printed:\n" + output());
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      signal("CONT"); // a frozen process would not act on SIGTERM
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
