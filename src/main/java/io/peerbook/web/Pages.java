package io.peerbook.web;

import io.peerbook.protocol.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.peerbook.web.Html.escape;

/**
 * The frame of every page behind the link (one stylesheet, at most one script file, never inline script) and the
 * small pages: the landing page of a link, the page of a spent or expired link, and one-message pages.
 */
final class Pages {
  private Pages() {
  }

  static String landing(String email, JsonArray pending, String token, String continueCsrf, int sessionTtl) {
    StringBuilder body = new StringBuilder()
        .append("<p>This page is for <strong>").append(escape(email)).append("</strong>.</p>");
    if (pending.isEmpty()) {
      body.append("<p>No device is waiting right now. You can still review your devices.</p>");
    } else {
      body.append("<p>").append(pending.size() == 1 ? "One device asks" : pending.size() + " devices ask")
          .append(" to join your devices:</p><ul class=\"waiting\">");
      for (Object o : pending) {
        JsonObject p = (JsonObject) o;
        body.append("<li><strong>").append(escape(p.getString("name"))).append("</strong>");
        if (p.getString("kind") != null) {
          body.append(" <span class=\"muted\">(").append(escape(p.getString("kind"))).append(")</span>");
        }
        body.append("</li>");
      }
      body.append("</ul>");
    }
    return layout("Review your devices", body
        .append("<p>Nothing changes until you continue and decide. This link works once; after Continue you have ")
        .append(duration(sessionTtl)).append(".</p>")
        .append("<form method=\"post\" action=\"/approve/").append(escape(token)).append("\">")
        .append(hidden("continue_csrf", continueCsrf))
        .append("<button type=\"submit\" class=\"primary\">Continue</button></form>")
        .append("<p class=\"muted\">Did not connect a new device? Close this page: nothing is approved without you.</p>")
        .toString(), false);
  }

  static String message(String title, String text) {
    return layout(title, "<p>" + escape(text) + "</p>", false);
  }

  /** A message about the management page, with the way back to it. */
  static String messageWithBack(String title, String text) {
    return layout(title, "<p>" + escape(text) + "</p><p><a href=\"/manage\">Back to your devices</a></p>", false);
  }

  static String gone() {
    return layout("This link no longer works",
        "<p>The link has expired or was already used: each link works once, for a short time.</p>"
            + "<p><strong>To get a new link, connect the device again.</strong> peerbook then mails you a fresh one.</p>",
        false);
  }

  static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + escape(value) + "\">";
  }

  /** A timestamp readable at a glance, in UTC; the page's script shows it in the reader's own time zone. */
  static String time(String iso) {
    if (iso == null) {
      return "never";
    }
    return "<time datetime=\"" + escape(iso) + "\">" + escape(Timestamps.readable(iso)) + "</time>";
  }

  /**
   * A fingerprint exactly as a device compares it ({@code AB:CD:…}); the stylesheet sets it in lines of eight
   * pairs, so a person can compare it group by group with what the device shows.
   */
  static String fingerprint(String fp) {
    return "<code class=\"fp\">" + escape(fp) + "</code>";
  }

  static String duration(int seconds) {
    if (seconds % 60 != 0) {
      return seconds + " seconds";
    }
    int minutes = seconds / 60;
    return minutes == 1 ? "1 minute" : minutes + " minutes";
  }

  /** The frame; {@code live} adds the script that keeps the management view up to date. */
  static String layout(String title, String body, boolean live) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>" + escape(title) + " · peerbook</title><link rel=\"stylesheet\" href=\"/static/page.css\">"
        + (live ? "<script src=\"/static/page.js\" defer></script>" : "")
        + "</head><body><header class=\"bar\"><span class=\"brand\">peerbook</span></header>"
        + "<main><h1>" + escape(title) + "</h1>" + body + "</main></body></html>";
  }
}
