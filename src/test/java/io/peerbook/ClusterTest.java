package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.ClusterCrash;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestCluster;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two clustered nodes in one JVM, each with its own Hazelcast on 127.0.0.1, sharing one Redis and a random cluster name. */
class ClusterTest {
  private static final String EMAIL = "alice@example.com";
  private TestNode one;
  private TestNode two;
  private String laptopFp;
  private String phoneFp;
  private String watchFp;
  /** Node two's crash, when a case makes one. */
  private ClusterCrash crash;

  @BeforeEach
  void startCluster() {
    List<TestNode> nodes = TestCluster.start(2, Map.of("admin_token", "secret"));
    one = nodes.get(0);
    two = nodes.get(1);
    laptopFp = Fingerprints.random();
    phoneFp = Fingerprints.random();
    watchFp = Fingerprints.random();
    provision("laptop", laptopFp);
    provision("phone", phoneFp);
    provision("watch", watchFp);
  }

  @AfterEach
  void stopCluster() {
    ClusterCrash.closeAll(crash, two, one);
  }

  @Test
  @DisplayName("offers, candidates and answers cross nodes stamped and in order, with the same 404, 480 and 409")
  void signalingAcrossNodes() {
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = two.connect(EMAIL, "phone", phoneFp);
    phone.expectCode(200);
    laptop.next(m -> m.containsKey("peer_update"));

    for (int i = 0; i < 200; i++) {
      String type = i % 3 == 0 ? "offer" : "candidate";
      laptop.send(new JsonObject().put("target", "phone").put(type, new JsonObject().put("seq", i)));
    }
    for (int i = 0; i < 200; i++) {
      JsonObject m = phone.next();
      String type = i % 3 == 0 ? "offer" : "candidate";
      assertEquals(i, m.getJsonObject(type).getInteger("seq"), m.encode());
      assertEquals("laptop", m.getString("source"));
      assertEquals(laptopFp, m.getString("fingerprint"));
    }
    phone.send(new JsonObject().put("target", "laptop").put("fingerprint", laptopFp).put("answer", "sdp"));
    JsonObject answer = laptop.next();
    assertEquals("sdp", answer.getString("answer"));
    assertEquals("phone", answer.getString("source"));
    assertEquals(phoneFp, answer.getString("fingerprint"));

    assertEquals(409, phone.request(new JsonObject().put("target", "laptop").put("fingerprint", watchFp)
        .put("answer", "x")).getInteger("code"));
    assertEquals(480, phone.request(new JsonObject().put("target", "watch").put("offer", "x")).getInteger("code"));
    assertEquals(404, phone.request(new JsonObject().put("target", "tablet").put("offer", "x")).getInteger("code"));
  }

  @Test
  @DisplayName("presence is cluster-wide: a peer on one node hears peers of the other come and go, and lists show them")
  void presenceAcrossNodes() {
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = two.connect(EMAIL, "phone", phoneFp);
    phone.expectCode(200);
    JsonObject online = laptop.nextUpdate();
    assertEquals("online", online.getString("event"));
    assertEquals("phone", online.getString("name"));
    JsonObject list = laptop.request(new JsonObject().put("command", "get_list").put("filter", new JsonObject().put("name", "phone")));
    assertTrue(list.getJsonArray("list").getJsonObject(0).getBoolean("online"));

    phone.close();
    JsonObject offline = laptop.nextUpdate();
    assertEquals("offline", offline.getString("event"));
    assertEquals("phone", offline.getString("name"));
  }

  @Test
  @DisplayName("a peer that reconnects on the other node replaces its old socket there, and messages reach the new one")
  void replaceAcrossNodes() {
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient oldPhone = one.connect(EMAIL, "phone", phoneFp);
    oldPhone.expectCode(200);
    assertEquals("online", laptop.nextUpdate().getString("event"));

    PeerClient newPhone = two.connect(EMAIL, "phone", phoneFp);
    newPhone.expectCode(200);
    assertEquals(4409, oldPhone.awaitClose());
    laptop.expectNothingBeforePong();

    laptop.send(new JsonObject().put("target", "phone").put("offer", "hello"));
    JsonObject delivered = newPhone.next();
    assertEquals("hello", delivered.getString("offer"), delivered.encode());
  }

  @Test
  @DisplayName("when a node dies, the peers of the other node hear within 15 s that its peers went offline")
  void nodeDeath() {
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = two.connect(EMAIL, "phone", phoneFp);
    phone.expectCode(200);
    assertEquals("online", laptop.nextUpdate().getString("event"));

    // A hard stop of node two's cluster membership, as a crash looks to the others.
    crash = ClusterCrash.of(two);

    JsonObject offline = laptop.next(m -> m.containsKey("peer_update"));
    assertEquals("offline", offline.getJsonObject("peer_update").getString("event"));
    assertEquals("phone", offline.getJsonObject("peer_update").getString("name"));
    JsonObject list = laptop.request(new JsonObject().put("command", "get_list").put("filter", new JsonObject().put("name", "phone")));
    assertFalse(list.getJsonArray("list").getJsonObject(0).getBoolean("online"));
    crash.awaitReported();
  }

  @Test
  @DisplayName("a node that stops gracefully closes its sockets with 1001 and its peers go offline for the others")
  void gracefulStop() {
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = two.connect(EMAIL, "phone", phoneFp);
    phone.expectCode(200);
    assertEquals("online", laptop.nextUpdate().getString("event"));

    two.stopVerticles();
    assertEquals(1001, phone.awaitClose());
    JsonObject offline = laptop.nextUpdate();
    assertEquals("offline", offline.getString("event"));
    assertEquals("phone", offline.getString("name"));
  }

  private void provision(String name, String fp) {
    assertEquals(201, Admin.provision(one.port, "secret", EMAIL, name, fp, null));
  }
}
