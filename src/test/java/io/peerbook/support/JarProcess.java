package io.peerbook.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

  /** One peerbook process started from the packaged jar, its output collected line by line. */
public final class JarProcess {
  public static final long START_SECONDS = 60;
  public final Process process;
  public final int port;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuffer all = new StringBuffer();
  private final Thread reader;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Follows a process already started (its output merged into stdout), serving HTTP on {@code port}. */
  public JarProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          all.append(line).append('\n');
          lines.add(line);
        }
      } catch (IOException e) {
        all.append("[output unreadable: ").append(e).append("]\n");
      }
    }, "peerbook-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  public String log() {
    return all.toString();
  }

  /** Waits until the whole output has been read (after the process exited). */
  public void drained() throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** Polls /healthz until it answers 200; fails at once if the process dies. */
  public void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        process.onExit().get(100, TimeUnit.MILLISECONDS);
        drained();
        fail("peerbook exited with " + process.exitValue() + " before it was up:\n" + log());
      } catch (TimeoutException e) {
        // still running: poll again
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
    fail("/healthz did not answer 200 within " + START_SECONDS + " s:\n" + log());
  }

  /** The first output line, from now on, that matches. */
  public Matcher awaitLine(Pattern pattern, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line != null) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      }
    }
    return fail("no " + what + " within " + PeerClient.WAIT_SECONDS + " s:\n" + log());
  }

  /** Leaves nothing running: the process and whatever it started (its embedded Redis). */
  public void kill() {
    if (process.isAlive()) {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** Starts {@code java -jar target/peerbook.jar} in {@code cwd} with only the given PEERBOOK_* variables. */
  public static JarProcess launch(Path cwd, Map<String, String> env) throws IOException {
    return launch(cwd, env, false);
  }

  /**
   * The same, with the process leading a process group of its own (setsid), as a shell's foreground job does: a
   * signal to the group ({@link #signalGroup}) is what Ctrl-C in a terminal sends.
   */
  public static JarProcess launchAsGroup(Path cwd, Map<String, String> env) throws IOException {
    return launch(cwd, env, true);
  }

  /** The same, under an open-file limit of {@code files} ({@code ulimit -n}, as a small container might set). */
  public static JarProcess launchWithFileLimit(Path cwd, Map<String, String> env, int files) throws IOException {
    return launch(cwd, env, List.of("bash", "-c", "ulimit -n " + files + " && exec \"$0\" \"$@\""));
  }

  /** Sends {@code signal} (e.g. "TERM") to the process's whole group. */
  public void signalGroup(String signal) throws IOException, InterruptedException {
    assertEquals(0, new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid()).start().waitFor());
  }

  private static JarProcess launch(Path cwd, Map<String, String> env, boolean group) throws IOException {
    return launch(cwd, env, group ? List.of("setsid") : List.of());
  }

  /** {@code java -jar target/peerbook.jar}, run through {@code wrapper} (a command that execs its arguments). */
  private static JarProcess launch(Path cwd, Map<String, String> env, List<String> wrapper) throws IOException {
    Path jar = Path.of("target", "peerbook.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run mvn package first");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(List.of(java, "-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PEERBOOK_"));
    pb.environment().putAll(env);
    return new JarProcess(pb.start(), Integer.parseInt(env.getOrDefault("PEERBOOK_HTTP_PORT", "0")));
  }
}
