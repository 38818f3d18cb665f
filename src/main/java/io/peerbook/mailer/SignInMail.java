package io.peerbook.mailer;

/**
 * The mail the front door sends: a link to sign in and manage one's devices, of the same kind as an approval link
 * (src/main/jte/mail-text/sign-in-text.jte and src/main/jte/mail/sign-in.jte). It is not about a device asking.
 */
final class SignInMail {
  /** {@code lifetime} is how long the link works, in words. */
  record Content(String email, String link, String lifetime) {
  }

  private SignInMail() {
  }

  static Mail compose(String email, String link, int ttlSeconds) {
    Content content = new Content(email, link, Mail.lifetime(ttlSeconds));
    return new Mail("sign-in", "peerbook: your link to manage your devices",
        Mail.TEXT.render("sign-in-text.jte", content), Mail.HTML.render("sign-in.jte", content));
  }
}
