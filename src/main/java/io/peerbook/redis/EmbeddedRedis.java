package io.peerbook.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Redis that a one-machine start runs when no {@code PEERBOOK_REDIS_URL} is set: the {@code redis-server} binary
 * shipped inside embedded-redis, on a free loopback port, keeping an append-only file under the data folder. peerbook
 * runs the process itself rather than through the library, whose own shutdown hook stopped Redis while the node was
 * still clearing its peers' presence: it is stopped last, by {@link #close}.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final long START_SECONDS = 20;
  private static final String PID_FILE = "redis.pid";
  private final Process process;
  private final int port;

  private EmbeddedRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath();
    Files.createDirectories(dir);
    stopLeftOver(dir.resolve(PID_FILE));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    File binary = ExecutableProvider.newJarResourceProvider().get();
    List<String> command = new ArrayList<>();
    // In a session of its own, the Ctrl-C a terminal sends to the whole foreground group does not stop Redis before
    // the node has cleared its peers; the node stops it afterwards.
    if (new File("/usr/bin/setsid").canExecute()) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(List.of(binary.getAbsolutePath(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--dir", dir.toString(), "--appendonly", "yes", "--save", "", "--pidfile", dir.resolve(PID_FILE).toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    awaitReady(process);
    LOG.info("embedded Redis started on 127.0.0.1:{} with its data in {}", port, dir);
    return new EmbeddedRedis(process, port);
  }

  /** Reads Redis's log until it accepts connections; the rest of its log is drained and dropped. */
  private static void awaitReady(Process process) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    StringBuilder seen = new StringBuilder();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      seen.append(line).append('\n');
      if (line.contains("Ready to accept connections")) {
        Thread drain = new Thread(() -> drain(out), "embedded-redis-log");
        drain.setDaemon(true);
        drain.start();
        return;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    process.destroyForcibly();
    throw new IOException("the embedded Redis did not start:\n" + seen);
  }

  private static void drain(BufferedReader out) {
    try {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        LOG.debug("redis: {}", line);
      }
    } catch (IOException e) {
      // Redis stopped and its output closed: nothing more to read
    }
  }

  /**
   * A Redis of an earlier run that was killed (its JVM got SIGKILL) still holds the data folder: it is stopped, so that
   * two servers never write one append-only file.
   */
  private static void stopLeftOver(Path pidFile) throws IOException {
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> old = ProcessHandle.of(pid)
        .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false));
    if (old.isPresent()) {
      LOG.info("stopping the embedded Redis of an earlier run (pid {}) that still holds {}", pid, pidFile.getParent());
      old.get().destroy();
      old.get().onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** Stops Redis (it writes its append-only file out first) and waits for it. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
