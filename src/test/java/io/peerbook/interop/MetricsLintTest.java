package io.peerbook.interop;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /metrics as Prometheus' own tool reads it: {@code promtool check metrics} (Debian's prometheus package) parses the
 * exposition and lints it (names, units, HELP), after traffic has made every peerbook meter appear.
 */
class MetricsLintTest {
  /**
   * Lint findings on meters that Micrometer's JVM and process binders name (Vert.x turns them on with its JVM
   * metrics), not peerbook: unit abbreviations in two names and a gauge that ends in _count. Renaming them would need
   * a registry of peerbook's own, built with filters before Vert.x binds them, and common JVM dashboards know
   * them by these names.
   */
  private static final Set<String> BINDER_FINDINGS = Set.of("jvm_compilation_time_ms_total",
      "process_cpu_time_ns_total", "system_cpu_count");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final String EMAIL = "lint@example.com";
  @TempDir
  Path home;
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", "t"));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("promtool check metrics parses /metrics and finds nothing to lint on peerbook's and Vert.x's meters")
  void promtoolAcceptsTheExposition() throws Exception {
    assertTrue(Files.isExecutable(PROMTOOL), PROMTOOL + " is missing: install Debian's prometheus package (.ci/run does)");
    traffic();
    Path scrape = home.resolve("metrics.txt");
    Files.writeString(scrape, scrape());

    // promtool reads the exposition on stdin; exit 0: valid and lint-free, 1: unparsable, 3: lint findings, one a line.
    try (LoggedProcess promtool = LoggedProcess.start("promtool", home,
        List.of("/bin/sh", "-c", PROMTOOL + " check metrics < metrics.txt"))) {
      int exit = promtool.awaitExit(LoggedProcess.WAIT_SECONDS);
      String findings = promtool.output();
      assertTrue(exit == 0 || exit == 3, "promtool cannot read /metrics (exit " + exit + "):\n" + findings);
      List<String> ours = findings.lines().filter(line -> !BINDER_FINDINGS.contains(line.split(" ", 2)[0])).toList();
      assertEquals(List.of(), ours, "lint findings beyond the known ones of Micrometer's binders:\n" + findings);
    }
  }

  /** A relayed offer, an error, a waiting device (so a mail), Redis commands and bus requests: each meter shows. */
  private void traffic() {
    String aFp = Fingerprints.random();
    String bFp = Fingerprints.random();
    Admin.provision(node.port, "t", EMAIL, "a", aFp, null);
    Admin.provision(node.port, "t", EMAIL, "b", bFp, null);
    PeerClient a = node.connect(EMAIL, "a", aFp);
    a.expectCode(200);
    PeerClient b = node.connect(EMAIL, "b", bFp);
    b.expectCode(200);
    node.connect(EMAIL, "c", Fingerprints.random()).expectCode(401);
    node.awaitMail(1);
    a.send(new JsonObject().put("target", "b").put("offer", "sdp"));
    b.next(m -> m.containsKey("offer"));
    assertEquals(404, a.request(new JsonObject().put("target", "nobody").put("offer", "x")).getInteger("code"));
  }

  private String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/metrics")).timeout(Duration.ofSeconds(10))
            .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("peerbook_relayed_messages_total") && r.body().contains("vertx_http_server_requests_total"),
        "peerbook's and Vert.x's meters");
    return r.body();
  }
}
