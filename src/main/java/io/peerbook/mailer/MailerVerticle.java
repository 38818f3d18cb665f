package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.AddressQuota;
import io.peerbook.redis.Keys;
import io.peerbook.redis.RedisClients;
import io.peerbook.web.Tokens;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.List;

/**
 * Links and sessions: mails a user a single-use link when a device waits (or logs it when no SMTP host is set), at
 * most once per mail interval ({@link ApprovalLinks}); mails one on request from the front door ({@link ManageLinks}); and turns a spent link
 * into a short session for the page.
 */
public final class MailerVerticle extends VerticleBase {
  private PeerbookConfig cfg;
  private Redis redis;
  private Keys keys;
  private Outbox outbox;
  private LinkMailer links;

  @Override
  public Future<?> start() {
    cfg = PeerbookConfig.from(config());
    redis = RedisClients.create(vertx, cfg);
    keys = new Keys(cfg.redisPrefix());
    outbox = new Outbox(vertx, cfg);
    links = new LinkMailer(redis, keys, cfg, outbox);
    ManageLinks manageLinks = new ManageLinks(vertx.eventBus(), cfg,
        new AddressQuota(redis, keys, cfg.limits().maxRequestsPerAddress()), links);
    ApprovalLinks approvalLinks = new ApprovalLinks(vertx.eventBus(), cfg, links);
    return Future.all(List.of(
        Bus.serve(vertx.eventBus(), Address.MAILER_NOTIFY, approvalLinks::request),
        Bus.serve(vertx.eventBus(), Address.MAILER_MANAGE_LINK, manageLinks::request),
        Bus.serve(vertx.eventBus(), Address.MAILER_LINK_CHECK, this::check),
        Bus.serve(vertx.eventBus(), Address.MAILER_LINK_REDEEM, this::redeem),
        Bus.serve(vertx.eventBus(), Address.MAILER_SESSION, this::session)));
  }

  @Override
  public Future<?> stop() {
    return outbox.close().eventually(() -> redis.close());
  }

  private Future<JsonObject> check(JsonObject body) {
    return redis.send(Request.cmd(Command.GET).arg(keys.link(Tokens.hash(token(body))))).map(r -> {
      if (r == null) {
        throw new ProtocolException(Codes.GONE, "this link has expired or was already used");
      }
      return new JsonObject().put("email", r.toString());
    });
  }

  private Future<JsonObject> redeem(JsonObject body) {
    return redis.send(Request.cmd(Command.GETDEL).arg(keys.link(Tokens.hash(token(body))))).compose(r -> {
      if (r == null) {
        throw new ProtocolException(Codes.GONE, "this link has expired or was already used");
      }
      String email = r.toString();
      String session = Tokens.generate();
      String csrf = Tokens.generate();
      JsonObject stored = new JsonObject().put("email", email).put("csrf", csrf);
      return redis.send(Request.cmd(Command.SET).arg(keys.session(Tokens.hash(session))).arg(stored.encode())
              .arg("EX").arg(cfg.sessionTtl()))
          .map(ok -> new JsonObject().put("email", email).put("session", session).put("csrf", csrf));
    });
  }

  private Future<JsonObject> session(JsonObject body) {
    String id = body.getString("session");
    if (id == null || id.isEmpty()) {
      return Future.failedFuture(new ProtocolException(Codes.UNAUTHORIZED, "no session"));
    }
    return redis.send(Request.cmd(Command.GET).arg(keys.session(Tokens.hash(id)))).map(r -> {
      if (r == null) {
        throw new ProtocolException(Codes.UNAUTHORIZED, "your session has expired");
      }
      return new JsonObject(r.toString());
    });
  }

  private static String token(JsonObject body) {
    String token = body.getString("token");
    if (token == null || token.isEmpty() || token.length() > 128) {
      throw new ProtocolException(Codes.GONE, "this link is not valid");
    }
    return token;
  }
}
