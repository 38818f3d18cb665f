package io.peerbook;

import io.peerbook.support.PageClient;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The operators' probes: liveness and readiness. (Readiness during a Redis outage: RedisOutageTest.) */
class HealthTest {
  private TestNode node;
  private PageClient http;

  @BeforeEach
  void start() {
    // An allow-list and an admin token must not get in the way of the probes.
    node = TestNode.start(Map.of("allowed_origins", "https://app.example", "admin_token", "probe-secret"));
    http = new PageClient(node.port);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("GET /healthz answers 200 while the process is up, without any credentials")
  void healthz() {
    HttpResponse<String> r = http.get("/healthz");
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  @DisplayName("GET /readyz answers 200 when Redis is reachable and the node is not clustered")
  void readyz() {
    HttpResponse<String> r = http.get("/readyz");
    assertEquals(200, r.statusCode(), r.body());
    // asked again, still ready: the check does not use up anything
    assertEquals(200, http.get("/readyz").statusCode());
  }

  @Test
  @DisplayName("the probes answer only to their own paths: an unknown path is 404")
  void unknownPathIs404() {
    assertEquals(404, http.get("/healthzz").statusCode());
    assertEquals(404, http.get("/readyz/extra").statusCode());
  }
}
