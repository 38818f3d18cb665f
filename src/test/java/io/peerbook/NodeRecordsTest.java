package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.peerbook.redis.HashSlots;
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
 * A node's sockets as Redis lists them (kept per hash slot, what a survivor clears when the node dies) follow the
 * presence and waiting records exactly: no stale members pile up, and a clean stop leaves nothing behind.
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
  @DisplayName("the node's sockets follow its peers as they connect, wait, are approved, rejected, removed and renamed")
  void recordsFollowPresence() {
    String laptopFp = Fingerprints.random();
    Admin.provision(node.port, TOKEN, EMAIL, "Laptop", laptopFp, null);
    PeerClient laptop = node.connect(EMAIL, "Laptop", laptopFp);
    laptop.expectCode(200);
    assertRecords(1);

    String phoneFp = Fingerprints.random();
    PeerClient phone = node.connect(EMAIL, "Phone", phoneFp);
    phone.expectCode(401);
    assertRecords(2);

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertEquals(303, browser.act(page, "approve", Map.of("name", "Phone", "fingerprint", phoneFp)).statusCode());
    phone.expectCode(200);
    assertRecords(2);

    String tabletFp = Fingerprints.random();
    PeerClient tablet = node.connect(EMAIL, "Tablet", tabletFp);
    tablet.expectCode(401);
    assertEquals(303, browser.act(page, "reject", Map.of("name", "Tablet", "fingerprint", tabletFp)).statusCode());
    tablet.expectCode(403);
    assertRecords(2);

    assertEquals(303, browser.act(page, "rename", Map.of("name", "Phone", "new_name", "Mobile")).statusCode());
    phone.next(m -> m.containsKey("peer_update"));
    assertRecords(2);

    assertEquals(204, Admin.delete(node.port, TOKEN, EMAIL, "Mobile"));
    assertEquals(4401, phone.awaitClose());
    assertRecords(1);

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

  /** Waits (polling, with a deadline) until the laptop's socket left the set after it closed. */
  private void laptopGone() {
    assertRecords(0);
  }

  /**
   * Waits (polling, with a deadline: a closed socket leaves once the gateway's disconnect has run) until the node's
   * sockets in the user's slot are exactly the sockets of the user's presence and waiting records, {@code n} of them.
   */
  private void assertRecords(int n) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!(records().size() == n && records().equals(located()))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the node's sockets " + records() + " are not those of the records " + located());
      }
      node.vertx.timer(20).await();
    }
  }

  private Set<String> records() {
    String key = node.config.getString("redis_prefix") + "node:" + node.nodeId() + ":{"
        + HashSlots.tag(HashSlots.slot(EMAIL)) + "}";
    Response members = redis.send(Request.cmd(Command.SMEMBERS).arg(key)).await();
    Set<String> out = new HashSet<>();
    members.forEach(m -> out.add(m.toString()));
    return out;
  }

  /** The sockets that the user's presence and waiting records name: {@code <email>\n<conn>}. */
  private Set<String> located() {
    Set<String> out = new HashSet<>();
    for (String hash : new String[] {"online", "waiting"}) {
      Response all = redis.send(Request.cmd(Command.HGETALL)
          .arg(node.config.getString("redis_prefix") + "{" + EMAIL + "}:" + hash)).await();
      all.getKeys().forEach(k -> out.add(EMAIL + "\n" + new JsonObject(all.get(k).toString()).getString("conn")));
    }
    return out;
  }
}
