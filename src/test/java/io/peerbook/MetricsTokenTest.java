package io.peerbook;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /metrics} behind {@code PEERBOOK_METRICS_TOKEN}: a Bearer token when set, open as before when not. */
class MetricsTokenTest {
  private static final String TOKEN = "s3cret-metrics-token";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("with metrics_token set, a scrape without the token, with a wrong one or another scheme gets 401; with Bearer <token> it gets the metrics")
  void tokenIsRequiredWhenSet() {
    node = TestNode.start(Map.of("metrics_token", TOKEN));
    for (String authorization : new String[] {null, "Bearer", "Bearer ", "Bearer wrong", "Bearer " + TOKEN + "x",
        "Bearer " + TOKEN.toUpperCase(), "Basic " + TOKEN, TOKEN}) {
      HttpResponse<String> r = scrape(authorization);
      assertEquals(401, r.statusCode(), "Authorization: " + authorization);
      assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(null));
      assertFalse(r.body().contains("peerbook_") || r.body().contains("vertx_"), "metrics without the token: " + r.body());
    }
    HttpResponse<String> r = scrape("Bearer " + TOKEN);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("vertx_http_server_requests_total"), "the metrics: " + r.body());
  }

  @Test
  @DisplayName("without metrics_token /metrics is open, as before, whatever Authorization says")
  void openWhenUnset() {
    node = TestNode.start(Map.of());
    assertEquals(200, scrape(null).statusCode());
    assertEquals(200, scrape("Bearer anything").statusCode());
  }

  @Test
  @DisplayName("PEERBOOK_METRICS_TOKEN sets metrics_token; blank or absent leaves /metrics open")
  void configuration() {
    assertEquals("abc", PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), Map.of("PEERBOOK_METRICS_TOKEN", "abc")))
        .metricsToken());
    assertEquals("f", PeerbookConfig.from(PeerbookConfig.merge(new JsonObject().put("metrics_token", "f"), Map.of()))
        .metricsToken());
    assertNull(PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), Map.of("PEERBOOK_METRICS_TOKEN", " ")))
        .metricsToken());
    assertNull(PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), Map.of())).metricsToken());
  }

  private HttpResponse<String> scrape(String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/metrics"))
        .timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
