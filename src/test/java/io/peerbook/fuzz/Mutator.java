package io.peerbook.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seeded source of every fuzz input: random JSON-like text, and well-formed samples mutated by flipping,
 * deleting, duplicating and inserting characters and tokens a parser or a validator may choke on. One seed, one
 * sequence: a failure is reproduced by running again with the seed the test printed.
 */
final class Mutator {
  private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "false", "0",
      "-0", "1e999", "-1e-999", "9223372036854775808", "NaN", "\\u0000", "\\ud800", "\\udfff", "\u0000", "\u202e",
      "\ud83d\ude00", "\r\n", "%00", "%", "&", "=", "+", "#", "?", "/", "..", "'", "<script>", "\"command\"",
      "\"target\"", "\"offer\"", "\"answer\"", "\"candidate\"", "\"fingerprint\"", "\"id\"", "\"properties\"",
      "\"filter\"", "\"kind\"", "\"name\"", "\"__proto__\""};
  private static final String[] KEYS = {"command", "target", "offer", "answer", "candidate", "fingerprint", "id",
      "properties", "filter", "kind", "name", "email", "new_name", "csrf", "online", "event", "x", ""};
  private static final String[] COMMANDS = {"get_list", "set_properties", "ping", "ice_servers", "GET_LIST", "",
      "unknown", "ping ", "set_properties\u0000"};
  private final SplittableRandom r;

  Mutator(long seed) {
    this.r = new SplittableRandom(seed);
  }

  int nextInt(int bound) {
    return r.nextInt(bound);
  }

  boolean chance(double p) {
    return r.nextDouble() < p;
  }

  <T> T pick(List<T> items) {
    return items.get(r.nextInt(items.size()));
  }

  String pick(String[] items) {
    return items[r.nextInt(items.length)];
  }

  byte[] bytes(int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** A sample as is, mutated one to five times, or random JSON-like text. */
  String mutate(String sample) {
    if (chance(0.1)) {
      return sample;
    }
    StringBuilder s = new StringBuilder(sample);
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      mutateOnce(s);
    }
    return s.toString();
  }

  private void mutateOnce(StringBuilder s) {
    int at = s.length() == 0 ? 0 : r.nextInt(s.length() + 1);
    switch (r.nextInt(7)) {
      case 0 -> {
        if (at < s.length()) {
          s.setCharAt(at, randomChar());
        }
      }
      case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(8)));
      case 2 -> s.insert(at, pick(TOKENS));
      case 3 -> {
        int end = Math.min(s.length(), at + 1 + r.nextInt(16));
        s.insert(at, s.substring(at, end));
      }
      case 4 -> s.setLength(at);
      case 5 -> s.insert(at, String.valueOf(randomChar()).repeat(1 + r.nextInt(r.nextInt(4) == 0 ? 2000 : 8)));
      default -> s.insert(at, randomJson(2));
    }
  }

  char randomChar() {
    return switch (r.nextInt(4)) {
      case 0 -> (char) r.nextInt(32);
      case 1 -> (char) (32 + r.nextInt(95));
      case 2 -> (char) (0xd800 + r.nextInt(0x800));
      default -> (char) r.nextInt(0x10000);
    };
  }

  /** A random JSON value (mostly well-formed) using the protocol's keys, nested at most depth deep. */
  String randomJson(int depth) {
    int kind = r.nextInt(depth <= 0 ? 5 : 7);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> r.nextBoolean() ? "true" : "false";
      case 2 -> r.nextInt(3) == 0 ? pick(new String[] {"1e308", "-0.0", "12345678901234567890", "0.1"})
          : String.valueOf(r.nextInt());
      case 3 -> quote(randomString(r.nextInt(4) == 0 ? 300 : 12));
      case 4 -> quote(pick(COMMANDS));
      case 5 -> {
        StringBuilder a = new StringBuilder("[");
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.append(i > 0 ? "," : "").append(randomJson(depth - 1));
        }
        yield a.append(']').toString();
      }
      default -> {
        StringBuilder o = new StringBuilder("{");
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          o.append(i > 0 ? "," : "").append(quote(pick(KEYS))).append(':').append(randomJson(depth - 1));
        }
        yield o.append('}').toString();
      }
    };
  }

  /** A message shaped like the protocol's, with random values: most pass the parser and reach the handlers. */
  String message(List<String> targets) {
    StringBuilder o = new StringBuilder("{");
    switch (r.nextInt(6)) {
      case 0 -> o.append("\"command\":").append(quote(pick(COMMANDS)));
      case 1 -> o.append("\"command\":\"set_properties\",\"properties\":").append(randomJson(2));
      case 2 -> o.append("\"command\":\"get_list\",\"filter\":").append(randomJson(2));
      default -> o.append("\"target\":").append(chance(0.7) ? quote(pick(targets)) : randomJson(1)).append(',')
          .append(quote(pick(new String[] {"offer", "answer", "candidate"}))).append(':').append(randomJson(3))
          .append(chance(0.5) ? ",\"fingerprint\":" + randomJson(0) : "");
    }
    if (chance(0.5)) {
      o.append(",\"id\":").append(randomJson(1));
    }
    return o.append('}').toString();
  }

  String randomString(int max) {
    int n = r.nextInt(max + 1);
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append(r.nextInt(3) == 0 ? randomChar() : (char) ('a' + r.nextInt(26)));
    }
    return s.toString();
  }

  static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        q.append('\\').append(c);
      } else if (c < 32) {
        q.append(String.format("\\u%04x", (int) c));
      } else {
        q.append(c);
      }
    }
    return q.append('"').toString();
  }

  /** UTF-8 of a string that may hold lone surrogates (they become '?', as Java encodes them). */
  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
