package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Kind;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.peerbook.interop.NativePeer.assertChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /metrics as Prometheus' own tool reads it: {@code promtool check metrics} (Debian's prometheus package) parses the
 * exposition and lints it (names, units, HELP), after real traffic has made peerbook's meters appear.
 */
class MetricsLintTest {
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  /**
   * Lint findings on meters that Micrometer's JVM and process binders name (Vert.x turns them on with its JVM
   * metrics), not peerbook: unit abbreviations in two names and a gauge that ends in _count. Renaming them would need
   * a registry of peerbook's own, built with filters before Vert.x binds them, and common JVM dashboards know
   * them by these names.
   */
  private static final Set<String> BINDER_FINDINGS = Set.of("jvm_compilation_time_ms_total",
      "process_cpu_time_ns_total", "system_cpu_count");
  @RegisterExtension
  final NodeAndDevices user = NodeAndDevices.of("lint@example.com");

  @Test
  @DisplayName("promtool check metrics parses /metrics and finds nothing to lint on peerbook's and Vert.x's meters")
  void promtoolAcceptsTheExposition() throws Exception {
    assertTrue(Files.isExecutable(PROMTOOL), PROMTOOL + " is missing: install Debian's prometheus package (.ci/run does)");
    // Two devices that wait (approval mails), are approved and chat: connections, relayed signaling, Redis, the bus.
    NativePeer pion = user.devices().approved(Kind.PION, "pion");
    assertChat(user.devices().approved(Kind.AIORTC, "python", "call=pion"), pion);
    Files.writeString(user.home().resolve("metrics.txt"), scrape());

    // promtool reads the exposition on stdin; exit 0: valid and lint-free, 1: unparsable, 3: lint findings, one a line.
    try (LoggedProcess promtool = LoggedProcess.start("promtool", user.home(),
        List.of("/bin/sh", "-c", PROMTOOL + " check metrics < metrics.txt"))) {
      int exit = promtool.awaitExit(LoggedProcess.WAIT_SECONDS);
      String findings = promtool.output();
      assertTrue(exit == 0 || exit == 3, "promtool cannot read /metrics (exit " + exit + "):\n" + findings);
      List<String> ours = findings.lines().filter(line -> !BINDER_FINDINGS.contains(line.split(" ", 2)[0])).toList();
      assertEquals(List.of(), ours, "lint findings beyond the known ones of Micrometer's binders:\n" + findings);
    }
  }

  private String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + user.port() + "/metrics"))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    for (String meter : List.of("peerbook_relayed_messages_total", "peerbook_approval_mails_total",
        "peerbook_redis_seconds_bucket", "peerbook_bus_requests_seconds_bucket", "vertx_http_server_requests_total")) {
      assertTrue(r.body().contains(meter), meter + " is not in /metrics");
    }
    return r.body();
  }
}
