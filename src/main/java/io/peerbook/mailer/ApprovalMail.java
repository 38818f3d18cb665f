package io.peerbook.mailer;

import io.peerbook.protocol.Timestamps;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The approval email: subject, a text part and an HTML part listing what waits, with the one link; the parts come
 * from src/main/jte/mail-text/approval-text.jte and src/main/jte/mail/approval.jte.
 */
final class ApprovalMail {

  /** One pending request as the mail lists it. */
  record Request(String name, String kind, String fingerprint, String askedAt, String replaces) {
  }

  /** What both parts show; {@code lifetime} is how long the link works, in words. */
  record Content(String email, List<Request> pending, String link, String lifetime) {
    String asks() {
      return pending.size() == 1 ? "A device asks" : pending.size() + " devices ask";
    }
  }

  private ApprovalMail() {
  }

  static Mail compose(String email, List<JsonObject> pending, String link, int ttlSeconds) {
    JsonObject newest = pending.get(pending.size() - 1);
    String subject = pending.size() == 1
        ? "peerbook: " + newest.getString("name") + " asks to join your devices"
        : "peerbook: " + pending.size() + " devices wait for approval (newest: " + newest.getString("name") + ")";
    Content content = new Content(email, pending.stream().map(p -> new Request(p.getString("name"), p.getString("kind"),
        p.getString("fingerprint"), Timestamps.readable(p.getString("requested_at")), p.getString("replaces"))).toList(),
        link, Mail.lifetime(ttlSeconds));
    return new Mail("approval", subject, Mail.TEXT.render("approval-text.jte", content),
        Mail.HTML.render("approval.jte", content));
  }
}
