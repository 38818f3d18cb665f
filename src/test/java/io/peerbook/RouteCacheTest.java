package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.peerbook.support.TestRedis;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A gateway instance remembers the route the relay used for a target it did not know, so the next messages go
 * straight to the target's gateway, with no directory lookup: they get through while Redis is down. The cache is
 * bounded ({@code route_cache}): a route pushed out of it is looked up again, which during an outage is a 503.
 */
class RouteCacheTest {
  private static final String EMAIL = "rory@example.com";
  private TestRedis redis;
  private TestNode node;

  @AfterEach
  void stop() {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  @DisplayName("a route the relay found is cached by the sender's gateway: the next message reaches the target while Redis is down; a route pushed out of the one-entry cache gets 503")
  void routeFromTheRelayIsCached() {
    redis = TestRedis.start();
    node = TestNode.start(redis.url(), Map.of("admin_token", SocketKit.ADMIN_TOKEN, "route_cache", 1,
        "instances", new JsonObject().put("gateway", 2)));
    String fpA = Fingerprints.random();
    String fpB = Fingerprints.random();
    String fpC = Fingerprints.random();
    provision(node, EMAIL, "Alpha", fpA);
    provision(node, EMAIL, "Beta", fpB);
    provision(node, EMAIL, "Gamma", fpC);
    PeerClient alpha = node.connect(EMAIL, "Alpha", fpA);
    alpha.expectCode(200);
    PeerClient beta = node.connect(EMAIL, "Beta", fpB);
    beta.expectCode(200);
    beta = SocketKit.apart(node, EMAIL, "Alpha", "Beta", beta, () -> node.connect(EMAIL, "Beta", fpB));
    // Gamma comes online last: its route is the only one the gateways' one-entry caches hold now.
    PeerClient gamma = node.connect(EMAIL, "Gamma", fpC);
    gamma.expectCode(200);
    gamma = SocketKit.apart(node, EMAIL, "Alpha", "Gamma", gamma, () -> node.connect(EMAIL, "Gamma", fpC));
    // Beta's route is not cached at Alpha's gateway: this one goes through the relay, which looks it up in Redis.
    alpha.send(new JsonObject().put("target", "Beta").put("offer", "through the relay").put("id", 1));
    assertEquals("through the relay", beta.next(m -> m.containsKey("offer")).getString("offer"));

    redis.stop();
    alpha.send(new JsonObject().put("target", "Beta").put("offer", "during the outage").put("id", 2));
    assertEquals("during the outage", beta.next(m -> m.containsKey("offer")).getString("offer"),
        "the route the relay used should have been cached by Alpha's gateway");
    alpha.send(new JsonObject().put("target", "Gamma").put("offer", "pushed out").put("id", 3));
    JsonObject refused = alpha.next(m -> Integer.valueOf(3).equals(m.getValue("id")));
    assertEquals(503, refused.getInteger("code"), refused.encode());
    gamma.expectNothingBeforePong();
  }
}
