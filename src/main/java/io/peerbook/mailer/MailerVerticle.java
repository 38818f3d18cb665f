package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.Keys;
import io.peerbook.redis.RedisClients;
import io.peerbook.web.Tokens;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Approval links and sessions: mails a user a single-use link (or logs it when no SMTP host is set), at most once
 * per mail interval, and turns a spent link into a short session for the page.
 */
public final class MailerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);

  private PeerbookConfig cfg;
  private Redis redis;
  private Keys keys;
  private MailClient mail;

  @Override
  public Future<?> start() {
    cfg = PeerbookConfig.from(config());
    redis = RedisClients.create(vertx, cfg);
    keys = new Keys(cfg.redisPrefix());
    if (cfg.smtpEnabled()) {
      MailConfig mc = new MailConfig().setHostname(cfg.smtpHost()).setPort(cfg.smtpPort())
          .setStarttls(StartTLSOptions.valueOf(cfg.smtpStarttls())).setConnectTimeout(5_000);
      if (cfg.smtpUsername() != null) {
        mc.setUsername(cfg.smtpUsername()).setPassword(cfg.smtpPassword()).setLogin(LoginOption.REQUIRED);
      } else {
        mc.setLogin(LoginOption.DISABLED);
      }
      mail = MailClient.create(vertx, mc);
    }
    return Future.all(List.of(
        vertx.eventBus().<JsonObject>consumer(Address.MAILER_NOTIFY.address(),
            msg -> notifyUser(msg.body().getString("email"))).completion(),
        Bus.serve(vertx.eventBus(), Address.MAILER_LINK_CHECK, this::check),
        Bus.serve(vertx.eventBus(), Address.MAILER_LINK_REDEEM, this::redeem),
        Bus.serve(vertx.eventBus(), Address.MAILER_SESSION, this::session)));
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = mail == null ? Future.succeededFuture() : mail.close();
    return closed.eventually(() -> redis.close());
  }

  private void notifyUser(String email) {
    Request throttle = Request.cmd(Command.SET).arg(keys.mailed(email)).arg("1").arg("NX").arg("EX")
        .arg(Math.max(1, cfg.mailInterval()));
    redis.send(throttle).compose(r -> {
      if (r == null) {
        // Mailed within the interval: the request waits on the page the earlier link opens.
        return Future.succeededFuture();
      }
      return Bus.request(vertx.eventBus(), Address.DIRECTORY_BOOK, new JsonObject().put("email", email))
          .compose(book -> {
            List<JsonObject> pending = new ArrayList<>();
            book.getJsonArray("pending").forEach(p -> pending.add((JsonObject) p));
            if (pending.isEmpty()) {
              return redis.send(Request.cmd(Command.DEL).arg(keys.mailed(email))).mapEmpty();
            }
            String token = Tokens.generate();
            return redis.send(Request.cmd(Command.SET).arg(keys.link(Tokens.hash(token))).arg(email).arg("EX").arg(cfg.linkTtl()))
                .compose(ok -> deliver(email, ApprovalMail.compose(email, pending, cfg.publicUrl() + "/approve/" + token, cfg.linkTtl()), 0));
          })
          .recover(err -> {
            LOG.error("approval mail to {} not sent: {}", email, err.toString());
            // Let a later request try again instead of waiting out the interval with no mail sent. Its own failure
            // is a warning only: the mail's failure was just logged, once.
            return redis.send(Request.cmd(Command.DEL).arg(keys.mailed(email))).<Void>mapEmpty()
                .onFailure(e -> LOG.warn("{} may not be mailed again for {} s: {}", email, cfg.mailInterval(), e.toString()))
                .otherwiseEmpty();
          });
    }).onFailure(err -> LOG.error("approval mail to {} not sent: {}", email, err.toString()));
  }

  private Future<Void> deliver(String email, ApprovalMail content, int attempt) {
    if (mail == null) {
      Meters.mail("logged");
      LOG.info("approval link for {}: {}", email, content.text().lines()
          .filter(l -> l.startsWith(cfg.publicUrl())).findFirst().orElse("?"));
      return Future.succeededFuture();
    }
    MailMessage message = new MailMessage().setFrom(cfg.mailFrom()).setTo(email)
        .setSubject(content.subject()).setText(content.text()).setHtml(content.html());
    // Delays before each new attempt when the SMTP server fails (mail_retries, a bounded list); after the last one
    // the mail is given up, the pending requests stay, and the user's next request mails them all again.
    List<Integer> retries = cfg.limits().mailRetries();
    return mail.sendMail(message).<Void>mapEmpty().onSuccess(v -> Meters.mail("sent")).recover(err -> {
      if (attempt >= retries.size()) {
        Meters.mail("failed");
        return Future.failedFuture(err);
      }
      LOG.warn("approval mail to {} failed ({}), retrying in {} s", email, err.toString(), retries.get(attempt));
      return vertx.timer(retries.get(attempt) * 1000L).compose(t -> deliver(email, content, attempt + 1));
    });
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
