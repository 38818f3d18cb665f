package io.peerbook.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starting, waiting for and stopping the processes under test; each writes its output to a log file. */
final class Servers {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      // HTTP/1.1 only: the default would ask for an h2c upgrade, which a websocket server (PeerJS's) refuses with 400
      .version(HttpClient.Version.HTTP_1_1).build();

  private Servers() {
  }

  /** A started process, stopped with SIGTERM (then SIGKILL after 20 s) when closed. */
  record Proc(String name, Process process, Path log) implements AutoCloseable {
    long pid() {
      return process.pid();
    }

    void checkAlive() {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
    }

    @Override
    public void close() {
      if (!process.isAlive()) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static Proc start(String name, List<String> cmd, Map<String, String> env, Path dir, Path log) {
    try {
      Files.createDirectories(dir);
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      return new Proc(name, pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Polls {@code GET path} until it answers 200 (start-up of a server is not an event we can subscribe to from
   * outside; polling every 100 ms is the orchestrator's pacing, not a test's wait).
   */
  static void awaitHttp(Proc p, int port, String path, double timeoutSeconds) {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      p.checkAlive();
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body().trim();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      pause(100);
    }
    throw new IllegalStateException(p.name() + " not ready on " + port + path + " after " + timeoutSeconds + " s: " + last);
  }

  static void awaitTcp(Proc p, int port, double timeoutSeconds) {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    while (System.nanoTime() < deadline) {
      p.checkAlive();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        pause(100);
      }
    }
    throw new IllegalStateException(p.name() + " not listening on " + port + " after " + timeoutSeconds + " s");
  }

  /** Waits until the log holds one more line containing {@code marker} than {@code before}. */
  static void awaitLogLine(Proc p, String marker, long before, double timeoutSeconds) {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    while (System.nanoTime() < deadline) {
      if (countLines(p.log(), marker) > before) {
        return;
      }
      pause(50);
    }
    throw new IllegalStateException(p.name() + ": no '" + marker + "' in " + p.log());
  }

  static long countLines(Path log, String marker) {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(marker)).count();
    } catch (IOException e) {
      return 0;
    }
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
