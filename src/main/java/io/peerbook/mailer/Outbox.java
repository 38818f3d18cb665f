package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Sends mails through the configured SMTP server, retrying a refused one after the {@code mail_retries} delays; with
 * no SMTP host, writes the mail's link to the log instead.
 */
final class Outbox {
  /** The mailer's one log category, which operators filter on (the README shows its lines). */
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);

  /** How long a stopping node waits for the mails it is sending. */
  static final long STOP_WAIT_MS = 3_000;
  private final Vertx vertx;
  private final PeerbookConfig cfg;
  private final MailClient mail;
  /** Mails being sent or waiting for a retry; the node stops once they are done (or after STOP_WAIT_MS). */
  private int inFlight;
  private Promise<Void> drained;
  private boolean closing;

  Outbox(Vertx vertx, PeerbookConfig cfg) {
    this.vertx = vertx;
    this.cfg = cfg;
    if (cfg.smtpEnabled()) {
      MailConfig mc = new MailConfig().setHostname(cfg.smtpHost()).setPort(cfg.smtpPort())
          .setStarttls(StartTLSOptions.valueOf(cfg.smtpStarttls())).setConnectTimeout(5_000);
      if (cfg.smtpUsername() != null) {
        mc.setUsername(cfg.smtpUsername()).setPassword(cfg.smtpPassword()).setLogin(LoginOption.REQUIRED);
      } else {
        mc.setLogin(LoginOption.DISABLED);
      }
      mail = MailClient.create(vertx, mc);
    } else {
      mail = null;
    }
  }

  Future<Void> send(String email, Mail content) {
    if (closing) {
      return Future.failedFuture(new Stopped());
    }
    inFlight++;
    return send(email, content, 0).andThen(ar -> {
      if (--inFlight == 0 && drained != null) {
        drained.tryComplete();
      }
    });
  }

  private Future<Void> send(String email, Mail content, int attempt) {
    if (mail == null) {
      Meters.mail("logged");
      LOG.info("{} link for {}: {}", content.what(), email, content.text().lines()
          .filter(l -> l.startsWith(cfg.publicUrl())).findFirst().orElse("?"));
      return Future.succeededFuture();
    }
    MailMessage message = new MailMessage().setFrom(cfg.mailFrom()).setTo(email)
        .setSubject(content.subject()).setText(content.text()).setHtml(content.html());
    // Delays before each new attempt when the SMTP server fails (mail_retries, a bounded list); after the last one
    // the mail is given up, and the caller gives the user's mail interval back so that a later request mails again.
    List<Integer> retries = cfg.limits().mailRetries();
    return mail.sendMail(message).<Void>mapEmpty().onSuccess(v -> Meters.mail("sent")).recover(err -> {
      if (closing) {
        return Future.failedFuture(new Stopped());
      }
      if (attempt >= retries.size()) {
        Meters.mail("failed");
        return Future.failedFuture(err);
      }
      LOG.warn("{} mail to {} failed ({}), retrying in {} s", content.what(), email, err.toString(), retries.get(attempt));
      return vertx.timer(retries.get(attempt) * 1000L).compose(t -> send(email, content, attempt + 1));
    });
  }

  /** Takes no new mail, lets those being sent finish (retries are given up), then closes the SMTP client. */
  Future<Void> close() {
    closing = true;
    if (mail == null) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    if (inFlight == 0) {
      drained.complete();
    }
    long timer = vertx.setTimer(STOP_WAIT_MS, t -> drained.tryComplete());
    return drained.future().compose(v -> {
      vertx.cancelTimer(timer);
      return mail.close();
    });
  }

  /** A mail not sent because the node is stopping. */
  static final class Stopped extends RuntimeException {
    Stopped() {
      super("the node stopped", null, false, false);
    }
  }
}
