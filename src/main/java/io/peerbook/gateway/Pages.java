package io.peerbook.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.peerbook.protocol.Html.escape;

/** The HTML of the approval page: server-rendered, no script, one small stylesheet. */
final class Pages {
  private Pages() {
  }

  static String landing(String email, int waiting, String token, String continueCsrf) {
    String what = waiting == 0 ? "No device is waiting right now; you can still review your devices."
        : waiting == 1 ? "1 device is waiting for your approval." : waiting + " devices are waiting for your approval.";
    return layout("Review your devices",
        "<p>This page is for <strong>" + escape(email) + "</strong>.</p><p>" + what + "</p>"
            + "<p>Nothing changes until you continue. The link works once.</p>"
            + "<form method=\"post\" action=\"/approve/" + escape(token) + "\">"
            + hidden("continue_csrf", continueCsrf)
            + "<button type=\"submit\">Continue</button></form>");
  }

  static String message(String title, String text) {
    return layout(title, "<p>" + escape(text) + "</p>");
  }

  static String gone() {
    return message("This link no longer works",
        "The link has expired or was already used. Connect the device again to get a new mail with a fresh link.");
  }

  static String manage(String email, JsonObject book, String csrf, String notice, boolean error) {
    StringBuilder body = new StringBuilder();
    body.append("<p>Devices of <strong>").append(escape(email)).append("</strong></p>");
    if (notice != null) {
      body.append("<p role=\"").append(error ? "alert" : "status").append("\" class=\"")
          .append(error ? "error" : "notice").append("\">").append(escape(notice)).append("</p>");
    }
    JsonArray pending = book.getJsonArray("pending");
    body.append("<section aria-labelledby=\"pending-h\"><h2 id=\"pending-h\">Waiting for approval</h2>");
    if (pending.isEmpty()) {
      body.append("<p>No device is waiting.</p>");
    } else {
      body.append("<table><thead><tr><th>Name</th><th>Kind</th><th>Fingerprint</th><th>Asked at</th><th>From</th>")
          .append("<th>Decision</th></tr></thead><tbody>");
      for (Object o : pending) {
        JsonObject p = (JsonObject) o;
        body.append("<tr><td>").append(escape(p.getString("name"))).append("</td><td>")
            .append(escape(orDash(p.getString("kind")))).append("</td><td><code>")
            .append(escape(p.getString("fingerprint"))).append("</code>");
        if (p.getString("replaces") != null) {
          body.append("<br><small>replaces <code>").append(escape(p.getString("replaces"))).append("</code></small>");
        }
        body.append("</td><td>").append(escape(p.getString("requested_at"))).append("</td><td>")
            .append(escape(orDash(p.getString("address")))).append("</td><td>")
            .append(action("approve", csrf, p, "Approve")).append(action("reject", csrf, p, "Reject"))
            .append("</td></tr>");
      }
      body.append("</tbody></table>");
    }
    body.append("</section>");
    JsonArray approved = book.getJsonArray("approved");
    body.append("<section aria-labelledby=\"approved-h\"><h2 id=\"approved-h\">Approved devices</h2>");
    if (approved.isEmpty()) {
      body.append("<p>No approved device yet.</p>");
    } else {
      body.append("<table><thead><tr><th>Name</th><th>Kind</th><th>Fingerprint</th><th>Registered</th>")
          .append("<th>Last connection</th><th>Online</th><th>Manage</th></tr></thead><tbody>");
      for (Object o : approved) {
        JsonObject p = (JsonObject) o;
        String name = p.getString("name");
        body.append("<tr><td>").append(escape(name)).append("</td><td>").append(escape(orDash(p.getString("kind"))))
            .append("</td><td><code>").append(escape(p.getString("fingerprint"))).append("</code></td><td>")
            .append(escape(p.getString("registration_date"))).append("</td><td>")
            .append(escape(orDash(p.getString("last_connection")))).append("</td><td>")
            .append(p.getBoolean("online", false) ? "online" : "offline").append("</td><td>")
            .append(action("remove", csrf, new JsonObject().put("name", name), "Remove"))
            .append("<form method=\"post\" action=\"/manage/rename\">").append(hidden("csrf", csrf))
            .append(hidden("name", name))
            .append("<input type=\"text\" name=\"new_name\" required maxlength=\"64\" aria-label=\"New name for ")
            .append(escape(name)).append("\" value=\"").append(escape(name)).append("\">")
            .append("<button type=\"submit\">Rename</button></form></td></tr>");
      }
      body.append("</tbody></table>");
    }
    body.append("</section>");
    return layout("Your devices", body.toString());
  }

  private static String action(String action, String csrf, JsonObject peer, String label) {
    StringBuilder f = new StringBuilder("<form method=\"post\" action=\"/manage/").append(action).append("\">")
        .append(hidden("csrf", csrf)).append(hidden("name", peer.getString("name")));
    if (peer.getString("fingerprint") != null) {
      f.append(hidden("fingerprint", peer.getString("fingerprint")));
    }
    return f.append("<button type=\"submit\">").append(label).append("</button></form>").toString();
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + escape(value) + "\">";
  }

  private static String orDash(String s) {
    return s == null ? "—" : s;
  }

  private static String layout(String title, String body) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>" + escape(title) + " · peerbook</title><link rel=\"stylesheet\" href=\"/static/page.css\"></head>"
        + "<body><main><h1>" + escape(title) + "</h1>" + body + "</main></body></html>";
  }
}
