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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two unclustered nodes of the packaged jar on one Redis with one key prefix: the second refuses to start, names the
 * first and says what to change, and the first's peers never notice. A node killed and started again at once is
 * not refused because of what its earlier self left behind.
 */
class RedisSharingIT {
  private static final String EMAIL = "nina@example.com";
  private static final String TOKEN = "sharing-admin";
  private static final Pattern STARTED = Pattern.compile("peerbook node (\\S+) started");
  @TempDir
  Path folder;
  private TestRedis redis;
  private Vertx vertx;
  private final String prefix = "share-" + UUID.randomUUID() + ":";
  private final List<JarProcess> processes = new ArrayList<>();

  @BeforeEach
  void start() {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    processes.forEach(JarProcess::kill);
    vertx.close().await();
    redis.close();
  }

  private JarProcess launch(String name, int port) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PEERBOOK_HTTP_PORT", String.valueOf(port));
    env.put("PEERBOOK_PUBLIC_URL", "http://127.0.0.1:" + port);
    env.put("PEERBOOK_REDIS_URL", redis.url());
    env.put("PEERBOOK_REDIS_PREFIX", prefix);
    env.put("PEERBOOK_ADMIN_TOKEN", TOKEN);
    JarProcess p = JarProcess.launch(Files.createDirectories(folder.resolve(name)), env);
    processes.add(p);
    return p;
  }

  @Test
  @DisplayName("a second unclustered node on the same Redis and prefix refuses to start and names the first, whose peers stay online; the first, SIGKILLed and started again at once, comes up")
  void secondNodeRefusedAndCrashedNodeRestarts() throws Exception {
    int port = TestRedis.freePort();
    JarProcess first = launch("first", port);
    first.awaitHealthy();
    String firstId = first.awaitLine(STARTED, "the start line").group(1);
    String fp = Fingerprints.random();
    assertEquals(201, Admin.provision(port, TOKEN, EMAIL, "Laptop", fp, null));
    PeerClient laptop = PeerClient.connect(vertx, port, EMAIL, "Laptop", fp, null);
    laptop.expectCode(200);

    JarProcess second = launch("second", TestRedis.freePort());
    assertTrue(second.process.waitFor(JarProcess.START_SECONDS, TimeUnit.SECONDS), "the second node kept running");
    second.drained();
    assertEquals(2, second.process.exitValue(), second.log());
    String log = second.log();
    assertTrue(log.contains(firstId), "the refusal names the first node:\n" + log);
    assertTrue(log.contains("redis_prefix") && log.contains("cluster"), "the refusal says what to change:\n" + log);

    // The first node's peer never went offline, and is listed online.
    laptop.expectNothingBeforePong();
    JsonObject list = laptop.request(new JsonObject().put("command", "get_list").put("filter",
        new JsonObject().put("name", "Laptop")));
    assertEquals(true, list.getJsonArray("list").getJsonObject(0).getBoolean("online"), list.encode());

    // A crash, and the same node started again right away: its own stale heartbeat does not stop it.
    first.process.destroyForcibly();
    laptop.awaitClose();
    JarProcess again = launch("again", port);
    again.awaitHealthy();
    Matcher started = again.awaitLine(STARTED, "the start line");
    assertNotEquals(firstId, started.group(1));
    PeerClient back = PeerClient.connect(vertx, port, EMAIL, "Laptop", fp, null);
    back.expectCode(200);
    // The earlier self's records are cleared once its heartbeat lapses; the reconnected laptop stays online.
    // One line says whose they were: the laptop's socket had been taken over already, so nobody went offline.
    again.awaitLine(Pattern.compile("node " + Pattern.quote(firstId) + " \\(an earlier run of this node, pid \\d+\\)"
        + " stopped without clearing its sockets, as after a crash or a kill: cleared 1 socket, and 0 peers went offline"),
        "the earlier self cleared");
    JsonObject after = back.request(new JsonObject().put("command", "get_list").put("filter",
        new JsonObject().put("name", "Laptop")));
    assertEquals(true, after.getJsonArray("list").getJsonObject(0).getBoolean("online"), after.encode());
  }
}
