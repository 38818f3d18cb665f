package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics in Prometheus' text format: connections by state, relayed messages, errors, mails, Redis, event bus. */
class MetricsTest {
  private static final String EMAIL = "metrics@example.com";
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
  @DisplayName("/metrics counts sockets by state, relayed messages by type, errors by code, mails, Redis commands and bus round trips")
  void metricsFollowWhatHappens() throws Exception {
    String before = scrape();
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

    String after = scrape();
    assertEquals(2.0, sum(after, "peerbook_connections", "state=\"approved\""));
    assertEquals(1.0, sum(after, "peerbook_connections", "state=\"waiting\""));
    assertEquals(1.0, sum(after, "peerbook_relayed_messages_total", "type=\"offer\"")
        - sum(before, "peerbook_relayed_messages_total", "type=\"offer\""));
    assertEquals(1.0, sum(after, "peerbook_errors_total", "code=\"404\"") - sum(before, "peerbook_errors_total", "code=\"404\""));
    assertEquals(1.0, sum(after, "peerbook_approval_mails_total", "outcome=\"sent\"")
        - sum(before, "peerbook_approval_mails_total", "outcome=\"sent\""));
    assertTrue(sum(after, "peerbook_redis_seconds_count", "outcome=\"ok\"") > sum(before, "peerbook_redis_seconds_count", "outcome=\"ok\""));
    assertTrue(sum(after, "peerbook_bus_requests_seconds_count", "address=\"peerbook.directory.connect\"")
        >= 3 + sum(before, "peerbook_bus_requests_seconds_count", "address=\"peerbook.directory.connect\""));
    assertTrue(after.contains("vertx_http_server_requests_total"), "Vert.x's own HTTP metrics");
    assertTrue(!after.contains(EMAIL), "no email in any label");
  }

  private String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/metrics")).timeout(Duration.ofSeconds(10))
            .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /** The sum of a metric's samples whose labels contain {@code label}. */
  private static double sum(String exposition, String metric, String label) {
    Matcher m = Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(exposition);
    double total = 0;
    while (m.find()) {
      if (m.group(1).contains(label)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }
}
