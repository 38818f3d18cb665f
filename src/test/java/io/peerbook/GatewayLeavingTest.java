package io.peerbook;

import ch.qos.logback.classic.Level;
import io.peerbook.gateway.NodeConnections;
import io.peerbook.protocol.Address;
import io.peerbook.support.Await;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many sockets leaving at once (a network cut, a proxy restart, a node stopping) cost the directory a handful of
 * requests: a gateway instance sends the sockets that closed within one turn of its event loop as one.
 */
class GatewayLeavingTest {
  private static final int SOCKETS = 1_000;
  private TestNode node;
  private LogCapture log;

  @AfterEach
  void stop() {
    if (log != null) {
      log.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("1,000 waiting sockets closing at once are cleared by a few disconnect requests, every record goes, and nothing is logged")
  void massCloseIsBatched() {
    node = TestNode.start(Map.of("max_requests_per_address", 0, "admin_token", SocketKit.ADMIN_TOKEN));
    AtomicInteger requests = new AtomicInteger();
    AtomicInteger sockets = new AtomicInteger();
    node.vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (Address.DIRECTORY_DISCONNECT.address().equals(ctx.message().address())) {
        requests.incrementAndGet();
        JsonObject body = (JsonObject) ctx.message().body();
        sockets.addAndGet(body.containsKey("sockets") ? body.getJsonArray("sockets").size() : 1);
      }
      ctx.next();
    });
    List<PeerClient> peers = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      PeerClient p = node.connect("user" + i + "@example.com", "Device", Fingerprints.random());
      p.expectCode(401);
      peers.add(p);
    }
    log = LogCapture.open();
    // Closed from the clients' side, all in one go: the server sees them close within a few turns of its loop.
    PeerClient.await(Future.join(peers.stream().map(PeerClient::closeAsync).toList()));
    Await.until(node.vertx, 20, () -> sockets.get() == SOCKETS && NodeConnections.count(node.vertx) == 0,
        () -> sockets.get() + " of " + SOCKETS + " sockets sent to the directory; node holds " + NodeConnections.count(node.vertx));
    assertTrue(requests.get() <= SOCKETS / 20, requests.get() + " disconnect requests for " + SOCKETS + " sockets");
    JsonObject book = SocketKit.book(node, "user0@example.com");
    assertEquals(1, book.getJsonArray("pending").size(), "the request stays; only the waiting socket went");
    assertEquals(List.of(), log.matching(e -> e.getLevel().isGreaterOrEqual(Level.WARN)),
        "nothing logged");
  }
}
