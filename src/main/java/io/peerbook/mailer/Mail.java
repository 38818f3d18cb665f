package io.peerbook.mailer;

import io.peerbook.web.Templates;

/**
 * A mail as it is sent: its subject, text part and HTML part, and what it is ("approval", "sign-in"), which names it
 * in the log. The link is the text part's line that starts with the public URL. The parts are rendered from the
 * templates in src/main/jte/mail (Html) and src/main/jte/mail-text (plain text).
 */
record Mail(String what, String subject, String text, String html) {
  static final Templates HTML = Templates.html(Mail.class);
  static final Templates TEXT = Templates.plain(Mail.class);

  /** How long a link works, in words. */
  static String lifetime(int seconds) {
    return seconds == 60 ? "1 minute" : seconds % 60 == 0 ? (seconds / 60) + " minutes" : seconds + " seconds";
  }
}
