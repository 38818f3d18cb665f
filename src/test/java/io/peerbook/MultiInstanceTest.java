package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node with two instances of every verticle: sockets spread over the gateways' event loops and still reach each other. */
class MultiInstanceTest {
  private static final String EMAIL = "multi@example.com";
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", PresenceFixtures.TOKEN,
        "instances", new JsonObject().put("gateway", 2).put("directory", 2).put("mailer", 2).put("relay", 2)));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("with two gateway instances, sockets land on both, and every peer reaches every other one in order")
  void socketsSpreadOverGateways() {
    List<PeerClient> peers = new ArrayList<>();
    List<String> fps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String fp = Fingerprints.random();
      PresenceFixtures.provision(node, EMAIL, "peer" + i, fp, null);
      fps.add(fp);
    }
    for (int i = 0; i < 6; i++) {
      peers.add(PresenceFixtures.online(node, EMAIL, "peer" + i, fps.get(i)));
    }
    assertEquals(2, gatewaysHoldingPeers(), "the sockets did not spread over both gateway instances");

    for (int from = 0; from < 6; from++) {
      for (int to = 0; to < 6; to++) {
        if (from == to) {
          continue;
        }
        for (int seq = 0; seq < 5; seq++) {
          peers.get(from).send(new JsonObject().put("target", "peer" + to).put("candidate", seq));
        }
      }
    }
    for (int to = 0; to < 6; to++) {
      int[] nextSeq = new int[6];
      for (int n = 0; n < 25; n++) {
        JsonObject m = peers.get(to).next(x -> x.containsKey("candidate"));
        int from = Integer.parseInt(m.getString("source").substring(4));
        assertEquals(fps.get(from), m.getString("fingerprint"));
        assertEquals(nextSeq[from]++, m.getInteger("candidate"), "order from peer" + from + " to peer" + to);
      }
    }
  }

  /** How many distinct gateway instances hold the user's online peers. */
  private int gatewaysHoldingPeers() {
    Map<String, String> gateways = node.gatewaysOf(EMAIL);
    assertEquals(6, gateways.size(), "six presence records");
    return new HashSet<>(gateways.values()).size();
  }
}
