package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Await;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.peerbook.support.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A change the user makes while Redis is stalled is either stored or reported failed, never silently dropped, and
 * never stored after it was reported failed: the page shows an error, the peer and the admin get 503, and when
 * Redis resumes the book is as it was. The recovery, and the book after it, are awaited on the event loop.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class OutageChangesTest {
  private static final String TOKEN = "outage-admin";
  private static final String EMAIL = "hana@example.com";
  /** Time for the commands Redis queued while frozen to run, and whatever they would set off. */
  private static final long SETTLE_MS = 1_000;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Vertx vertx;
  private TestRedis redis;
  private TestNode node;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    redis = TestRedis.start();
    node = TestNode.start(vertx, redis.url(), Map.of("admin_token", TOKEN));
  }

  @AfterEach
  void stop() {
    try {
      redis.thaw();
      node.close();
    } finally {
      redis.close();
    }
  }

  @Test
  @DisplayName("Redis frozen: approving on the page shows an error, set_properties and an admin PUT get 503; thawed: nothing of the three was stored and the device still waits")
  void changesDuringAStallAreReportedAndNotStoredLater(VertxTestContext ctx) {
    String phoneFp = Fingerprints.random();
    Admin.provision(node.port, TOKEN, EMAIL, "Phone", phoneFp, null);
    PeerClient phone = node.connect(EMAIL, "Phone", phoneFp);
    phone.expectCode(200);
    assertEquals(200, phone.request(new JsonObject().put("command", "set_properties")
        .put("properties", new JsonObject().put("color", "red"))).getInteger("code"));
    String laptopFp = Fingerprints.random();
    PeerClient laptop = node.connect(EMAIL, "Laptop", laptopFp);
    laptop.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    JsonObject before = Admin.book(node.port, TOKEN, EMAIL);

    Assumptions.assumeTrue(redis.freeze(), "needs redis-server on the PATH to freeze it");

    HttpResponse<String> approve = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp));
    HttpResponse<String> shown = approve.statusCode() == 303
        ? browser.get(approve.headers().firstValue("Location").orElseThrow()) : approve;
    assertTrue(shown.statusCode() >= 500 || shown.body().contains("role=\"alert\""),
        "the page did not report the failure: " + shown.statusCode() + " " + shown.body());

    JsonObject props = phone.request(new JsonObject().put("command", "set_properties")
        .put("properties", new JsonObject().put("color", "blue")));
    assertEquals(503, props.getInteger("code", -1), props.encode());

    HttpResponse<String> put = adminPut("Tablet", new JsonObject().put("fingerprint", Fingerprints.random()));
    assertEquals(503, put.statusCode(), put.body());
    assertEquals(503, new JsonObject(put.body()).getInteger("code"));

    Checkpoint recovered = ctx.checkpoint();
    Checkpoint unchanged = ctx.checkpoint();
    assertTrue(redis.thaw());
    Await.eventually(vertx, 5_000, () -> vertx.executeBlocking(() -> browser.get("/readyz").statusCode() == 200),
        () -> "/readyz did not recover").compose(v -> {
          recovered.flag();
          return vertx.timer(SETTLE_MS);
        }).compose(t -> vertx.executeBlocking(() -> Admin.book(node.port, TOKEN, EMAIL))).compose(after -> {
          assertEquals(before, after, "a change reported failed was stored after all");
          return Future.all(laptop.quiet(), phone.quiet());
        }).onComplete(ctx.succeeding(v -> unchanged.flag()));
  }

  private HttpResponse<String> adminPut(String name, JsonObject body) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/admin/users/" + EMAIL
            + "/peers/" + name)).header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
