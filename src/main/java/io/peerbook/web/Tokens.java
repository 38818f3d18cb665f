package io.peerbook.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Link tokens, session ids and CSRF tokens: 256 random bits from a CSPRNG. Link tokens and session ids are stored
 * only as their SHA-256; a session's CSRF token is kept in the session record, which is found by the session id.
 */
public final class Tokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {
  }

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The token of an {@code Authorization: Bearer <token>} header, or null. */
  public static String bearer(String authorization) {
    return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7).trim() : null;
  }

  /** Compares secrets in time that does not depend on where they differ. */
  public static boolean same(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(a).getBytes(StandardCharsets.US_ASCII), hash(b).getBytes(StandardCharsets.US_ASCII));
  }
}
