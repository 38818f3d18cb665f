package io.peerbook.mailer;

import io.peerbook.web.Html;
import io.peerbook.protocol.Timestamps;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The approval email: subject, a text part and an HTML part listing what waits, with the one link. */
record ApprovalMail(String subject, String text, String html) {

  static ApprovalMail compose(String email, List<JsonObject> pending, String link, int ttlSeconds) {
    JsonObject newest = pending.get(pending.size() - 1);
    String lifetime = ttlSeconds == 60 ? "1 minute" : ttlSeconds % 60 == 0 ? (ttlSeconds / 60) + " minutes" : ttlSeconds + " seconds";
    String subject = pending.size() == 1
        ? "peerbook: " + newest.getString("name") + " asks to join your devices"
        : "peerbook: " + pending.size() + " devices wait for approval (newest: " + newest.getString("name") + ")";
    StringBuilder text = new StringBuilder();
    text.append("Hello ").append(email).append(",\n\n")
        .append(pending.size() == 1 ? "A device asks" : pending.size() + " devices ask")
        .append(" to join your peerbook devices:\n\n");
    StringBuilder items = new StringBuilder();
    for (JsonObject p : pending) {
      text.append("- ").append(p.getString("name"))
          .append(p.getString("kind") == null ? "" : " (" + p.getString("kind") + ")").append('\n')
          .append("  fingerprint ").append(p.getString("fingerprint")).append('\n')
          .append("  asked at ").append(Timestamps.readable(p.getString("requested_at"))).append('\n');
      if (p.getString("replaces") != null) {
        text.append("  replaces fingerprint ").append(p.getString("replaces")).append('\n');
      }
      items.append("<li><strong>").append(Html.escape(p.getString("name"))).append("</strong>")
          .append(p.getString("kind") == null ? "" : " (" + Html.escape(p.getString("kind")) + ")")
          .append("<br>fingerprint <code>").append(Html.escape(p.getString("fingerprint"))).append("</code>")
          .append("<br>asked at ").append(Html.escape(Timestamps.readable(p.getString("requested_at"))));
      if (p.getString("replaces") != null) {
        items.append("<br>replaces fingerprint <code>").append(Html.escape(p.getString("replaces"))).append("</code>");
      }
      items.append("</li>");
    }
    text.append("\nApprove or reject them here (the link works once, for ").append(lifetime).append("):\n")
        .append(link).append("\n\nIf you did not connect a device, ignore this mail: nothing is approved without you.\n");
    String html = "<!doctype html><html><body style=\"font-family:sans-serif\">"
        + "<p>Hello " + Html.escape(email) + ",</p>"
        + "<p>" + (pending.size() == 1 ? "A device asks" : pending.size() + " devices ask")
        + " to join your peerbook devices:</p><ul>" + items + "</ul>"
        + "<p><a href=\"" + Html.escape(link) + "\">Review the requests</a> (the link works once, for " + lifetime + ").</p>"
        + "<p>If you did not connect a device, ignore this mail: nothing is approved without you.</p></body></html>";
    return new ApprovalMail(subject, text.toString(), html);
  }
}
