package io.peerbook.redis;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster's hash slots: CRC16 (XMODEM) of a key's hash tag, modulo 16384, and for every slot a short tag that
 * lands in it. A node-wide record kept per slot under such a tag shares its slot with the user keys it is about, so
 * one script can write both; a survivor visits the 16384 slots to find a dead node's records.
 * The tag of slot {@code s} is the smallest non-negative integer, in decimal, whose CRC16 falls in {@code s}: key names
 * stored in Redis depend on it, so it must never change.
 */
public final class HashSlots {
  public static final int SLOTS = 16384;
  private static final int[] TABLE = new int[256];
  private static final String[] TAGS = new String[SLOTS];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      TABLE[i] = crc & 0xffff;
    }
    int found = 0;
    for (int i = 0; found < SLOTS; i++) {
      String tag = Integer.toString(i);
      int slot = slot(tag);
      if (TAGS[slot] == null) {
        TAGS[slot] = tag;
        found++;
      }
    }
  }

  private HashSlots() {
  }

  /** The slot of a key whose hash tag (the text between its first braces) is {@code tag}. */
  public static int slot(String tag) {
    int crc = 0;
    for (byte b : tag.getBytes(StandardCharsets.UTF_8)) {
      crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ b) & 0xff]) & 0xffff;
    }
    return crc & (SLOTS - 1);
  }

  /** A hash tag of slot {@code slot}. */
  public static String tag(int slot) {
    return TAGS[slot];
  }
}
