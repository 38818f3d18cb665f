package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.JarProcess;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes as separate processes running the packaged jar, clustered over TCP-IP on 127.0.0.1 with a random
 * cluster name, sharing one Redis: signaling across nodes, the SIGKILL of one node and the SIGTERM of another.
 */
class ClusterIT {
  private static final String EMAIL = "alice@example.com";
  private static final String TOKEN = "cluster-admin";
  @TempDir
  Path folder;
  private TestRedis redis;
  private Vertx vertx;
  private final List<JarProcess> nodes = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
    int[] clusterPorts = {TestRedis.freePort(), TestRedis.freePort(), TestRedis.freePort()};
    String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1] + ",127.0.0.1:" + clusterPorts[2];
    String clusterName = "pb-it-" + UUID.randomUUID();
    String prefix = "it-" + UUID.randomUUID() + ":";
    for (int i = 0; i < 3; i++) {
      int http = TestRedis.freePort();
      Map<String, String> env = new HashMap<>();
      env.put("PEERBOOK_HTTP_PORT", String.valueOf(http));
      env.put("PEERBOOK_PUBLIC_URL", "http://127.0.0.1:" + http);
      env.put("PEERBOOK_REDIS_URL", redis.url());
      env.put("PEERBOOK_REDIS_PREFIX", prefix);
      env.put("PEERBOOK_ADMIN_TOKEN", TOKEN);
      env.put("PEERBOOK_CLUSTERED", "true");
      env.put("PEERBOOK_CLUSTER_NAME", clusterName);
      env.put("PEERBOOK_CLUSTER_HOST", "127.0.0.1");
      env.put("PEERBOOK_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
      env.put("PEERBOOK_CLUSTER_MEMBERS", members);
      Path cwd = Files.createDirectories(folder.resolve("node" + i));
      nodes.add(JarProcess.launch(cwd, env));
    }
    for (JarProcess node : nodes) {
      node.awaitHealthy();
      awaitReady(node);
    }
  }

  @AfterEach
  void stop() {
    nodes.forEach(JarProcess::kill);
    if (vertx != null) {
      vertx.close().await();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  @DisplayName("three nodes relay between peers on different nodes, survive the SIGKILL of one, and a SIGTERM'd node says 1001 and leaves")
  void threeNodes() throws Exception {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    String tabletFp = Fingerprints.random();
    provision(nodes.get(0), "laptop", laptopFp);
    provision(nodes.get(1), "phone", phoneFp);
    provision(nodes.get(2), "tablet", tabletFp);

    PeerClient laptop = PeerClient.connect(vertx, nodes.get(0).port, EMAIL, "laptop", laptopFp, null);
    laptop.expectCode(200);
    PeerClient phone = PeerClient.connect(vertx, nodes.get(1).port, EMAIL, "phone", phoneFp, null);
    phone.expectCode(200);
    PeerClient tablet = PeerClient.connect(vertx, nodes.get(2).port, EMAIL, "tablet", tabletFp, null);
    tablet.expectCode(200);
    awaitUpdate(laptop, "tablet", "online");
    awaitUpdate(phone, "tablet", "online");

    // Offer, candidates and answer between nodes 1 and 2, in order and stamped.
    for (int i = 0; i < 50; i++) {
      laptop.send(new JsonObject().put("target", "phone").put(i == 0 ? "offer" : "candidate", i));
    }
    for (int i = 0; i < 50; i++) {
      JsonObject m = phone.next(x -> x.containsKey("source"));
      assertEquals(i, m.getInteger(i == 0 ? "offer" : "candidate"), m.encode());
      assertEquals("laptop", m.getString("source"));
      assertEquals(laptopFp, m.getString("fingerprint"));
    }
    phone.send(new JsonObject().put("target", "laptop").put("fingerprint", laptopFp).put("answer", "sdp"));
    assertEquals("phone", laptop.next(x -> x.containsKey("answer")).getString("source"));
    tablet.send(new JsonObject().put("target", "laptop").put("offer", "from-3"));
    assertEquals("tablet", laptop.next(x -> x.containsKey("offer")).getString("source"));

    // SIGKILL node 3: the others hear that its peer went offline within 15 s.
    long killedAt = System.nanoTime();
    nodes.get(2).process.destroyForcibly();
    awaitUpdate(laptop, "tablet", "offline");
    awaitUpdate(phone, "tablet", "offline");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
    assertTrue(seconds <= 15, "offline after " + seconds + " s");
    assertEquals(480, laptop.request(new JsonObject().put("target", "tablet").put("offer", "x")).getInteger("code"));
    laptop.send(new JsonObject().put("target", "phone").put("offer", "still here"));
    assertEquals("still here", phone.next(x -> x.containsKey("offer")).getString("offer"));

    // SIGTERM node 2: its peer is closed with 1001 so it can go to another node, the others hear it leave.
    JarProcess second = nodes.get(1);
    second.process.destroy();
    assertEquals((short) 1001, phone.awaitClose());
    awaitUpdate(laptop, "phone", "offline");
    assertTrue(second.process.waitFor(10, TimeUnit.SECONDS), "node 2 did not exit within 10 s\n" + second.log());

    // The phone reconnects to the surviving node and is reached there.
    PeerClient phoneAgain = PeerClient.connect(vertx, nodes.get(0).port, EMAIL, "phone", phoneFp, null);
    phoneAgain.expectCode(200);
    awaitUpdate(laptop, "phone", "online");
    laptop.send(new JsonObject().put("target", "phone").put("offer", "welcome back"));
    assertEquals("welcome back", phoneAgain.next(x -> x.containsKey("offer")).getString("offer"));
  }

  private static void awaitUpdate(PeerClient client, String name, String event) {
    Predicate<JsonObject> match = m -> m.containsKey("peer_update")
        && name.equals(m.getJsonObject("peer_update").getString("name"))
        && event.equals(m.getJsonObject("peer_update").getString("event"));
    client.next(match, 20);
  }

  private static void provision(JarProcess node, String name, String fp) {
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, name, fp, null));
  }

  /** /readyz turns 200 once Redis answers and the node has joined the cluster. */
  private void awaitReady(JarProcess node) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/readyz")).GET().build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JarProcess.START_SECONDS);
    while (System.nanoTime() < deadline) {
      if (http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
        return;
      }
      vertx.timer(100).await();
    }
    throw new AssertionError("node not ready:\n" + node.log());
  }
}
