package io.peerbook.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEERBOOK_REDIS_TYPE, PEERBOOK_REDIS_MASTER and the write confirmation: defaults, variables and bad values. */
class RedisSettingsTest {

  private static PeerbookConfig from(Map<String, String> env) {
    return PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), env));
  }

  private static String error(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> from(env)).getMessage();
  }

  @Test
  @DisplayName("by default: one server (the embedded one without a URL), no replica to wait for")
  void defaults() {
    RedisSettings r = from(Map.of()).redis();
    assertEquals(RedisSettings.Type.STANDALONE, r.type());
    assertEquals(List.of(), r.endpoints());
    assertNull(r.master());
    assertEquals(0, r.waitReplicas());
    assertEquals(500, r.waitMs());
  }

  @Test
  @DisplayName("sentinel: the URL lists the sentinels, the master set is named, a change waits for one replica")
  void sentinel() {
    RedisSettings r = from(Map.of("PEERBOOK_REDIS_TYPE", "Sentinel", "PEERBOOK_REDIS_MASTER", "pb",
        "PEERBOOK_REDIS_URL", "redis://s1:26379, redis://s2:26379,redis://s3:26379")).redis();
    assertEquals(RedisSettings.Type.SENTINEL, r.type());
    assertEquals(List.of("redis://s1:26379", "redis://s2:26379", "redis://s3:26379"), r.endpoints());
    assertEquals("pb", r.master());
    assertEquals(1, r.waitReplicas());
  }

  @Test
  @DisplayName("cluster: the URL lists seed nodes; the replicas to wait for and the wait can be set")
  void cluster() {
    RedisSettings r = from(Map.of("PEERBOOK_REDIS_TYPE", "cluster", "PEERBOOK_REDIS_URL", "redis://a:7000,redis://b:7000",
        "PEERBOOK_REDIS_WAIT_REPLICAS", "2", "PEERBOOK_REDIS_WAIT_MS", "250")).redis();
    assertEquals(RedisSettings.Type.CLUSTER, r.type());
    assertEquals(2, r.endpoints().size());
    assertNull(r.master());
    assertEquals(2, r.waitReplicas());
    assertEquals(250, r.waitMs());
  }

  @Test
  @DisplayName("bad combinations name the setting to fix")
  void errors() {
    assertTrue(error(Map.of("PEERBOOK_REDIS_TYPE", "replicated")).startsWith("redis_type must be"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_TYPE", "sentinel", "PEERBOOK_REDIS_MASTER", "pb"))
        .startsWith("redis_url must list the sentinels"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_TYPE", "sentinel", "PEERBOOK_REDIS_URL", "redis://s1:26379"))
        .startsWith("redis_master must name"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_TYPE", "cluster")).startsWith("redis_url must list the cluster's nodes"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_URL", "redis://a:6379,redis://b:6379")).contains("set redis_type"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_PREFIX", "pb{1}:")).startsWith("redis_prefix must not contain"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_WAIT_MS", "5000")).startsWith("redis_wait_ms must be at most"));
    assertTrue(error(Map.of("PEERBOOK_REDIS_WAIT_REPLICAS", "-1")).startsWith("redis_wait_replicas must be 0 or more"));
  }
}
