package io.peerbook;

import io.peerbook.config.AddressRange;
import io.peerbook.config.ConfigException;
import io.peerbook.config.Limits;
import io.peerbook.config.PeerbookConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings of the limits: defaults, overrides from file and environment, and a clear error for a bad value. */
class LimitsConfigTest {

  private static Limits limits(JsonObject file, Map<String, String> env) {
    return PeerbookConfig.from(PeerbookConfig.merge(file, env)).limits();
  }

  @Test
  @DisplayName("the defaults: 10000 sockets per node, 20 waiting per user, 100 peers, 20 new requests per address an hour, no trusted proxy, 1 MiB write queue, mail retried after 2, 10 and 60 s")
  void defaults() {
    Limits l = limits(new JsonObject(), Map.of());
    assertEquals(10_000, l.maxConnections());
    assertEquals(20, l.maxConnectionsPerUser());
    assertEquals(100, l.maxPeers());
    assertEquals(20, l.maxRequestsPerAddress());
    assertEquals(List.of(), l.trustedProxies());
    assertEquals(1024 * 1024, l.maxWriteQueue());
    assertEquals(List.of(2, 10, 60), l.mailRetries());
  }

  @Test
  @DisplayName("PEERBOOK_* variables override the file; trusted proxies take addresses and CIDR ranges, IPv4 and IPv6; 0 turns the address cap off; an empty mail_retries means no retry")
  void overrides() {
    JsonObject file = new JsonObject().put("max_peers", 5).put("trusted_proxies", new JsonArray().add("10.0.0.0/8"))
        .put("mail_retries", new JsonArray().add(1).add(3));
    Limits l = limits(file, Map.of("PEERBOOK_MAX_CONNECTIONS", "50", "PEERBOOK_MAX_CONNECTIONS_PER_USER", "4",
        "PEERBOOK_MAX_REQUESTS_PER_ADDRESS", "0", "PEERBOOK_MAX_WRITE_QUEUE", "65536"));
    assertEquals(50, l.maxConnections());
    assertEquals(4, l.maxConnectionsPerUser());
    assertEquals(5, l.maxPeers());
    assertEquals(0, l.maxRequestsPerAddress());
    assertEquals(65536, l.maxWriteQueue());
    assertEquals(List.of(1, 3), l.mailRetries());
    assertEquals(List.of(AddressRange.parse("10.0.0.0/8")), l.trustedProxies());

    Limits env = limits(file, Map.of("PEERBOOK_TRUSTED_PROXIES", "192.0.2.1, fd00::/8", "PEERBOOK_MAIL_RETRIES", ""));
    assertEquals(List.of(), env.mailRetries());
    AddressRange v4 = env.trustedProxies().get(0);
    AddressRange v6 = env.trustedProxies().get(1);
    assertTrue(v4.contains(new byte[] {(byte) 192, 0, 2, 1}));
    assertFalse(v4.contains(new byte[] {(byte) 192, 0, 2, 2}));
    byte[] inside = new byte[16];
    inside[0] = (byte) 0xfd;
    assertTrue(v6.contains(inside));
    inside[0] = (byte) 0xfe;
    assertFalse(v6.contains(inside));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "PEERBOOK_MAX_CONNECTIONS|0",
      "PEERBOOK_MAX_CONNECTIONS_PER_USER|-1",
      "PEERBOOK_MAX_PEERS|many",
      "PEERBOOK_MAX_REQUESTS_PER_ADDRESS|-3",
      "PEERBOOK_MAX_WRITE_QUEUE|100",
      "PEERBOOK_TRUSTED_PROXIES|proxy.example.com",
      "PEERBOOK_TRUSTED_PROXIES|10.0.0.0/33",
      "PEERBOOK_MAIL_RETRIES|2,ten",
      "PEERBOOK_MAIL_RETRIES|0",
      "PEERBOOK_MAIL_RETRIES|1,1,1,1,1,1,1,1,1,1,1"})
  @DisplayName("a bad limit is an error that names its setting (a host name is not a trusted proxy: no DNS at start)")
  void badValues(String variable, String value) {
    ConfigException e = assertThrows(ConfigException.class, () -> limits(new JsonObject(), Map.of(variable, value)));
    String setting = variable.substring("PEERBOOK_".length()).toLowerCase(java.util.Locale.ROOT);
    assertTrue(e.getMessage().contains(setting), e.getMessage());
  }
}
