package io.peerbook.support;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading server frames (never masked) off a raw socket, for tests that play a peer that misbehaves. */
public final class Frames {
  public static final int TEXT = 0x1;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;

  private Frames() {
  }

  /** One frame: its opcode and payload. */
  public record Frame(int opcode, byte[] payload) {
    /** The status code of a close frame, or -1. */
    public int closeCode() {
      return opcode == CLOSE && payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : -1;
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  public static Frame read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int b0 = data.readUnsignedByte();
    int b1 = data.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = data.readUnsignedShort();
    } else if (length == 127) {
      length = data.readLong();
    }
    byte[] payload = new byte[(int) length];
    data.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  /** The next text frame, skipping pings. */
  public static String readText(InputStream in) throws IOException {
    while (true) {
      Frame f = read(in);
      if (f.opcode() == TEXT) {
        return f.text();
      }
      if (f.opcode() == CLOSE) {
        throw new IOException("closed with " + f.closeCode() + " before a text frame");
      }
    }
  }

  /**
   * Reads frames until the close frame, and returns its code; what came before is dropped. Pings keep a socket busy,
   * so a read timeout alone would never end the wait: it ends at the deadline.
   */
  public static int readUntilClose(InputStream in, long seconds) throws IOException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Frame f = read(in);
      if (f.opcode() == CLOSE) {
        return f.closeCode();
      }
    }
    throw new AssertionError("no close frame within " + seconds + " s");
  }
}
