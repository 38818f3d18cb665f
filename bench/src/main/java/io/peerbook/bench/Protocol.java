package io.peerbook.bench;

import io.vertx.core.buffer.Buffer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * How one kind of server is spoken to: where a peer connects, what says it is ready, and what an offer and an answer
 * look like. Every payload carries the offer's send time as {@code "t":<nanos>}, which the answer echoes: that is the
 * round trip, with no per-message state on the generator's side.
 */
abstract class Protocol {
  /** Padding in each offer and answer, standing in for an SDP (set from --payload). */
  final String sdp;

  Protocol(int payloadBytes) {
    this.sdp = "x".repeat(Math.max(0, payloadBytes));
  }

  abstract String name();

  abstract String uri(Peer p);

  /** The first message that tells a connection it may signal. */
  abstract boolean ready(Buffer first);

  abstract String offer(Peer from, Peer to, long t);

  abstract String answer(Peer from, Peer to, long t);

  /** An error reply from the server (counted, and the window refilled). */
  boolean isError(Buffer msg) {
    return indexOf(msg, CODE) >= 0;
  }

  static final byte[] T = "\"t\":".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CODE = "\"code\":".getBytes(StandardCharsets.US_ASCII);

  /** The {@code "t"} of a relayed offer or answer, or -1 when the message carries none. Scans bytes: no JSON parse. */
  static long timestamp(Buffer msg) {
    int i = indexOf(msg, T);
    if (i < 0) {
      return -1;
    }
    long v = 0;
    int n = msg.length();
    for (int j = i + T.length; j < n; j++) {
      byte b = msg.getByte(j);
      if (b < '0' || b > '9') {
        break;
      }
      v = v * 10 + (b - '0');
    }
    return v;
  }

  static int indexOf(Buffer msg, byte[] pattern) {
    int n = msg.length() - pattern.length;
    outer:
    for (int i = 0; i <= n; i++) {
      for (int k = 0; k < pattern.length; k++) {
        if (msg.getByte(i + k) != pattern[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static boolean contains(Buffer msg, String s) {
    return indexOf(msg, s.getBytes(StandardCharsets.US_ASCII)) >= 0;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** peerbook: approved peers of one user; offers by name, answers naming the initiator's fingerprint. */
  static final class Peerbook extends Protocol {
    Peerbook(int payload) {
      super(payload);
    }

    @Override
    String name() {
      return "peerbook";
    }

    @Override
    String uri(Peer p) {
      return "/ws?email=" + enc(p.email()) + "&name=" + enc(p.name()) + "&fingerprint=" + enc(p.fingerprint());
    }

    @Override
    boolean ready(Buffer first) {
      return contains(first, "\"code\":200");
    }

    @Override
    String offer(Peer from, Peer to, long t) {
      return "{\"target\":\"" + to.name() + "\",\"offer\":{\"t\":" + t + ",\"sdp\":\"" + sdp + "\"}}";
    }

    @Override
    String answer(Peer from, Peer to, long t) {
      return "{\"target\":\"" + to.name() + "\",\"fingerprint\":\"" + to.fingerprint() + "\",\"answer\":{\"t\":" + t
          + ",\"sdp\":\"" + sdp + "\"}}";
    }
  }

  /** The PeerJS server's websocket protocol (package {@code peer}): OFFER/ANSWER with dst, the server adds src. */
  static final class PeerJs extends Protocol {
    PeerJs(int payload) {
      super(payload);
    }

    @Override
    String name() {
      return "peerjs";
    }

    @Override
    String uri(Peer p) {
      return "/peerjs?key=peerjs&id=" + enc(p.name()) + "&token=" + enc(p.fingerprint().substring(0, 8));
    }

    @Override
    boolean ready(Buffer first) {
      return contains(first, "\"OPEN\"");
    }

    @Override
    boolean isError(Buffer msg) {
      return contains(msg, "\"ERROR\"") || contains(msg, "\"LEAVE\"") || contains(msg, "\"EXPIRE\"");
    }

    @Override
    String offer(Peer from, Peer to, long t) {
      return "{\"type\":\"OFFER\",\"dst\":\"" + to.name() + "\",\"payload\":{\"t\":" + t + ",\"sdp\":\"" + sdp + "\"}}";
    }

    @Override
    String answer(Peer from, Peer to, long t) {
      return "{\"type\":\"ANSWER\",\"dst\":\"" + to.name() + "\",\"payload\":{\"t\":" + t + ",\"sdp\":\"" + sdp + "\"}}";
    }
  }

  /** The bare relay of this module: {"to":…} forwarded with "from" added, no auth, no storage. */
  static final class Bare extends Protocol {
    Bare(int payload) {
      super(payload);
    }

    @Override
    String name() {
      return "bare";
    }

    @Override
    String uri(Peer p) {
      return "/ws?id=" + enc(p.name());
    }

    @Override
    boolean ready(Buffer first) {
      return contains(first, "\"ready\"");
    }

    @Override
    String offer(Peer from, Peer to, long t) {
      return "{\"to\":\"" + to.name() + "\",\"offer\":{\"t\":" + t + ",\"sdp\":\"" + sdp + "\"}}";
    }

    @Override
    String answer(Peer from, Peer to, long t) {
      return "{\"to\":\"" + to.name() + "\",\"answer\":{\"t\":" + t + ",\"sdp\":\"" + sdp + "\"}}";
    }
  }
}
