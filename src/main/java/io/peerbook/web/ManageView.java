package io.peerbook.web;

import io.peerbook.protocol.Identity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.peerbook.web.Pages.fingerprint;
import static io.peerbook.web.Pages.hidden;
import static io.peerbook.web.Pages.time;
import static io.peerbook.web.Html.escape;

/**
 * The management view: what waits for a decision first, then the approved devices, each as a card with its
 * facts and its buttons; and the confirmation page before a Remove. Buttons carry exactly the contract's words
 * (Approve, Reject, Remove, Rename): the card's heading says which device they act on.
 */
final class ManageView {
  /** A message shown once after a change: a notice ({@code role=status}) or an error ({@code role=alert}). */
  record Flash(String text, boolean error) {
  }

  private ManageView() {
  }

  static String page(String email, JsonObject book, String csrf, Flash flash, int sessionTtl) {
    StringBuilder body = new StringBuilder()
        .append("<p class=\"who\">Signed in as <strong>").append(escape(email)).append("</strong> for ")
        .append(Pages.duration(sessionTtl)).append(" after Continue.</p>");
    if (flash != null) {
      body.append("<p id=\"flash\" tabindex=\"-1\" role=\"").append(flash.error() ? "alert" : "status")
          .append("\" class=\"flash ").append(flash.error() ? "error" : "notice").append("\">")
          .append(escape(flash.text())).append("</p>");
    }
    // Filled by page.js: whether the lists update by themselves, and a spoken line for each change.
    body.append("<p id=\"live-state\" class=\"live-state\" hidden></p>")
        .append("<p id=\"announce\" class=\"vh\" role=\"status\"></p>");
    pending(body, book.getJsonArray("pending"), csrf);
    approved(body, book.getJsonArray("approved"), csrf);
    return Pages.layout("Your devices", body.toString(), true);
  }

  private static void pending(StringBuilder body, JsonArray pending, String csrf) {
    body.append("<section id=\"pending\" aria-labelledby=\"pending-h\"><h2 id=\"pending-h\">Waiting for approval")
        .append(count(pending)).append("</h2>");
    if (pending.isEmpty()) {
      body.append("<p class=\"empty\">No device is waiting. When a device you have not approved connects, it appears "
          + "here, and this page shows it without a reload.</p></section>");
      return;
    }
    body.append("<p class=\"hint\">Approve only a device you have just connected yourself, after checking that the "
        + "fingerprint matches the one the device shows.</p><ul class=\"cards\" role=\"list\">");
    int i = 0;
    for (Object o : pending) {
      JsonObject p = (JsonObject) o;
      String name = p.getString("name");
      String replaces = p.getString("replaces");
      body.append("<li class=\"card").append(replaces != null ? " changed" : "").append("\" data-key=\"p:")
          .append(escape(Identity.nameKey(name) + "/" + p.getString("fingerprint"))).append("\">")
          .append("<div class=\"card-head\"><h3 id=\"p").append(i).append("\" class=\"name\">").append(escape(name))
          .append("</h3>").append(replaces != null ? "<span class=\"tag warn\">New fingerprint</span>" : "")
          .append("</div>");
      if (replaces != null) {
        body.append("<p class=\"warning\">").append(escape(name)).append(" is approved with another fingerprint. "
            + "Approving this request replaces it, and the device still using the old one is disconnected.</p>");
      }
      body.append("<dl class=\"facts\">").append(fact("Kind", escape(orDash(p.getString("kind")))))
          .append(fact("Fingerprint", fingerprint(p.getString("fingerprint"))));
      if (replaces != null) {
        body.append(fact("Replaces", fingerprint(replaces)));
      }
      body.append(fact("Asked", time(p.getString("requested_at"))))
          .append(fact("From", escape(orDash(emptyToNull(p.getString("address"))))))
          .append("</dl><div class=\"actions\">")
          .append(post("approve", csrf, p, "primary", "Approve", "p" + i))
          .append(post("reject", csrf, p, "quiet", "Reject", "p" + i))
          .append("</div></li>");
      i++;
    }
    body.append("</ul></section>");
  }

