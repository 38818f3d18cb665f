package io.peerbook.web;

import io.peerbook.protocol.Timestamps;
import io.vertx.core.json.JsonArray;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The small pages, rendered from the templates in src/main/jte/pages (each wraps itself in {@code layout.jte}: one
 * stylesheet, at most one script file, never inline script): the front door and its answers, the landing page of a
 * link, the page of a spent or expired link, and one-message pages.
 */
final class Pages {
  static final Templates TEMPLATES = Templates.html(Pages.class);
  static final Back TO_DEVICES = new Back("/manage", "Back to your devices");
  static final Back TO_START = new Back("/", "Back to the start page");

  /** A link under a message, back to where the reader came from. */
  record Back(String href, String label) {
  }

  /** The landing page of a mailed link; {@code session} is how long the session lasts, in words. */
  record Link(String email, List<Device> pending, String token, String continueCsrf, String session) {
  }

  /** A one-message page; {@code back} (or null) is the way back. */
  record Message(String title, String text, Back back) {
  }

  /** The front door: its form's token, and what was wrong with the last try (or null). */
  record FrontDoor(String csrf, String error) {
  }

  /** The answer to "Email me a link", the same for every address; {@code interval} is null when there is none. */
  record LinkAsked(String lifetime, String interval) {
  }

  /** The page of a link that no longer works; {@code interval} (or null) is the mail interval, in words. */
  record Gone(String interval) {
  }

  /** The answer over the per-address cap: when to try again, as a time and as a wait. */
  record TooMany(String at, String within) {
  }

  private Pages() {
  }

  static String landing(String email, JsonArray pending, String token, String continueCsrf, int sessionTtl) {
    return TEMPLATES.render("link.jte", new Link(email, Device.all(pending), token, continueCsrf, duration(sessionTtl)));
  }

  static String message(String title, String text) {
    return message(title, text, null);
  }

  static String message(String title, String text, Back back) {
    return TEMPLATES.render("message.jte", new Message(title, text, back));
  }

  static String gone(int mailInterval) {
    return TEMPLATES.render("gone.jte", new Gone(interval(mailInterval)));
  }

  static String frontDoor(String csrf, String error) {
    return TEMPLATES.render("front-door.jte", new FrontDoor(csrf, error));
  }

  static String linkAsked(int linkTtl, int mailInterval) {
    return TEMPLATES.render("link-asked.jte", new LinkAsked(duration(linkTtl), interval(mailInterval)));
  }

  /** The wait and the time are both rounded up to whole minutes: neither says "try again" too early. */
  static String tooMany(long waitSeconds, Instant now) {
    Instant end = now.plusSeconds(waitSeconds);
    Instant minute = end.truncatedTo(ChronoUnit.MINUTES);
    Instant at = minute.equals(end) ? minute : minute.plus(1, ChronoUnit.MINUTES);
    long minutes = (waitSeconds + 59) / 60;
    return TEMPLATES.render("too-many.jte",
        new TooMany(Timestamps.readable(at.toString()), minutes == 1 ? "1 minute" : minutes + " minutes"));
  }

  /** The mail interval in words, or null when there is none. */
  private static String interval(int mailInterval) {
    return mailInterval > 0 ? duration(mailInterval) : null;
  }

  static String duration(int seconds) {
    if (seconds % 60 != 0) {
      return seconds + " seconds";
    }
    int minutes = seconds / 60;
    return minutes == 1 ? "1 minute" : minutes + " minutes";
  }
}
