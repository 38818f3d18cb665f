package io.peerbook.support;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random certificate fingerprints in the canonical form peerbook returns ({@code AB:CD:…}, SHA-256 length). */
public final class Fingerprints {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Fingerprints() {
  }

  public static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(b);
  }
}
