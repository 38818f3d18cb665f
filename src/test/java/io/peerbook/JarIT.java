package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.JarProcess;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged jar, run the way a user runs it: {@code java -jar target/peerbook.jar} from an empty folder, no
 * configuration file, no Redis URL (so the embedded Redis keeps its data under ./data) and no SMTP host (so the
 * approval link is written to the log). Run by maven-failsafe after {@code mvn package}.
 */
class JarIT {
  private static final long START_SECONDS = 60;
  private static final long STOP_SECONDS = 10;
  private static final Pattern LINK_LINE = Pattern.compile("approval link for (\\S+): (\\S+)");

  @TempDir
  Path folder;
  private final List<JarProcess> runs = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() {
    for (JarProcess run : runs) {
      run.kill();
    }
    vertx.close().await();
  }

  @Test
  @DisplayName("java -jar from an empty folder: a peer waits with 401, the logged link approves it, SIGTERM closes it with 1001 and the process exits within 10 s keeping ./data; a second start in the same folder still knows the peer")
  void runsFromAnEmptyFolder() throws Exception {
    JarProcess run = launch(folder, freePortEnv());
    run.awaitHealthy();

    String fp = Fingerprints.random();
    PeerClient laptop = PeerClient.connect(vertx, run.port, "Alice@Example.com", "Laptop", fp, "client");
    laptop.expectCode(401);

    Matcher link = run.awaitLine(LINK_LINE, "the approval link in the log");
    assertEquals("alice@example.com", link.group(1), link.group());
    assertTrue(link.group(2).startsWith("http://127.0.0.1:" + run.port + "/approve/"), link.group());

    PageClient browser = new PageClient(run.port);
    String page = browser.signIn(link.group(2));
    assertTrue(page.contains(fp), page);
    HttpResponse<String> approved = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", fp));
    assertEquals(303, approved.statusCode(), approved.body());
    laptop.expectCode(200);

    assertStopsOnSigterm(run, laptop);

    Path data = folder.resolve("data");
    assertTrue(Files.isDirectory(data), "no ./data folder\n" + run.log());
    try (Stream<Path> files = Files.walk(data)) {
      assertTrue(files.anyMatch(Files::isRegularFile), "./data holds no file");
    }

    // Same folder again: the book was kept, the peer is approved at once.
    JarProcess again = launch(folder, freePortEnv());
    again.awaitHealthy();
    PeerClient back = PeerClient.connect(vertx, again.port, "alice@example.com", "Laptop", fp, "client");
    back.expectCode(200);
    assertStopsOnSigterm(again, back);
  }

