package io.peerbook.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole configuration, read once: built-in defaults, then the JSON file, then {@code PEERBOOK_*} variables.
 * Keys in the file are the variable names without {@code PEERBOOK_}, in lower case ({@code http_port}); instance
 * counts live under {@code instances} ({@code PEERBOOK_INSTANCES_GATEWAY} overrides {@code instances.gateway}).
 */
public record PeerbookConfig(
    String httpHost, int httpPort, String publicUrl,
    String redisUrl, String redisPrefix, String dataDir,
    String smtpHost, int smtpPort, String smtpUsername, String smtpPassword, String smtpStarttls, String mailFrom,
    int linkTtl, int mailInterval, int sessionTtl,
    int msgRate, int msgBurst, int pingInterval, int maxPending,
    String adminToken, List<String> allowedOrigins,
    boolean clustered, String clusterName, int clusterPort, String clusterHost, List<String> clusterMembers,
    int clusterBusPort,
    List<String> turnUrls, String turnSecret, int turnTtl, List<String> stunUrls,
    Map<String, Integer> instances, String nodeId, Limits limits,
    String metricsToken,
    boolean deviceKeysRequired,
    RedisSettings redis) {

  public static final List<String> VERTICLES = List.of("gateway", "directory", "mailer", "relay");
  /** The most instances of one verticle a node deploys, and so the most gateway instances the cores give by default. */
  static final int MAX_INSTANCES = 64;

  /** Built-in defaults: what {@code java -jar peerbook.jar} runs with when no file or variable says otherwise. */
  public static JsonObject defaults() {
    return new JsonObject()
        .put("http_host", "0.0.0.0").put("http_port", 8080).put("public_url", "http://localhost:8080")
        .put("redis_url", null).put("redis_prefix", "peerbook:").put("data_dir", "data")
        .put("smtp_host", null).put("smtp_port", 587).put("smtp_username", null).put("smtp_password", null)
        .put("smtp_starttls", "OPTIONAL").put("mail_from", "peerbook@localhost")
        .put("link_ttl", 900).put("mail_interval", 300).put("session_ttl", 1800)
        .put("msg_rate", 50).put("msg_burst", 200).put("ping_interval", 30).put("max_pending", 32)
        .put("admin_token", null).put("allowed_origins", "")
        .put("clustered", false).put("cluster_name", "peerbook").put("cluster_port", 5701)
        .put("cluster_host", null).put("cluster_members", "").put("cluster_bus_port", 0)
        .put("turn_urls", "").put("turn_secret", null).put("turn_ttl", 86400).put("stun_urls", "")
        .put("metrics_token", null)
        .put("device_keys", "optional")
        .mergeIn(Limits.defaults())
        .mergeIn(RedisSettings.defaults())
        .put("instances", new JsonObject().put("gateway", defaultGateways()).put("directory", 1).put("mailer", 1)
            .put("relay", 1));
  }

  /**
   * One gateway instance per core: an instance's sockets are served by its one event loop, so one instance can use one
   * core; a message to a socket of another instance is written straight into it, so a second instance costs no more
   * CPU per message (docs/benchmarks.md). The other verticles are far from busy at that rate and stay at one.
   */
  static int defaultGateways() {
    return Math.min(MAX_INSTANCES, Runtime.getRuntime().availableProcessors());
  }

  /** Merges the file's JSON and the environment over the defaults; the result is what {@link #from} reads. */
  public static JsonObject merge(JsonObject file, Map<String, String> env) {
    JsonObject merged = defaults();
    for (String key : file.fieldNames()) {
      if (!merged.containsKey(key) && !"node_id".equals(key)) {
        throw new ConfigException("unknown configuration key '" + key + "'");
      }
      if ("instances".equals(key)) {
        if (!(file.getValue("instances") instanceof JsonObject counts)) {
          throw new ConfigException("instances must be an object of instance counts per verticle");
        }
        for (String verticle : counts.fieldNames()) {
          if (!VERTICLES.contains(verticle)) {
            throw new ConfigException("instances." + verticle + ": there is no such verticle (" + String.join(", ",
                VERTICLES) + ")");
          }
        }
        merged.getJsonObject("instances").mergeIn(counts);
      } else {
        merged.put(key, file.getValue(key));
      }
    }
    for (String key : defaults().fieldNames()) {
      if ("instances".equals(key)) {
        for (String verticle : VERTICLES) {
          String value = env.get("PEERBOOK_INSTANCES_" + verticle.toUpperCase(Locale.ROOT));
          if (value != null) {
            merged.getJsonObject("instances").put(verticle, value);
          }
        }
        continue;
      }
      String value = env.get("PEERBOOK_" + key.toUpperCase(Locale.ROOT));
      if (value != null) {
        merged.put(key, value);
      }
    }
    return merged;
  }

  /** Reads and validates a merged configuration; a bad value throws a {@link ConfigException} naming its key. */
  public static PeerbookConfig from(JsonObject json) {
    JsonObject j = defaults().mergeIn(json, false);
    Map<String, Integer> instances = new java.util.LinkedHashMap<>();
    JsonObject inst = j.getJsonObject("instances");
    for (String verticle : VERTICLES) {
      int n = integer(inst, verticle, "instances." + verticle, 1);
      if (n < 1 || n > MAX_INSTANCES) {
        throw new ConfigException("instances." + verticle + " must be between 1 and " + MAX_INSTANCES);
      }
      instances.put(verticle, n);
    }
    String starttls = string(j, "smtp_starttls", "OPTIONAL").toUpperCase(Locale.ROOT);
    if (!List.of("DISABLED", "OPTIONAL", "REQUIRED").contains(starttls)) {
      throw new ConfigException("smtp_starttls must be DISABLED, OPTIONAL or REQUIRED");
    }
    String publicUrl = string(j, "public_url", null);
    if (publicUrl == null || !(publicUrl.startsWith("http://") || publicUrl.startsWith("https://"))) {
      throw new ConfigException("public_url must start with http:// or https://");
    }
    return new PeerbookConfig(
        string(j, "http_host", "0.0.0.0"), port(j, "http_port"), publicUrl.replaceAll("/+$", ""),
        string(j, "redis_url", null), string(j, "redis_prefix", "peerbook:"), string(j, "data_dir", "data"),
        string(j, "smtp_host", null), port(j, "smtp_port"), string(j, "smtp_username", null),
        string(j, "smtp_password", null), starttls, string(j, "mail_from", "peerbook@localhost"),
        positive(j, "link_ttl"), nonNegative(j, "mail_interval"), positive(j, "session_ttl"),
        nonNegative(j, "msg_rate"), nonNegative(j, "msg_burst"), positive(j, "ping_interval"), positive(j, "max_pending"),
        string(j, "admin_token", null), list(j, "allowed_origins"),
        bool(j, "clustered"), string(j, "cluster_name", "peerbook"), port(j, "cluster_port"),
        string(j, "cluster_host", null), list(j, "cluster_members"), port(j, "cluster_bus_port"),
        list(j, "turn_urls"), string(j, "turn_secret", null), positive(j, "turn_ttl"), list(j, "stun_urls"),
        Map.copyOf(instances), string(j, "node_id", null), Limits.from(j),
        string(j, "metrics_token", null),
        deviceKeys(j),
        RedisSettings.from(j));
  }

  /** {@code optional} (keyless devices connect as the seed's protocol has it) or {@code required}. */
  private static boolean deviceKeys(JsonObject j) {
    String mode = string(j, "device_keys", "optional").trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("optional") && !mode.equals("required")) {
      throw new ConfigException("device_keys must be optional or required, got '" + j.getValue("device_keys") + "'");
    }
    return mode.equals("required");
  }

  public boolean smtpEnabled() {
    return smtpHost != null;
  }

  public boolean adminEnabled() {
    return adminToken != null;
  }

  public boolean https() {
    return publicUrl.startsWith("https://");
  }

  private static String string(JsonObject j, String key, String def) {
    Object v = j.getValue(key);
    if (v == null) {
      return def;
    }
    String s = v.toString();
    return s.isBlank() ? def : s;
  }

  static int integer(JsonObject j, String key, String name, int def) {
    Object v = j.getValue(key);
    if (v == null) {
      return def;
    }
    try {
      return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, got '" + v + "'");
    }
  }

  private static int port(JsonObject j, String key) {
    int p = integer(j, key, key, 0);
    if (p < 0 || p > 65535) {
      throw new ConfigException(key + " must be a port number (0-65535)");
    }
    return p;
  }

  static int positive(JsonObject j, String key) {
    int n = integer(j, key, key, 1);
    if (n <= 0) {
      throw new ConfigException(key + " must be greater than 0");
    }
    return n;
  }

  static int nonNegative(JsonObject j, String key) {
    int n = integer(j, key, key, 0);
    if (n < 0) {
      throw new ConfigException(key + " must be 0 or more");
    }
    return n;
  }

  private static boolean bool(JsonObject j, String key) {
    Object v = j.getValue(key);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return s.equals("true");
    }
    throw new ConfigException(key + " must be true or false, got '" + v + "'");
  }

  static List<String> list(JsonObject j, String key) {
    Object v = j.getValue(key);
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray arr) {
      arr.forEach(o -> out.add(String.valueOf(o).trim()));
    } else if (v != null) {
      out.addAll(Arrays.asList(v.toString().split(",")));
    }
    return out.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
