package io.peerbook.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the per-address cap counts under. */
class AddressRangeTest {
  @Test
  @DisplayName("the per-address cap counts IPv4 per address (also IPv4-mapped), IPv6 per /64, anything else as given")
  void buckets() {
    assertEquals("203.0.113.7", AddressRange.bucket("203.0.113.7"));
    assertEquals("203.0.113.7", AddressRange.bucket("::ffff:203.0.113.7"));
    assertEquals("20010db8000000aa::/64", AddressRange.bucket("2001:db8:0:aa::1"));
    assertEquals(AddressRange.bucket("2001:db8:0:aa::1"), AddressRange.bucket("2001:db8:0:aa:ffff:1:2:3"));
    assertEquals("garbage", AddressRange.bucket("garbage"));
  }
}
