package io.peerbook.fuzz;

import io.vertx.core.buffer.Buffer;

/**
 * WebSocket frames as bytes, well-formed or not: any opcode (reserved ones too), RSV bits, FIN, masked or not,
 * a declared length that lies, control frames too long, text that is not UTF-8, continuations without a start.
 */
final class RawFrames {
  private RawFrames() {
  }

  static Buffer random(Mutator m) {
    int opcode = m.chance(0.6) ? 0x1 : m.nextInt(16);
    boolean fin = !m.chance(0.15);
    int rsv = m.chance(0.1) ? m.nextInt(8) : 0;
    boolean masked = !m.chance(0.1);
    byte[] payload = switch (m.nextInt(4)) {
      case 0 -> m.bytes(m.nextInt(m.chance(0.05) ? 70_000 : 200));
      case 1 -> Mutator.utf8(m.mutate("{\"command\":\"ping\",\"id\":1}"));
      case 2 -> new byte[] {(byte) m.nextInt(256), (byte) m.nextInt(256)};
      default -> Mutator.utf8(m.randomJson(3));
    };
    int declared = m.chance(0.05) ? m.nextInt(1 << 16) : payload.length;
    return frame(fin, rsv, opcode, masked, payload, declared, m);
  }

  static Buffer frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload, int declared, Mutator m) {
    Buffer b = Buffer.buffer();
    b.appendByte((byte) ((fin ? 0x80 : 0) | rsv << 4 | opcode));
    int maskBit = masked ? 0x80 : 0;
    if (declared < 126) {
      b.appendByte((byte) (maskBit | declared));
    } else if (declared < 65536) {
      b.appendByte((byte) (maskBit | 126)).appendShort((short) declared);
    } else {
      b.appendByte((byte) (maskBit | 127)).appendLong(declared);
    }
    byte[] body = payload.clone();
    if (masked) {
      byte[] key = m.bytes(4);
      b.appendBytes(key);
      for (int i = 0; i < body.length; i++) {
        body[i] ^= key[i % 4];
      }
    }
    return b.appendBytes(body);
  }
}
