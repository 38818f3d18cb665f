package io.peerbook.mailer;

import io.peerbook.protocol.Timestamps;
import io.peerbook.web.RequestChange;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * The approval email: subject, a text part and an HTML part listing what waits (each request with its fingerprint, its
 * key id, and what approving it would change, in the page's words), with the one link; the parts come from
 * src/main/jte/mail-text/approval-text.jte and src/main/jte/mail/approval.jte.
 */
final class ApprovalMail {
  /** The page's colours for the tones of a change's tag (a mail carries no stylesheet). */
  private static final Map<String, String> COLORS = Map.of("warn", "#7a4d00", "danger", "#b42318", "info", "#0a4a9e");

  /**
   * One pending request as the mail lists it; {@code keyId} and {@code replacesKeyId} are null without a key, {@code tag}
   * and {@code warning} (the page's words for what approving it changes) and the tag's colour null for a new device.
   */
  record Request(String name, String kind, String fingerprint, String askedAt, String replaces, String keyId,
                 String replacesKeyId, String tag, String warning, String color) {
    static Request of(JsonObject p) {
      RequestChange change = RequestChange.of(p);
      String name = p.getString("name");
      String keyId = p.getString("key_id");
      String replacesKeyId = p.getString("replaces_key_id");
      return new Request(name, p.getString("kind"), p.getString("fingerprint"),
          Timestamps.readable(p.getString("requested_at")), p.getString("replaces"), keyId, replacesKeyId,
          change.tag(), change.warning(name, keyId, replacesKeyId), change.tone() == null ? null : COLORS.get(change.tone()));
    }
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
    Content content = new Content(email, pending.stream().map(Request::of).toList(), link, Mail.lifetime(ttlSeconds));
    return new Mail("approval", subject, Mail.TEXT.render("approval-text.jte", content),
        Mail.HTML.render("approval.jte", content));
  }
}
