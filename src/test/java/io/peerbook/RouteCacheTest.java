package io.peerbook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.protocol.Bus;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestCluster;
import io.peerbook.support.TestNode;
import io.peerbook.support.TestRedis;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node remembers where the peers on other nodes are connected (learned from the book events, or asked of the
 * directory once), so that signaling between peers already connected and approved keeps crossing nodes while Redis is
 * down. With {@code route_cache} 0 every such message asks the directory, which during an outage is a 503.
 */
class RouteCacheTest {
  private static final String EMAIL = "rory@example.com";
  private TestRedis redis;
  private final List<TestNode> nodes = new ArrayList<>();
  /**
   * What the nodes log from the moment Redis stops until they are closed: the requests the directory could not serve,
   * the disconnects of the closing nodes among them. Warnings the outage makes, kept off the console.
   */
  private LogCapture outage;

  @AfterEach
  void stop() {
    try {
      nodes.forEach(TestNode::close);
    } finally {
      if (redis != null) {
        redis.close();
      }
      if (outage != null) {
        assertTrue(outage.failures().isEmpty(), "errors during the outage: " + LogCapture.describe(outage.failures()));
        outage.close();
      }
    }
  }

  private void stopRedis() {
    outage = LogCapture.taking(e -> e.getLoggerName().equals(Bus.class.getName()) && e.getLevel() == Level.WARN
        && e.getFormattedMessage().startsWith("peerbook.directory."));
    redis.stop();
  }

  @Test
  @DisplayName("with routes cached, an offer crosses nodes while Redis is down")
  void cachedRouteWorksDuringAnOutage() {
    PeerClient[] pair = pairAcrossNodes(Map.of());
    stopRedis();
    pair[0].send(new JsonObject().put("target", "Beta").put("offer", "during the outage").put("id", 1));
    assertEquals("during the outage", pair[1].next(m -> m.containsKey("offer")).getString("offer"),
        "the node of the sender should know the route without Redis");
  }

  @Test
  @DisplayName("with no route cache (route_cache 0), an offer to another node during the outage gets 503 with its id and target")
  void uncachedRouteIs503DuringAnOutage() {
    PeerClient[] pair = pairAcrossNodes(Map.of("route_cache", 0));
    pair[0].send(new JsonObject().put("target", "Beta").put("offer", "before").put("id", 1));
    assertEquals("before", pair[1].next(m -> m.containsKey("offer")).getString("offer"));
    stopRedis();
    pair[0].send(new JsonObject().put("target", "Beta").put("offer", "during the outage").put("id", 2));
    JsonObject refused = pair[0].next(m -> Integer.valueOf(2).equals(m.getValue("id")));
    assertEquals(503, refused.getInteger("code"), refused.encode());
    assertEquals("Beta", refused.getString("target"), refused.encode());
    pair[1].expectNothingBeforePong();
    List<ILoggingEvent> said = outage.matching(e -> e.getFormattedMessage().startsWith("peerbook.directory.route failed"));
    assertEquals(1, said.size(), "the route the directory could not give is logged once, as a warning: "
        + LogCapture.describe(outage.matching(e -> true)));
  }

  /** Alpha on the first node and Beta on the second, both approved and online, on a Redis of the test's own. */
  private PeerClient[] pairAcrossNodes(Map<String, Object> settings) {
    redis = TestRedis.start();
    Map<String, Object> all = new HashMap<>(settings);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    nodes.addAll(TestCluster.start(redis.url(), 2, all));
    String fpA = Fingerprints.random();
    String fpB = Fingerprints.random();
    provision(nodes.get(0), EMAIL, "Alpha", fpA);
    provision(nodes.get(0), EMAIL, "Beta", fpB);
    PeerClient alpha = nodes.get(0).connect(EMAIL, "Alpha", fpA);
    alpha.expectCode(200);
    PeerClient beta = nodes.get(1).connect(EMAIL, "Beta", fpB);
    beta.expectCode(200);
    assertEquals("online", alpha.nextUpdate().getString("event"));
    return new PeerClient[] {alpha, beta};
  }
}
