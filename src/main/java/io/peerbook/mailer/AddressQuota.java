package io.peerbook.mailer;

import io.peerbook.redis.Keys;
import io.peerbook.redis.LuaScript;
import io.peerbook.web.ClientAddress;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The front door's share of the per-address cap ({@code max_requests_per_address} an hour): each "Email me a link"
 * counts in the same counter as the new device requests the directory counts, so one address has one budget for
 * everything that can make peerbook send mail. Every request counts, whether or not its email has a book, or the
 * answer would tell.
 */
final class AddressQuota {
  /** The directory's window (directory/RequestQuota): a fixed hour from an address's first count. */
  static final int WINDOW_SECONDS = 3600;
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);
  private static final LuaScript COUNT = LuaScript.load("count");

  private final Redis redis;
  private final Keys keys;
  private final int perHour;

  AddressQuota(Redis redis, Keys keys, int perHour) {
    this.redis = redis;
    this.keys = keys;
    this.perHour = perHour;
  }

  /** Counts one request from this address: 0 while within the cap, else the seconds until the address may ask again. */
  Future<Long> take(String address) {
    if (perHour == 0) {
      return Future.succeededFuture(0L);
    }
    String bucket = ClientAddress.bucket(address);
    String key = keys.requestsFrom(bucket);
    return COUNT.run(redis, List.of(key), List.of(String.valueOf(WINDOW_SECONDS))).compose(n -> {
      if (n.toLong() <= perHour) {
        return Future.succeededFuture(0L);
      }
      return redis.send(Request.cmd(Command.TTL).arg(key)).map(ttl -> {
        // The window may end between the count and this look (TTL -2): then it is over, and a second is enough.
        long wait = Math.max(1, ttl == null ? 1 : ttl.toLong());
        if (n.toLong() == perHour + 1) {
          LOG.info("{} made {} requests within the hour: further ones are refused for {} s", bucket, perHour, wait);
        }
        return wait;
      });
    });
  }
}
