package io.peerbook.bench;

import java.security.SecureRandom;
import java.util.HexFormat;

/** One end of a pair: the user it belongs to (peerbook only), its name or id, its fingerprint, the port it uses. */
record Peer(String email, String name, String fingerprint, int port) {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A made-up SHA-256 certificate fingerprint in the form peerbook returns ({@code AB:CD:…}). */
  static String randomFingerprint() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(b);
  }
}
