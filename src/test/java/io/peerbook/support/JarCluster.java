package io.peerbook.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The settings of N clustered nodes of the packaged jar on 127.0.0.1, and the wait until one is ready. */
public final class JarCluster {
  private JarCluster() {
  }

  /**
   * PEERBOOK_* variables for {@code n} nodes that form one cluster (a random cluster name, TCP-IP members on free
   * ports) on one Redis with one random prefix, each with its own HTTP port and the admin API on.
   */
  public static List<Map<String, String>> envs(int n, String redisUrl, String adminToken) {
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      clusterPorts.add(TestRedis.freePort());
    }
    String members = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    String clusterName = "pb-it-" + UUID.randomUUID();
    String prefix = "it-" + UUID.randomUUID() + ":";
    List<Map<String, String>> envs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int http = TestRedis.freePort();
      Map<String, String> env = new HashMap<>();
      env.put("PEERBOOK_HTTP_PORT", String.valueOf(http));
      env.put("PEERBOOK_PUBLIC_URL", "http://127.0.0.1:" + http);
      env.put("PEERBOOK_REDIS_URL", redisUrl);
      env.put("PEERBOOK_REDIS_PREFIX", prefix);
      env.put("PEERBOOK_ADMIN_TOKEN", adminToken);
      env.put("PEERBOOK_CLUSTERED", "true");
      env.put("PEERBOOK_CLUSTER_NAME", clusterName);
      env.put("PEERBOOK_CLUSTER_HOST", "127.0.0.1");
      env.put("PEERBOOK_CLUSTER_PORT", String.valueOf(clusterPorts.get(i)));
      env.put("PEERBOOK_CLUSTER_MEMBERS", members);
      envs.add(env);
    }
    return envs;
  }

  /** Waits until the node answers /healthz, then until /readyz turns 200 (Redis answers, cluster joined). */
  public static void awaitReady(JarProcess node) throws Exception {
    node.awaitHealthy();
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/readyz")).GET().build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JarProcess.START_SECONDS);
    while (System.nanoTime() < deadline) {
      if (http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("node not ready:\n" + node.log());
  }
}
