package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApprovalFlowTest {
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("an unknown peer waits with 401, its user gets one mail, and approving on the page turns the socket 200")
  void unknownPeerIsApprovedThroughTheMailedLink() {
    String fp = Fingerprints.random();
    PeerClient laptop = node.connect("Alice@Example.com", "Laptop", "sha-256 " + fp.toLowerCase(), "client");
    laptop.expectCode(401);

    MimeMessage mail = node.awaitMail(1);
    String link = TestNode.link(mail);
    assertTrue(TestNode.text(mail).contains("Laptop"));
    assertTrue(TestNode.html(mail).contains("Laptop"));

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(link);
    assertTrue(page.contains(fp), page);
    var approved = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", fp));
    assertEquals(303, approved.statusCode());

    JsonObject status = laptop.expectCode(200);
    assertTrue(status.getString("text").length() > 0);

    JsonObject list = laptop.request(new JsonObject().put("command", "get_list"));
    JsonArray entries = list.getJsonArray("list");
    assertEquals(1, entries.size());
    JsonObject me = entries.getJsonObject(0);
    assertEquals("Laptop", me.getString("name"));
    assertEquals(fp, me.getString("fingerprint"));
    assertEquals("client", me.getString("kind"));
    assertEquals(true, me.getBoolean("online"));
    assertTrue(me.getString("registration_date").endsWith("Z"));
    assertTrue(me.getString("last_connection").endsWith("Z"));
  }
}
