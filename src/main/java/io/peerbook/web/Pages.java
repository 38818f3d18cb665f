package io.peerbook.web;

import io.vertx.core.json.JsonArray;

import java.util.List;

/**
 * The small pages, rendered from the templates in src/main/jte/pages (each wraps itself in {@code layout.jte}: one
 * stylesheet, at most one script file, never inline script): the landing page of a link, the page of a spent or
 * expired link, and one-message pages.
 */
final class Pages {
  static final Templates TEMPLATES = Templates.html(Pages.class);

  /** The landing page of a mailed link; {@code session} is how long the session lasts, in words. */
  record Link(String email, List<Device> pending, String token, String continueCsrf, String session) {
  }

  /** A one-message page; {@code back} adds the way back to the management view. */
  record Message(String title, String text, boolean back) {
  }

  private Pages() {
  }

  static String landing(String email, JsonArray pending, String token, String continueCsrf, int sessionTtl) {
    return TEMPLATES.render("link.jte", new Link(email, Device.all(pending), token, continueCsrf, duration(sessionTtl)));
  }

  static String message(String title, String text) {
    return TEMPLATES.render("message.jte", new Message(title, text, false));
  }

  /** A message about the management page, with the way back to it. */
  static String messageWithBack(String title, String text) {
    return TEMPLATES.render("message.jte", new Message(title, text, true));
  }

  static String gone() {
    return TEMPLATES.render("gone.jte");
  }

  static String duration(int seconds) {
    if (seconds % 60 != 0) {
      return seconds + " seconds";
    }
    int minutes = seconds / 60;
    return minutes == 1 ? "1 minute" : minutes + " minutes";
  }
}
