package io.peerbook.config;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounds peerbook keeps on what the open internet can make it hold or do (docs/limits.md lists them all, with
 * the older ones that live in {@link PeerbookConfig}: message rate, pending requests per user).
 *
 * @param maxConnections         sockets one node holds; more are refused with HTTP 503 before the upgrade
 * @param maxConnectionsPerUser  sockets of one user waiting for approval at once, cluster-wide
 * @param maxPeers               approved peers of one user
 * @param maxRequestsPerAddress  new pending requests one client address may cause per hour; 0: no cap
 * @param trustedProxies         peers whose {@code X-Forwarded-For} is believed
 * @param maxWriteQueue          bytes the server holds for one socket that does not read; then it is closed
 * @param mailRetries            seconds to wait before each new attempt of a mail the SMTP server refused
 * @param routeCache             routes of signaling targets each gateway instance keeps; 0: none (every message to a
 *                               socket on another instance is routed through the relay and the directory)
 * @param maxHttpConnections     plain (not upgraded) HTTP connections one node holds; more are closed when accepted
 * @param httpIdleTimeout        seconds a plain HTTP connection has to send a request's head, and then its body
 */
public record Limits(int maxConnections, int maxConnectionsPerUser, int maxPeers, int maxRequestsPerAddress,
                     List<AddressRange> trustedProxies, int maxWriteQueue, List<Integer> mailRetries, int routeCache,
                     int maxHttpConnections, int httpIdleTimeout) {
  /** One message of the protocol must fit, or a socket could be closed for a single reply. */
  static final int MIN_WRITE_QUEUE = 1024;
  static final int MAX_RETRY_SECONDS = 3600;
  static final int MAX_RETRIES = 10;

  static JsonObject defaults() {
    return new JsonObject()
        .put("max_connections", 10_000).put("max_connections_per_user", 20).put("max_peers", 100)
        .put("max_requests_per_address", 20).put("trusted_proxies", "")
        .put("max_write_queue", 1024 * 1024).put("mail_retries", "2,10,60").put("route_cache", 100_000)
        .put("max_http_connections", 1000).put("http_idle_timeout", 75);
  }

  static Limits from(JsonObject j) {
    int writeQueue = PeerbookConfig.integer(j, "max_write_queue", "max_write_queue", 0);
    if (writeQueue < MIN_WRITE_QUEUE) {
      throw new ConfigException("max_write_queue must be at least " + MIN_WRITE_QUEUE + " bytes");
    }
    return new Limits(PeerbookConfig.positive(j, "max_connections"),
        PeerbookConfig.positive(j, "max_connections_per_user"), PeerbookConfig.positive(j, "max_peers"),
        PeerbookConfig.nonNegative(j, "max_requests_per_address"),
        PeerbookConfig.list(j, "trusted_proxies").stream().map(AddressRange::parse).toList(),
        writeQueue, retries(j), PeerbookConfig.nonNegative(j, "route_cache"),
        PeerbookConfig.positive(j, "max_http_connections"), PeerbookConfig.positive(j, "http_idle_timeout"));
  }

  private static List<Integer> retries(JsonObject j) {
    List<Integer> out = new ArrayList<>();
    for (String s : PeerbookConfig.list(j, "mail_retries")) {
      int seconds;
      try {
        seconds = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new ConfigException("mail_retries must be a list of seconds, got '" + s + "'");
      }
      if (seconds < 1 || seconds > MAX_RETRY_SECONDS) {
        throw new ConfigException("mail_retries: each delay must be 1 to " + MAX_RETRY_SECONDS + " seconds");
      }
      out.add(seconds);
    }
    if (out.size() > MAX_RETRIES) {
      throw new ConfigException("mail_retries: at most " + MAX_RETRIES + " retries");
    }
    return List.copyOf(out);
  }
}
