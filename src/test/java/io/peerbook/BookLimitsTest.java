package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
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
import java.util.regex.Pattern;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bound on a user's book: at most max_peers approved peers, however they would be added. */
class BookLimitsTest {
  private static final String EMAIL = "erin@example.com";
  private static final Pattern ALERT = Pattern.compile("role=\"alert\"[^>]*>(.*?)</", Pattern.DOTALL);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("with max_peers approved peers, an admin PUT of a new name gets 409 with a text naming the limit and stores nothing; updating an existing peer still works")
  void adminPutBeyondMaxPeers() {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN, "max_peers", 2));
    provision(node, EMAIL, "A", Fingerprints.random());
    provision(node, EMAIL, "B", Fingerprints.random());

    HttpResponse<String> refused = put("C", new JsonObject().put("fingerprint", Fingerprints.random()));
    assertEquals(409, refused.statusCode(), refused.body());
    JsonObject body = new JsonObject(refused.body());
    assertEquals(409, body.getInteger("code"));
    assertTrue(body.getString("text").contains("2 approved peers, the most allowed"), body.encode());
    assertEquals(2, SocketKit.book(node, EMAIL).getJsonArray("approved").size());

    assertEquals(200, Admin.put(node.port, SocketKit.ADMIN_TOKEN, EMAIL, "A",
        new JsonObject().put("fingerprint", Fingerprints.random()).put("color", "red")), "a new fingerprint for a known name");
  }

  @Test
  @DisplayName("with max_peers approved peers, approving a request on the page shows an error, the request stays pending and its socket keeps waiting")
  void pageApprovalBeyondMaxPeers() {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN, "max_peers", 1));
    provision(node, EMAIL, "A", Fingerprints.random());
    String fp = Fingerprints.random();
    PeerClient device = node.connect(EMAIL, "Laptop", fp);
    device.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));

    HttpResponse<String> approved = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", fp));
    assertEquals(303, approved.statusCode(), approved.body());
    HttpResponse<String> shown = browser.get(approved.headers().firstValue("Location").orElseThrow());
    assertTrue(ALERT.matcher(shown.body()).find(), "no error on the page: " + shown.body());

    JsonObject book = SocketKit.book(node, EMAIL);
    assertEquals(1, book.getJsonArray("approved").size(), book.encode());
    assertEquals(1, book.getJsonArray("pending").size(), "the request is still there: " + book.encode());
    device.expectNothingBeforePong();
  }

  private HttpResponse<String> put(String name, JsonObject body) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/admin/users/" + EMAIL
            + "/peers/" + name)).header("Authorization", "Bearer " + SocketKit.ADMIN_TOKEN)
        .PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
