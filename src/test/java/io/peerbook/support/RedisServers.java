package io.peerbook.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code redis-server} and {@code redis-sentinel} as real processes on loopback ports, for the tests of
 * Sentinel and Redis Cluster, with a tiny blocking client ({@link #call}) that needs no Vert.x: the tests ask the
 * servers about their roles while the node under test is busy.
 */
public final class RedisServers implements AutoCloseable {
  private final Path dir;
  private final List<Server> servers = new ArrayList<>();

  public RedisServers() {
    try {
      dir = Files.createTempDirectory("peerbook-redis");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One redis-server or redis-sentinel process. */
  public final class Server {
    public final int port;
    private final List<String> command;
    private Process process;

    private Server(int port, List<String> command) {
      this.port = port;
      this.command = command;
    }

    public String url() {
      return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again, on the same port and files) and waits until it answers PING. */
    public Server start() {
      try {
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(port + ".log").toFile())).start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start " + command, e);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          RedisServers.call(port, "PING");
          return this;
        } catch (IllegalStateException e) {
          if (System.nanoTime() > deadline || !process.isAlive()) {
            throw new IllegalStateException(command + " did not answer; see " + dir.resolve(port + ".log"), e);
          }
          pause();
        }
      }
    }

    /** SIGKILL, as a crash or a pulled plug. */
    public void kill() {
      if (process != null) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    public boolean alive() {
      return process != null && process.isAlive();
    }

    public String call(String... args) {
      return RedisServers.call(port, args);
    }
  }

  /** A redis-server on a free port; {@code args} are extra command-line settings ({@code --replicaof …}). */
  public Server server(String... args) {
    int port = TestRedis.freePort();
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no", "--dbfilename", "dump-" + port + ".rdb"));
    command.addAll(List.of(args));
    Server s = new Server(port, command);
    servers.add(s);
    return s.start();
  }

  /** A redis-sentinel on a free port with this configuration (its file must be writable: sentinels rewrite it). */
  public Server sentinel(String config) {
    int port = TestRedis.freePort();
    Path file = dir.resolve("sentinel-" + port + ".conf");
    try {
      Files.writeString(file, "port " + port + "\nbind 127.0.0.1\n" + config);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Server s = new Server(port, List.of("redis-sentinel", file.toString()));
    servers.add(s);
    return s.start();
  }

  /** A short pause between two polls of a condition that has a deadline. */
  public static void pause() {
    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
  }

  /** Polls until the condition holds; fails with the message after {@code seconds}. */
  public static void until(long seconds, java.util.function.BooleanSupplier condition, String message) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(message + " (waited " + seconds + " s)");
      }
      pause();
    }
  }

  public Path dir() {
    return dir;
  }

  /** Kills every process it started and deletes their files. */
  @Override
  public void close() {
    servers.forEach(Server::kill);
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind
    }
  }

  /** Sends one command in RESP and returns the reply as text (arrays flattened one item per line). */
  public static String call(int port, String... args) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      StringBuilder reply = new StringBuilder();
      read(socket.getInputStream(), reply);
      return reply.toString();
    } catch (IOException e) {
      throw new IllegalStateException("redis on " + port + ": " + e, e);
    }
  }

  private static void read(InputStream in, StringBuilder out) throws IOException {
    String line = line(in);
    char type = line.charAt(0);
    String rest = line.substring(1);
    switch (type) {
      case '+', ':' -> out.append(rest).append('\n');
      case '-' -> throw new IllegalStateException(rest);
      case '$' -> {
        int n = Integer.parseInt(rest);
        if (n >= 0) {
          out.append(new String(in.readNBytes(n), StandardCharsets.UTF_8)).append('\n');
          in.readNBytes(2);
        }
      }
      case '*' -> {
        int n = Integer.parseInt(rest);
        for (int i = 0; i < n; i++) {
          read(in, out);
        }
      }
      default -> throw new IOException("unexpected reply " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      s.append((char) c);
    }
    in.read();
    return s.toString();
  }
}
