package io.peerbook.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * How peerbook reaches Redis: one server, a master set behind Sentinel, or a Redis Cluster, and how many replicas a
 * change must reach before the page or the admin API reports it done.
 *
 * @param type         standalone, sentinel or cluster ({@code redis_type})
 * @param endpoints    the server, the sentinels or the cluster's seed nodes ({@code redis_url}, comma-separated);
 *                     empty for the embedded Redis of a one-machine start
 * @param master       the master set's name, with Sentinel ({@code redis_master})
 * @param waitReplicas replicas a change must reach ({@code redis_wait_replicas}; default 1 with Sentinel and Cluster,
 *                     0 standalone); a change not confirmed by that many within {@code waitMs} is reported failed
 * @param waitMs       how long a change waits for its replicas ({@code redis_wait_ms})
 */
public record RedisSettings(Type type, List<String> endpoints, String master, int waitReplicas, int waitMs) {
  /** A change must be confirmed well within the 1.5 s every request between verticles may take. */
  static final int MAX_WAIT_MS = 1000;

  public enum Type { STANDALONE, SENTINEL, CLUSTER }

  static JsonObject defaults() {
    return new JsonObject().put("redis_type", "standalone").putNull("redis_master").putNull("redis_wait_replicas")
        .put("redis_wait_ms", 500);
  }

  static RedisSettings from(JsonObject j) {
    Type type;
    String name = j.getValue("redis_type") == null ? "standalone" : j.getValue("redis_type").toString().trim();
    try {
      type = Type.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("redis_type must be standalone, sentinel or cluster, got '" + name + "'");
    }
    String prefix = j.getValue("redis_prefix") == null ? "" : j.getValue("redis_prefix").toString();
    if (prefix.contains("{") || prefix.contains("}")) {
      // Keys carry their own hash tags ({email}) so that Redis Cluster keeps each user's keys in one slot.
      throw new ConfigException("redis_prefix must not contain { or }");
    }
    List<String> endpoints = PeerbookConfig.list(j, "redis_url");
    if (type == Type.STANDALONE && endpoints.size() > 1) {
      throw new ConfigException("redis_url lists several servers: set redis_type to sentinel or cluster");
    }
    if (type != Type.STANDALONE && endpoints.isEmpty()) {
      throw new ConfigException("redis_url must list the " + (type == Type.SENTINEL ? "sentinels" : "cluster's nodes")
          + " with redis_type=" + name.toLowerCase(Locale.ROOT));
    }
    String master = j.getValue("redis_master") == null ? null : j.getValue("redis_master").toString().trim();
    if (type == Type.SENTINEL && (master == null || master.isEmpty())) {
      throw new ConfigException("redis_master must name the master set with redis_type=sentinel");
    }
    int waitReplicas = j.getValue("redis_wait_replicas") == null ? (type == Type.STANDALONE ? 0 : 1)
        : PeerbookConfig.nonNegative(j, "redis_wait_replicas");
    int waitMs = PeerbookConfig.positive(j, "redis_wait_ms");
    if (waitMs > MAX_WAIT_MS) {
      throw new ConfigException("redis_wait_ms must be at most " + MAX_WAIT_MS);
    }
    return new RedisSettings(type, endpoints, type == Type.SENTINEL ? master : null, waitReplicas, waitMs);
  }
}
