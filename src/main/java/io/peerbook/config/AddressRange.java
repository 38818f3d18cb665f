package io.peerbook.config;

import io.netty.util.NetUtil;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One entry of {@code trusted_proxies}: an IP address ({@code 10.0.0.5}, {@code ::1}) or a CIDR range
 * ({@code 10.0.0.0/8}, {@code fd00::/8}). Only literals are accepted, so reading the setting never asks DNS. Also
 * the unit the per-address caps count in ({@link #bucket}).
 */
public record AddressRange(byte[] network, int prefixBits) {

  public static AddressRange parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? s : s.substring(0, slash));
    if (address == null) {
      throw new ConfigException("trusted_proxies: '" + text + "' is not an IP address or a CIDR range");
    }
    int bits = address.length * 8;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > address.length * 8) {
        throw new ConfigException("trusted_proxies: '" + text + "' has a bad prefix length");
      }
    }
    return new AddressRange(address, bits);
  }

  /** True when {@code address} (4 or 16 bytes; an IPv4-mapped IPv6 address counts as IPv4) is in this range. */
  public boolean contains(byte[] address) {
    byte[] a = network.length == 4 ? unmapped(address) : address;
    if (a.length != network.length) {
      return false;
    }
    int full = prefixBits / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixBits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  /**
   * The IPv4 address of an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, how a dual-stack socket may show an
   * IPv4 client); any other address as it is.
   */
  public static byte[] unmapped(byte[] a) {
    if (a.length != 16) {
      return a;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return a;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff ? Arrays.copyOfRange(a, 12, 16) : a;
  }

  /**
   * The unit a per-address cap counts. An IPv6 subscriber usually holds a whole /64, so IPv6 counts per /64: otherwise
   * one client would have 2^64 fresh addresses to spend. IPv4 (also when shown IPv4-mapped) counts per address;
   * anything that is not an address, as it is.
   */
  public static String bucket(String address) {
    byte[] parsed = NetUtil.createByteArrayFromIpAddressString(address);
    if (parsed == null) {
      return address;
    }
    byte[] bytes = unmapped(parsed);
    return bytes.length == 4 ? NetUtil.bytesToIpAddress(bytes) : HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressRange r && r.prefixBits == prefixBits && Arrays.equals(r.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixBits;
  }

  @Override
  public String toString() {
    return NetUtil.bytesToIpAddress(network) + "/" + prefixBits;
  }
}
