package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.JarProcess;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs here, so the image's runtime stage is exercised by doing what it does: the files it copies
 * laid out in a folder standing for /app, its ENV, its ENTRYPOINT run by sh, its HEALTHCHECK command, and a SIGTERM
 * as {@code docker stop} sends. The one deviation: the HTTP port is a free one instead of 8080.
 */
class DockerfileIT {
  private static final Pattern ENV_PAIR = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)");
  @TempDir
  Path app;
  private JarProcess container;
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (container != null) {
      container.kill();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("the image's entry point, environment and health check run the jar as a container would, and SIGTERM stops it within 10 s")
  void runtimeStageAsAContainerRunsIt() throws Exception {
    List<String> dockerfile = joinContinuations(Files.readAllLines(Path.of("Dockerfile")));
    List<String> runtime = dockerfile.subList(lastIndexOf(dockerfile, "FROM "), dockerfile.size());

    assertTrue(runtime.stream().anyMatch(l -> l.matches("USER \\w+") && !l.equals("USER root")), "runs as a non-root user");
    String expose = only(runtime, "EXPOSE ");
    Map<String, String> env = env(runtime);
    for (String port : List.of(env.get("PEERBOOK_HTTP_PORT"), env.get("PEERBOOK_CLUSTER_PORT"), env.get("PEERBOOK_CLUSTER_BUS_PORT"))) {
      assertTrue(expose.contains(port), "EXPOSE lists port " + port);
    }

    // COPY --from=build …/peerbook.jar /app/peerbook.jar, COPY conf /app/conf, COPY cluster.xml /app/cluster.xml
    Files.copy(Path.of("target", "peerbook.jar"), app.resolve("peerbook.jar"));
    copyTree(Path.of("conf"), app.resolve("conf"));
    Files.copy(Path.of("cluster.xml"), app.resolve("cluster.xml"));

    int port = TestRedis.freePort();
    Map<String, String> containerEnv = new LinkedHashMap<>();
    env.forEach((k, v) -> containerEnv.put(k, v.replace("/app", app.toString())));
    containerEnv.put("PEERBOOK_HTTP_PORT", String.valueOf(port));
    String entrypoint = only(runtime, "ENTRYPOINT ");
    Matcher m = Pattern.compile("\\[\"sh\", \"-c\", \"(.*)\"]").matcher(entrypoint.substring("ENTRYPOINT ".length()));
    assertTrue(m.matches(), "ENTRYPOINT is [\"sh\", \"-c\", \"…\"]: " + entrypoint);
    String command = m.group(1).replace("/app", app.toString());

    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(app.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PEERBOOK_") || k.equals("JAVA_OPTS"));
    pb.environment().putAll(containerEnv);
    container = new JarProcess(pb.start(), port);
    Process process = container.process;
    container.awaitHealthy();
    // exec in the entry point: java itself is the container's process, so it gets the SIGTERM.
    String executable = process.info().command().orElse("");
    assertTrue(executable.endsWith("java"), "the entry point's process is " + executable);

    String healthcheck = only(runtime, "HEALTHCHECK ");
    String check = healthcheck.substring(healthcheck.indexOf("CMD ") + 4).replace("8080", String.valueOf(port));
    Process probe = new ProcessBuilder("sh", "-c", check).redirectErrorStream(true).start();
    assertTrue(probe.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, probe.exitValue(), "HEALTHCHECK " + check + " failed");

    vertx = Vertx.vertx();
    PeerClient peer = PeerClient.connect(vertx, port, "docker@example.com", "box", Fingerprints.random(), null);
    peer.expectCode(401);
    assertTrue(Files.isDirectory(app.resolve("data")), "the data volume folder holds the embedded Redis data");

    process.destroy(); // docker stop: SIGTERM
    assertEquals((short) 1001, peer.awaitClose());
    assertTrue(process.waitFor(10, TimeUnit.SECONDS), "did not stop within 10 s of SIGTERM:\n" + container.log());
    container.drained();
    assertFalse(container.log().lines().anyMatch(l -> l.contains(" ERROR ") || l.startsWith("Exception in thread")),
        "errors in the output:\n" + container.log());
  }

  /** Dockerfile lines with their backslash continuations joined, comments and blank lines dropped. */
  private static List<String> joinContinuations(List<String> lines) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String t = line.trim();
      if (current.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
        continue;
      }
      if (t.endsWith("\\")) {
        current.append(t, 0, t.length() - 1).append(' ');
      } else {
        out.add(current.append(t).toString().replaceAll("\\s+", " "));
        current.setLength(0);
      }
    }
    return out;
  }

  private static Map<String, String> env(List<String> lines) {
    Map<String, String> env = new LinkedHashMap<>();
    lines.stream().filter(l -> l.startsWith("ENV ")).forEach(l -> {
      Matcher m = ENV_PAIR.matcher(l.substring(4));
      while (m.find()) {
        String v = m.group(2);
        env.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
      }
    });
    return env;
  }

  private static String only(List<String> lines, String prefix) {
    List<String> found = lines.stream().filter(l -> l.startsWith(prefix)).toList();
    assertEquals(1, found.size(), "one " + prefix.trim() + " line");
    return found.get(0);
  }

  private static int lastIndexOf(List<String> lines, String prefix) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no " + prefix);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
