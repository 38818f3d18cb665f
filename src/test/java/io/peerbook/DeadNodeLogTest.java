package io.peerbook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
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
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the log says when a node clears up after one that died: once, whose records they were (this node's own earlier
 * run, or which process), and how many; nothing for a node that had cleared its own sockets when it stopped.
 */
class DeadNodeLogTest {
  private static final String EMAIL = "left@example.com";
  private final Logger membership = (Logger) LoggerFactory.getLogger("io.peerbook.directory.NodeMembership");
  private TestNode node;
  private Redis redis;
  private LogCapture log;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN));
    redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    membership.setLevel(Level.INFO);
    log = LogCapture.open();
  }

  @AfterEach
  void stop() {
    log.close();
    membership.setLevel(null);
    redis.close();
    node.close();
  }

  @Test
  @DisplayName("this node's earlier run that crashed with two peers online, another process that left a waiting device, and a node that stopped cleanly: one INFO line each for the first two, saying whose and how many, none for the third")
  void saysOnceWhoseAndHowMany() throws Exception {
    String host = InetAddress.getLocalHost().getHostName();
    String earlier = "earlier-" + UUID.randomUUID();
    String other = "other-" + UUID.randomUUID();
    String clean = "clean-" + UUID.randomUUID();
    String laptop = Fingerprints.random();
    String phone = Fingerprints.random();
    SocketKit.provision(node, EMAIL, "Laptop", laptop);
    SocketKit.provision(node, EMAIL, "Phone", phone);

    // What the dead nodes held, recorded by this node's directory as their gateways would have asked for it.
    assertEquals(200, connect(earlier, "Laptop", laptop).getInteger("code"));
    assertEquals(200, connect(earlier, "Phone", phone).getInteger("code"));
    assertEquals(401, connect(other, "Tablet", Fingerprints.random()).getInteger("code"));
    describe(earlier, host, node.port, 4242);
    describe(other, host, 1, 99);
    describe(clean, host, 2, 7);
    for (String dead : List.of(earlier, other, clean)) {
      redis.send(Request.cmd(Command.ZADD).arg(prefix() + "{nodes}").arg(System.currentTimeMillis()).arg(dead)).await();
    }
    awaitCleared(List.of(earlier, other, clean));

    List<ILoggingEvent> said = log.matching(e -> e.getLoggerName().endsWith("NodeMembership")
        && e.getLevel().isGreaterOrEqual(Level.INFO));
    List<String> expected = List.of(
        "node " + earlier + " (an earlier run of this node, pid 4242) stopped without clearing its sockets, as after"
            + " a crash or a kill: cleared 2 sockets, and 2 peers went offline",
        "node " + other + " (unclustered, host " + host + ", HTTP port 1, pid 99) stopped without clearing its"
            + " sockets, as after a crash or a kill: cleared 1 socket, and 0 peers went offline");
    assertEquals(expected.size(), said.size(), LogCapture.describe(said));
    for (String line : expected) {
      assertEquals(1, said.stream().filter(e -> e.getFormattedMessage().equals(line)).count(),
          line + "\nsaid:\n" + LogCapture.describe(said));
    }
    said.forEach(e -> assertEquals(Level.INFO, e.getLevel()));
  }

  private JsonObject connect(String onNode, String name, String fingerprint) {
    return PeerClient.await(Bus.request(node.vertx.eventBus(), Address.DIRECTORY_CONNECT, new JsonObject()
        .put("email", EMAIL).put("name", name).put("fingerprint", fingerprint).putNull("kind")
        .put("gateway", "gone-gw").put("node", onNode).put("conn", "gone-gw#" + UUID.randomUUID())
        .put("address", "").putNull("key")));
  }

  /** The heartbeat a node kept in the registry's info while it lived. */
  private void describe(String dead, String host, int httpPort, long pid) {
    redis.send(Request.cmd(Command.HSET).arg(prefix() + "{nodes}:info").arg(dead).arg(new JsonObject()
        .put("node", dead).putNull("cluster").put("host", host).put("http_port", httpPort).put("pid", pid)
        .put("beat", 12).encode())).await();
  }

  /** Until the survivor has cleared these nodes and taken them off the registry and its info. */
  private void awaitCleared(List<String> dead) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      Response registered = redis.send(Request.cmd(Command.ZRANGE).arg(prefix() + "{nodes}").arg(0).arg(-1)).await();
      Response info = redis.send(Request.cmd(Command.HKEYS).arg(prefix() + "{nodes}:info")).await();
      boolean left = false;
      for (String d : dead) {
        left |= registered.stream().anyMatch(r -> r.toString().equals(d)) || info.stream().anyMatch(r -> r.toString().equals(d));
      }
      if (!left) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "not cleared up after within 15 s");
      PeerClient.await(node.vertx.timer(50));
    }
  }

  private String prefix() {
    return node.config.getString("redis_prefix");
  }
}
