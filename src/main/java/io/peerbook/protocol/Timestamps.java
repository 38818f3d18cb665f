package io.peerbook.protocol;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** The protocol's ISO-8601 timestamps as a person reads them in a mail or on the page. */
public final class Timestamps {
  private static final DateTimeFormatter READABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
      .withZone(ZoneOffset.UTC);

  private Timestamps() {
  }

  /** {@code 2025-06-01T08:31:02.417Z} as {@code 2025-06-01 08:31 UTC}; anything unparsable as it is. */
  public static String readable(String iso) {
    try {
      return READABLE.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }
}