  private static void approved(StringBuilder body, JsonArray approved, String csrf) {
    body.append("<section id=\"approved\" aria-labelledby=\"approved-h\"><h2 id=\"approved-h\">Approved devices")
        .append(count(approved)).append("</h2>");
    if (approved.isEmpty()) {
      body.append("<p class=\"empty\">No approved device yet. A device you approve is listed here.</p></section>");
      return;
    }
    body.append("<ul class=\"cards\" role=\"list\">");
    int i = 0;
    for (Object o : approved) {
      JsonObject p = (JsonObject) o;
      String name = p.getString("name");
      body.append("<li class=\"card\" data-key=\"a:").append(escape(Identity.nameKey(name))).append("\">")
          .append("<div class=\"card-head\"><h3 id=\"a").append(i).append("\" class=\"name\">").append(escape(name))
          .append("</h3>").append(state(p.getBoolean("online", false))).append("</div>")
          .append("<dl class=\"facts\">").append(fact("Kind", escape(orDash(p.getString("kind")))))
          .append(fact("Fingerprint", fingerprint(p.getString("fingerprint"))))
          .append(fact("Registered", time(p.getString("registration_date"))))
          .append(fact("Last connection", time(p.getString("last_connection"))))
          .append("</dl><div class=\"actions\">")
          .append("<form method=\"post\" action=\"/manage/rename\" class=\"rename\">").append(hidden("csrf", csrf))
          .append(hidden("name", name))
          .append("<label for=\"rename-").append(i).append("\">New name<span class=\"vh\"> for ").append(escape(name))
          .append("</span></label><input id=\"rename-").append(i)
          .append("\" type=\"text\" name=\"new_name\" required maxlength=\"64\" autocomplete=\"off\" value=\"")
          .append(escape(name)).append("\"><button type=\"submit\"").append(describedBy("a" + i)).append(">Rename</button></form>")
          // Remove first shows what goes and asks again; that page holds the POST.
          .append("<form method=\"get\" action=\"/manage/confirm-remove\">").append(hidden("name", name))
          .append("<button type=\"submit\" class=\"danger\"").append(describedBy("a" + i)).append(">Remove</button></form>")
          .append("</div></li>");
      i++;
    }
    body.append("</ul></section>");
  }

  /** The step before a Remove: what goes, what happens to it, and the Remove that does it. */
  static String confirmRemove(JsonObject peer, String csrf) {
    String name = peer.getString("name");
    boolean online = peer.getBoolean("online", false);
    return Pages.layout("Remove " + name + "?", "<div class=\"card\"><dl class=\"facts\">"
        + fact("Now", state(online)) + fact("Kind", escape(orDash(peer.getString("kind"))))
        + fact("Fingerprint", fingerprint(peer.getString("fingerprint")))
        + fact("Last connection", time(peer.getString("last_connection"))) + "</dl></div>"
        + "<p>" + escape(name) + " will no longer be one of your devices"
        + (online ? "; it is online now and is disconnected at once" : "")
        + ". To come back, it has to connect again and wait for your approval.</p>"
        + "<div class=\"actions\"><form method=\"post\" action=\"/manage/remove\">" + hidden("csrf", csrf)
        + hidden("name", name) + "<button type=\"submit\" class=\"danger\">Remove</button></form>"
        + "<a class=\"button quiet\" href=\"/manage\">Cancel</a></div>", false);
  }

  private static String post(String action, String csrf, JsonObject request, String style, String label, String headingId) {
    return "<form method=\"post\" action=\"/manage/" + action + "\">" + hidden("csrf", csrf)
        + hidden("name", request.getString("name")) + hidden("fingerprint", request.getString("fingerprint"))
        + "<button type=\"submit\" class=\"" + style + "\"" + describedBy(headingId) + ">" + label + "</button></form>";
  }

  /** The button's name stays the bare verb; a screen reader adds the device it acts on as its description. */
  private static String describedBy(String headingId) {
    return " aria-describedby=\"" + headingId + "\"";
  }

  private static String state(boolean online) {
    return online ? "<span class=\"state on\">Online now</span>" : "<span class=\"state off\">Offline</span>";
  }

  private static String fact(String term, String html) {
    return "<div><dt>" + term + "</dt><dd>" + html + "</dd></div>";
  }

  private static String count(JsonArray list) {
    return list.isEmpty() ? "" : " <span class=\"count\">" + list.size() + "</span>";
  }

  private static String orDash(String s) {
    return s == null ? "—" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
