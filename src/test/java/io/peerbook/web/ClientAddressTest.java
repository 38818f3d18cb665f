package io.peerbook.web;

import io.peerbook.config.AddressRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which address a request comes from, with and without trusted proxies in front. */
class ClientAddressTest {
  private static final List<AddressRange> PROXIES = List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("::1"));

  private static String resolve(String remote, List<String> forwarded) {
    return ClientAddress.resolve(remote, forwarded, PROXIES);
  }

  @Test
  @DisplayName("without trusted proxies, or from a peer that is not one, X-Forwarded-For is ignored")
  void untrustedPeer() {
    assertEquals("10.1.2.3", ClientAddress.resolve("10.1.2.3", List.of("1.2.3.4"), List.of()));
    assertEquals("192.0.2.1", resolve("192.0.2.1", List.of("1.2.3.4")));
  }

  @Test
  @DisplayName("from a trusted proxy: the right-most hop that is not a trusted proxy, over several headers; spoofed hops to its left are ignored")
  void rightMostUntrustedHop() {
    assertEquals("203.0.113.7", resolve("10.0.0.1", List.of("203.0.113.7")));
    assertEquals("203.0.113.7", resolve("10.0.0.1", List.of("6.6.6.6, 203.0.113.7, 10.9.9.9")));
    assertEquals("203.0.113.7", resolve("::1", List.of("6.6.6.6", "203.0.113.7 ,10.0.0.2")));
    assertEquals("2001:db8::5", resolve("10.0.0.1", List.of("2001:db8::5")));
  }

  @Test
  @DisplayName("a trusted proxy with no or only trusted hops: the left-most trusted address; garbage is kept as text, cut to 64 characters")
  void edgeCases() {
    assertEquals("10.0.0.1", resolve("10.0.0.1", List.of()));
    assertEquals("10.0.0.3", resolve("10.0.0.1", List.of("10.0.0.3, 10.0.0.2")));
    assertEquals("not-an-address", resolve("10.0.0.1", List.of(" , not-an-address, ")));
    assertEquals(64, resolve("10.0.0.1", List.of("x".repeat(500))).length());
    assertEquals("", ClientAddress.resolve(null, List.of("1.2.3.4"), PROXIES));
  }
}
