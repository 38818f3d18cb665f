package io.peerbook.redis;

import io.peerbook.config.AddressRange;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The cap on requests that can make peerbook send mail, per client address and hour ({@code max_requests_per_address}):
 * anyone can claim any email, so one address may not make peerbook mail the world. New device requests (the
 * directory) and the front door's "Email me a link" (the mailer) count in one counter per address
 * ({@link AddressRange#bucket}), so an address has one budget for both. Counted in Redis, in a fixed hour from the
 * address's first count, shared by every node; never by scanning keys.
 */
public final class AddressQuota {
  public static final int WINDOW_SECONDS = 3600;
  private static final Logger LOG = LoggerFactory.getLogger(AddressQuota.class);
  private static final LuaScript COUNT = LuaScript.load("count");

  private final Redis redis;
  private final Keys keys;
  private final int perHour;

  public AddressQuota(Redis redis, Keys keys, int perHour) {
    this.redis = redis;
    this.keys = keys;
    this.perHour = perHour;
  }

  /** False when {@code max_requests_per_address} is 0: nothing is counted. */
  public boolean enabled() {
    return perHour > 0;
  }

  /** Counts one request from this address: 0 while within the cap, else the seconds until the address may ask again. */
  public Future<Long> take(String address) {
    if (!enabled()) {
      return Future.succeededFuture(0L);
    }
    String bucket = AddressRange.bucket(address);
    return COUNT.run(redis, List.of(keys.requestsFrom(bucket)), List.of(String.valueOf(WINDOW_SECONDS))).map(r -> {
      long n = r.get(0).toLong();
      if (n <= perHour) {
        return 0L;
      }
      long wait = Math.max(1, r.get(1).toLong());
      // Only the first request over the cap is logged: once per address and hour, whichever path it came by.
      if (n == perHour + 1) {
        LOG.info("{} reached max_requests_per_address ({} an hour): further requests are refused for {} s", bucket,
            perHour, wait);
      }
      return wait;
    });
  }
}
