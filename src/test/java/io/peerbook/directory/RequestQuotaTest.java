package io.peerbook.directory;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the per-address request cap counts under. */
class RequestQuotaTest {
  @Test
  @DisplayName("IPv4 counts per address (also IPv4-mapped), IPv6 per /64, anything else as given")
  void buckets() {
    assertEquals("203.0.113.7", RequestQuota.bucket("203.0.113.7"));
    assertEquals("203.0.113.7", RequestQuota.bucket("::ffff:203.0.113.7"));
    assertEquals("20010db8000000aa::/64", RequestQuota.bucket("2001:db8:0:aa::1"));
    assertEquals(RequestQuota.bucket("2001:db8:0:aa::1"), RequestQuota.bucket("2001:db8:0:aa:ffff:1:2:3"));
    assertEquals("garbage", RequestQuota.bucket("garbage"));
  }
}
