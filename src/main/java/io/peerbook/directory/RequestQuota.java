package io.peerbook.directory;

import io.netty.util.NetUtil;
import io.peerbook.config.AddressRange;
import io.peerbook.redis.Keys;
import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.util.HexFormat;
import java.util.List;

/**
 * The cap on new pending requests per client address per hour: anyone can claim any email, and each new request may
 * send a mail, so one address may not make peerbook mail the world. Counted in Redis (a fixed one-hour window per
 * address, shared by every node), never by scanning keys.
 */
final class RequestQuota {
  static final int WINDOW_SECONDS = 3600;
  private static final LuaScript COUNT = LuaScript.load("count");
  private final Redis redis;
  private final Keys keys;
  private final int perHour;

  RequestQuota(Redis redis, Keys keys, int perHour) {
    this.redis = redis;
    this.keys = keys;
    this.perHour = perHour;
  }

  boolean enabled() {
    return perHour > 0;
  }

  /** Counts one new request from this address; true while the address is within its cap. */
  Future<Boolean> take(String address) {
    return COUNT.run(redis, List.of(keys.requestsFrom(bucket(address))), List.of(String.valueOf(WINDOW_SECONDS)))
        .map(n -> n.toLong() <= perHour);
  }

  /**
   * The unit the cap counts. An IPv6 subscriber usually holds a whole /64, so IPv6 counts per /64: otherwise one
   * client would have 2^64 fresh addresses to spend. IPv4 (also when shown IPv4-mapped) counts per address.
   */
  static String bucket(String address) {
    byte[] parsed = NetUtil.createByteArrayFromIpAddressString(address);
    if (parsed == null) {
      return address;
    }
    byte[] bytes = AddressRange.unmapped(parsed);
    return bytes.length == 4 ? NetUtil.bytesToIpAddress(bytes) : HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
  }
}
