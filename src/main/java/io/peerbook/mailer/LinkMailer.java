package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.redis.Keys;
import io.peerbook.web.Tokens;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Mails users their single-use links: at most one mail per user per mail interval (a key with that lifetime), each
 * with a fresh link of its own (stored only as its SHA-256, for {@code link_ttl} seconds).
 */
final class LinkMailer {
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);

  private final Redis redis;
  private final Keys keys;
  private final PeerbookConfig cfg;
  private final Outbox outbox;

  LinkMailer(Redis redis, Keys keys, PeerbookConfig cfg, Outbox outbox) {
    this.redis = redis;
    this.keys = keys;
    this.cfg = cfg;
    this.outbox = outbox;
  }

  /** True when the user may be mailed now; the user's mail interval starts with it. */
  Future<Boolean> claim(String email) {
    return redis.send(Request.cmd(Command.SET).arg(keys.mailed(email)).arg("1").arg("NX").arg("EX")
        .arg(interval())).map(r -> r != null);
  }

  /** The mail interval as kept: at least a second. */
  int interval() {
    return Math.max(1, cfg.mailInterval());
  }

  /** How long ago the user's current mail interval began, after a {@link #claim} that failed. */
  Future<Long> secondsSinceMailed(String email) {
    // The interval may end between the claim and this look (-2): then it began a whole interval ago.
    return redis.send(Request.cmd(Command.TTL).arg(keys.mailed(email)))
        .map(ttl -> interval() - Math.max(0, Math.min(interval(), ttl == null ? 0 : ttl.toLong())));
  }

  /** Gives a claimed interval back: nothing was mailed, so the next request may mail at once. */
  Future<Void> release(String email) {
    return redis.send(Request.cmd(Command.DEL).arg(keys.mailed(email))).mapEmpty();
  }

  /** Issues a fresh link and mails what {@code compose} makes of it. */
  Future<Void> send(String email, Function<String, Mail> compose) {
    String token = Tokens.generate();
    Mail mail = compose.apply(cfg.publicUrl() + "/approve/" + token);
    return redis.send(Request.cmd(Command.SET).arg(keys.link(Tokens.hash(token))).arg(email).arg("EX").arg(cfg.linkTtl()))
        .compose(ok -> outbox.send(email, mail));
  }

  /**
   * A claimed mail that could not be sent: logged once, and the interval given back so that a later request tries
   * again instead of waiting it out with no mail sent. The release's own failure is a warning only.
   */
  Future<Void> failed(String what, String email, Throwable err) {
    if (err instanceof Outbox.Stopped) {
      // Redis closes next: the interval is left to run out, and the user may ask again after it.
      LOG.warn("{} mail to {} not sent: the node stopped first", what, email);
      return Future.succeededFuture();
    }
    LOG.error("{} mail to {} not sent: {}", what, email, err.toString());
    return release(email)
        .onFailure(e -> LOG.warn("{} may not be mailed again for {} s: {}", email, cfg.mailInterval(), e.toString()))
        .otherwiseEmpty();
  }
}
