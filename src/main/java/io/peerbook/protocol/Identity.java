package io.peerbook.protocol;

import java.util.Locale;
import java.util.regex.Pattern;

/** Validation and canonical forms of the user's email, the peer's name, fingerprint and kind. */
public final class Identity {
  public static final int MAX_EMAIL = 254;
  public static final int MAX_NAME = 64;
  public static final int MAX_KIND = 32;
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
  private static final Pattern ALGORITHM = Pattern.compile("[A-Za-z0-9-]{1,16}");

  private Identity() {
  }

  /** Lower-case, trimmed email; throws 400 when it is not one. */
  public static String email(String raw) {
    if (raw == null || raw.isBlank()) {
      throw ProtocolException.badRequest("email is required");
    }
    String email = raw.trim().toLowerCase(Locale.ROOT);
    int at = email.indexOf('@');
    if (email.length() > MAX_EMAIL || at <= 0 || at != email.lastIndexOf('@')) {
      throw ProtocolException.badRequest("email is not a valid address");
    }
    String domain = email.substring(at + 1);
    int dot = domain.indexOf('.');
    if (dot <= 0 || domain.endsWith(".") || hasSpaceOrControl(email)) {
      throw ProtocolException.badRequest("email is not a valid address");
    }
    return email;
  }

  /** The name as given, checked: 1–64 characters, no control characters. */
  public static String name(String raw, String field) {
    if (raw == null || raw.isEmpty()) {
      throw ProtocolException.badRequest(field + " is required");
    }
    if (raw.codePointCount(0, raw.length()) > MAX_NAME || raw.chars().anyMatch(Character::isISOControl)) {
      throw ProtocolException.badRequest(field + " must be 1-64 characters without control characters");
    }
    return raw;
  }

  /** Names are unique per user compared case-insensitively: this is the key they are stored under. */
  public static String nameKey(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /**
   * Accepts {@code sha-256 AB:CD:…}, {@code AB:CD:…} and bare hex (40–128 hex digits, an even number) and returns
   * upper-case pairs joined by colons, the form of an SDP {@code a=fingerprint} without its algorithm word.
   */
  public static String fingerprint(String raw) {
    if (raw == null || raw.isBlank()) {
      throw ProtocolException.badRequest("fingerprint is required");
    }
    String value = raw.trim();
    int space = value.indexOf(' ');
    if (space >= 0) {
      if (!ALGORITHM.matcher(value.substring(0, space)).matches()) {
        throw ProtocolException.badRequest("fingerprint has an invalid algorithm word");
      }
      value = value.substring(space + 1).trim();
    }
    String hex = value.replace(":", "");
    if (hex.length() < 40 || hex.length() > 128 || hex.length() % 2 != 0 || !HEX.matcher(hex).matches()) {
      throw ProtocolException.badRequest("fingerprint must be 40-128 hex digits, an even number");
    }
    StringBuilder out = new StringBuilder(hex.length() * 3 / 2);
    for (int i = 0; i < hex.length(); i += 2) {
      if (i > 0) {
        out.append(':');
      }
      out.append(Character.toUpperCase(hex.charAt(i))).append(Character.toUpperCase(hex.charAt(i + 1)));
    }
    return out.toString();
  }

  /** Whether a fingerprint a peer wrote, in any accepted form, is this canonical one; a malformed one is not. */
  public static boolean sameFingerprint(String claimed, String canonical) {
    if (claimed.equals(canonical)) {
      return true; // the usual case, an answer naming the fingerprint peerbook delivered: no parsing per message
    }
    try {
      return fingerprint(claimed).equals(canonical);
    } catch (ProtocolException e) {
      return false;
    }
  }

  /** Optional label: null or empty gives null; at most 32 characters, no control characters. */
  public static String kind(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    if (raw.codePointCount(0, raw.length()) > MAX_KIND || raw.chars().anyMatch(Character::isISOControl)) {
      throw ProtocolException.badRequest("kind must be at most 32 characters without control characters");
    }
    return raw;
  }

  private static boolean hasSpaceOrControl(String s) {
    return s.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }
}