  @Test
  @DisplayName("stopped the way Ctrl-C stops it (a signal to its whole process group) with a peer connected, a node clears the peer before its embedded Redis stops: no warning in its log, and the next start has nothing to clean up after")
  void ctrlCIsClean() throws Exception {
    JarProcess run = kept(JarProcess.launchAsGroup(folder, freePortEnv()));
    run.awaitHealthy();
    PeerClient laptop = PeerClient.connect(vertx, run.port, "alice@example.com", "Laptop", Fingerprints.random(), null);
    laptop.expectCode(401);
    run.signalGroup("TERM");
    assertEquals((short) 1001, laptop.awaitClose());
    assertTrue(run.process.waitFor(STOP_SECONDS, TimeUnit.SECONDS), "did not stop\n" + run.log());
    run.drained();
    assertTrue(run.log().lines().noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR ")), run.log());

    JarProcess again = launch(folder, freePortEnv());
    again.awaitHealthy();
    PeerClient back = PeerClient.connect(vertx, again.port, "alice@example.com", "Laptop", Fingerprints.random(), null);
    back.expectCode(401);
    assertTrue(again.log().lines().noneMatch(l -> l.contains("gone") || l.contains(" WARN ")), again.log());
  }

  @Test
  @DisplayName("under an open-file limit too small for max_connections, the node says so once at start and takes what the limit allows, answering 503 past it instead of failing in its accept loop")
  void fileLimitCapsSockets() throws Exception {
    int files = 400;
    JarProcess run = kept(JarProcess.launchWithFileLimit(folder, freePortEnv(), files));
    run.awaitHealthy();
    run.awaitLine(Pattern.compile("may open only " + files + " files: it takes at most (\\d+) sockets"), "the warning");
    int cap = files - 256;
    List<PeerClient> held = new ArrayList<>();
    for (int i = 0; i < cap; i++) {
      held.add(PeerClient.connect(vertx, run.port, "u" + i + "@example.com", "Device", Fingerprints.random(), null));
    }
    held.forEach(p -> p.expectCode(401));
    SocketKit.Handshake refused = SocketKit.handshake(run.port, PeerClient.query("late@example.com", "Device",
        Fingerprints.random(), null), null);
    assertEquals(503, refused.status(), refused.body());
    assertTrue(run.log().lines().noneMatch(l -> l.contains("Too many open files")), run.log());
    assertEquals(1, run.log().lines().filter(l -> l.contains("may open only")).count(), run.log());
    held.forEach(PeerClient::close);
  }

  @Test
  @DisplayName("PEERBOOK_CONFIG naming a file with an unknown key: the process exits non-zero and says which key")
  void badConfigFileUnknownKey() throws Exception {
    Path bad = folder.resolve("bad.json");
    Files.writeString(bad, "{\"http_port\": 8080, \"smtp_hots\": \"mail.example\"}");
    JarProcess run = launch(folder, Map.of("PEERBOOK_CONFIG", bad.toString()));
    assertFailsSaying(run, "smtp_hots");
  }

  @Test
  @DisplayName("PEERBOOK_CONFIG naming a file that is not JSON: the process exits non-zero and names the file")
  void badConfigFileNotJson() throws Exception {
    Path bad = folder.resolve("broken.json");
    Files.writeString(bad, "http_port = 8080\n");
    JarProcess run = launch(folder, Map.of("PEERBOOK_CONFIG", bad.toString()));
    assertFailsSaying(run, bad.toString());
  }

  @Test
  @DisplayName("PEERBOOK_CONFIG naming a missing file: the process exits non-zero and names the file")
  void missingConfigFile() throws Exception {
    Path missing = folder.resolve("nowhere.json");
    JarProcess run = launch(folder, Map.of("PEERBOOK_CONFIG", missing.toString()));
    assertFailsSaying(run, missing.toString());
  }

  // --- helpers ---

  /** A process this test started, killed after it whatever happened. */
  private JarProcess kept(JarProcess run) {
    runs.add(run);
    return run;
  }

  private JarProcess launch(Path cwd, Map<String, String> env) throws IOException {
    return kept(JarProcess.launch(cwd, env));
  }

  /**
   * Sends SIGTERM; the connected peer is closed with 1001, the process exits within 10 s, and nothing it started
   * (the embedded Redis) is left running.
   */
  private static void assertStopsOnSigterm(JarProcess run, PeerClient peer) throws Exception {
    List<ProcessHandle> children = run.process.descendants().toList();
    assertTrue(children.size() > 0, "no embedded Redis process under peerbook");
    long t0 = System.nanoTime();
    run.process.destroy(); // SIGTERM
    assertEquals((short) 1001, peer.awaitClose(), "the socket's close code on shutdown");
    assertTrue(run.process.waitFor(STOP_SECONDS, TimeUnit.SECONDS),
        "the process did not exit within " + STOP_SECONDS + " s of SIGTERM\n" + run.log());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms <= STOP_SECONDS * 1000, "exit took " + ms + " ms");
    for (ProcessHandle child : children) {
      try {
        child.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        child.destroyForcibly();
        fail("a process started by peerbook outlived it: " + child.info().commandLine().orElse("pid " + child.pid()));
      }
    }
  }

  private static void assertFailsSaying(JarProcess run, String expected) throws Exception {
    assertTrue(run.process.waitFor(START_SECONDS, TimeUnit.SECONDS), "the process did not exit\n" + run.log());
    run.drained();
    assertNotEquals(0, run.process.exitValue(), run.log());
    assertTrue(run.log().contains(expected), "the output does not mention " + expected + ":\n" + run.log());
  }

  private static Map<String, String> freePortEnv() {
    int port = TestRedis.freePort();
    return Map.of("PEERBOOK_HTTP_PORT", String.valueOf(port), "PEERBOOK_PUBLIC_URL", "http://127.0.0.1:" + port);
  }

}
