package io.peerbook.support;

import redis.embedded.RedisServer;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for tests: Debian's {@code redis-server} when it is on the PATH, else the binary shipped inside
 * embedded-redis. One is shared by the whole run (tests keep apart by key prefix); outage tests start their own and
 * stop or freeze it.
 */
public final class TestRedis implements AutoCloseable {
  private static TestRedis shared;
  private final int port;
  private Process process;
  private RedisServer embedded;

  private TestRedis(int port) {
    this.port = port;
  }

  /** The run-wide Redis, started on first use and stopped when the JVM exits. */
  public static synchronized TestRedis shared() {
    if (shared == null) {
      shared = start();
      TestRedis r = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(r::close));
    }
    return shared;
  }

  public static TestRedis start() {
    TestRedis r = new TestRedis(freePort());
    r.launch();
    return r;
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  /** Starts the server (again) on the same port. */
  public synchronized void launch() {
    try {
      String binary = onPath("redis-server");
      if (binary != null) {
        process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).redirectOutput(File.createTempFile("redis-test", ".log")).start();
      } else {
        embedded = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
        embedded.start();
      }
      awaitListening();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server", e);
    }
  }

  /** Stops the server, as an outage would. */
  public synchronized void stop() {
    try {
      if (process != null) {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
        process = null;
      }
      if (embedded != null) {
        embedded.stop();
        embedded = null;
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Freezes the server (SIGSTOP), as a hung Redis would be: the port still accepts connections, nothing answers.
   * Returns false when this Redis is not a redis-server process of ours (the embedded fallback), so it cannot be frozen.
   */
  public synchronized boolean freeze() {
    return signal("STOP");
  }

  /** Lets a frozen server run again (SIGCONT). */
  public synchronized boolean thaw() {
    return signal("CONT");
  }

  private boolean signal(String name) {
    if (process == null || !process.isAlive()) {
      return false;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        // not listening yet: poll again
        Thread.onSpinWait();
      }
    }
    throw new IOException("redis-server did not listen on " + port);
  }

  private static String onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute() && Files.isRegularFile(f.toPath())) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
