package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A node's set of the presence and waiting records it holds (what a survivor clears when the node dies) follows
 * those records exactly: no stale members pile up, and a clean stop leaves nothing behind.
 */
class NodeRecordsTest {
  private static final String EMAIL = "records@example.com";
  private static final String TOKEN = "t";
  private TestNode node;
  private Redis redis;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
    redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
  }

  @AfterEach
  void stop() {
    redis.close();
    node.close();
  }

  @Test
  @DisplayName("the node's record set gains and loses members as peers connect, wait, are approved, rejected, removed and renamed")
  void recordsFollowPresence() {
    String laptopFp = Fingerprints.random();
    Admin.provision(node.port, TOKEN, EMAIL, "Laptop", laptopFp, null);
    PeerClient laptop = node.connect(EMAIL, "Laptop", laptopFp);
    laptop.expectCode(200);
    assertEquals(Set.of(online("laptop")), records());

    String phoneFp = Fingerprints.random();
    PeerClient phone = node.connect(EMAIL, "Phone", phoneFp);
    phone.expectCode(401);
    assertEquals(Set.of(online("laptop"), waiting("phone", phoneFp)), records());

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertEquals(303, browser.act(page, "approve", Map.of("name", "Phone", "fingerprint", phoneFp)).statusCode());
    phone.expectCode(200);
    assertEquals(Set.of(online("laptop"), online("phone")), records());

    String tabletFp = Fingerprints.random();
    PeerClient tablet = node.connect(EMAIL, "Tablet", tabletFp);
    tablet.expectCode(401);
    assertEquals(303, browser.act(page, "reject", Map.of("name", "Tablet", "fingerprint", tabletFp)).statusCode());
    tablet.expectCode(403);
    assertEquals(Set.of(online("laptop"), online("phone")), records());

    assertEquals(303, browser.act(page, "rename", Map.of("name", "Phone", "new_name", "Mobile")).statusCode());
    phone.next(m -> m.containsKey("peer_update"));
    assertEquals(Set.of(online("laptop"), online("mobile")), records());

    assertEquals(204, Admin.delete(node.port, TOKEN, EMAIL, "Mobile"));
    assertEquals(4401, phone.awaitClose());
    assertEquals(Set.of(online("laptop")), records());

    laptop.close();
    laptopGone();
  }

  @Test
  @DisplayName("a node that stops cleanly leaves no record set behind")
  void cleanStopLeavesNothing() {
    String fp = Fingerprints.random();
    Admin.provision(node.port, TOKEN, EMAIL, "Laptop", fp, null);
    node.connect(EMAIL, "Laptop", fp).expectCode(200);
    assertEquals(1, records().size());
    node.stopVerticles();
    assertEquals(0, records().size());
  }

  @Test
  @DisplayName("an admin PUT that only changes the case of a name tells the connected sockets, which stamp the new spelling")
  void caseOnlyRenameThroughTheAdminApi() {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    Admin.provision(node.port, TOKEN, EMAIL, "laptop", laptopFp, null);
    Admin.provision(node.port, TOKEN, EMAIL, "Phone", phoneFp, null);
    PeerClient laptop = node.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = node.connect(EMAIL, "Phone", phoneFp);
    phone.expectCode(200);
    laptop.nextUpdate();

    assertEquals(200, Admin.put(node.port, TOKEN, EMAIL, "LAPTOP", new JsonObject().put("fingerprint", laptopFp)));
    JsonObject update = phone.nextUpdate();
    assertEquals("renamed", update.getString("event"));
    assertEquals("laptop", update.getString("old_name"));
    assertEquals("LAPTOP", update.getString("name"));
    assertEquals("LAPTOP", laptop.nextUpdate().getString("name"));

    laptop.send(new JsonObject().put("target", "Phone").put("offer", "o"));
    assertEquals("LAPTOP", phone.next(m -> m.containsKey("offer")).getString("source"));
  }

  /** Waits (polling, with a deadline) until the laptop's presence record left the set after its socket closed. */
  private void laptopGone() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!records().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("records left: " + records());
      }
      node.vertx.timer(20).await();
    }
  }

  private Set<String> records() {
    Response members = redis.send(Request.cmd(Command.SMEMBERS)
        .arg(node.config.getString("redis_prefix") + "node:" + node.nodeId())).await();
    Set<String> out = new HashSet<>();
    members.forEach(m -> out.add(m.toString()));
    return out;
  }

  private static String online(String key) {
    return "o\n" + EMAIL + "\n" + key;
  }

  private static String waiting(String key, String fp) {
    return "w\n" + EMAIL + "\n" + key + "\n" + fp;
  }
}
