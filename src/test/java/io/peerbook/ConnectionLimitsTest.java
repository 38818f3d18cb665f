package io.peerbook;

import io.peerbook.gateway.NodeConnections;
import io.peerbook.support.Await;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounds on sockets: devices of one user waiting for approval, sockets of one node, pending requests of a user. */
class ConnectionLimitsTest {
  private static final String EMAIL = "dora@example.com";
  private TestNode node;

  private void start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    node = TestNode.start(all);
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private PeerClient waiting(String name, String fingerprint) {
    PeerClient c = node.connect(EMAIL, name, fingerprint);
    c.expectCode(401);
    return c;
  }

  @Test
  @DisplayName("over max_connections_per_user waiting devices, a new one gets {code:429} and close 1008; a second socket of a waiting device and approved peers still get in, and a place frees when a device leaves")
  void waitingDevicesPerUserAreCapped() {
    start(Map.of("max_connections_per_user", 3));
    String fp1 = Fingerprints.random();
    PeerClient d1 = waiting("D1", fp1);
    PeerClient d2 = waiting("D2", Fingerprints.random());
    waiting("D3", Fingerprints.random());

    PeerClient d4 = node.connect(EMAIL, "D4", Fingerprints.random());
    JsonObject refused = d4.expectCode(429);
    assertTrue(refused.getString("text", "").contains("too many"), refused.encode());
    assertEquals(1008, d4.awaitClose(), "close reason " + d4.closeReason());
    assertTrue(SocketKit.book(node, EMAIL).getJsonArray("pending").stream()
        .noneMatch(p -> "D4".equals(((JsonObject) p).getString("name"))), "a refused device leaves no request");

    // The same device connecting again replaces its waiting socket: not a new one.
    PeerClient d1again = waiting("D1", fp1);
    assertEquals(4409, d1.awaitClose());

    // Approved peers are never refused by it: each has one socket, and there are at most max_peers of them.
    String phoneFp = Fingerprints.random();
    provision(node, EMAIL, "Phone", phoneFp);
    node.connect(EMAIL, "Phone", phoneFp).expectCode(200);

    d2.close();
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> {
      PeerClient d5 = node.connect(EMAIL, "D5", Fingerprints.random());
      return d5.next().getInteger("code") == 401;
    }, () -> "no place for a new device after one left");
    d1again.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a node holding max_connections sockets refuses the next upgrade with HTTP 503 and a reason, and takes one again once a socket closed")
  void socketsPerNodeAreCapped() {
    start(Map.of("max_connections", 2));
    String fp = Fingerprints.random();
    provision(node, EMAIL, "Phone", fp);
    PeerClient phone = node.connect(EMAIL, "Phone", fp);
    phone.expectCode(200);
    PeerClient other = waiting("Tablet", Fingerprints.random());
    assertEquals(2, NodeConnections.count(node.vertx));

    SocketKit.Handshake refused = SocketKit.handshake(node.port, EMAIL, "Laptop", Fingerprints.random(), null, null);
    assertEquals(503, refused.status(), refused.body());
    assertTrue(refused.body().contains("connections"), refused.body());
    assertEquals(2, NodeConnections.count(node.vertx), "a refused upgrade holds no place");

    other.close();
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> NodeConnections.count(node.vertx) == 1,
        () -> "the closed socket still holds a place: " + NodeConnections.count(node.vertx));
    SocketKit.Handshake accepted = SocketKit.handshake(node.port, EMAIL, "Laptop", Fingerprints.random(), null, null);
    assertEquals(101, accepted.status(), accepted.body());
    phone.expectNothingBeforePong();
    phone.close();
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> NodeConnections.count(node.vertx) == 0,
        () -> "sockets leaked: " + NodeConnections.count(node.vertx));
  }

  @Test
  @DisplayName("over max_pending a new device still waits with 401, its text says no request was recorded and no mail sent, and the user's pending list stays at max_pending")
  void pendingRequestsPerUserAreCapped() {
    start(Map.of("max_pending", 2));
    waiting("D1", Fingerprints.random());
    waiting("D2", Fingerprints.random());
    PeerClient d3 = node.connect(EMAIL, "D3", Fingerprints.random());
    JsonObject status = d3.expectCode(401);
    assertTrue(status.getString("text").contains("no request was recorded and no mail sent"), status.encode());
    assertEquals(2, SocketKit.book(node, EMAIL).getJsonArray("pending").size());
    d3.expectNothingBeforePong();
  }
}
