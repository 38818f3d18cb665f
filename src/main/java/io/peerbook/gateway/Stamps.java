package io.peerbook.gateway;

import io.vertx.core.json.JsonObject;

/**
 * The start of each kind of signaling message one peer sends, encoded once: {@code {"source":…,"fingerprint":…,
 * "<type>":}. A stamped message is this, the sender's payload text as it came, and a closing brace: the same text as
 * encoding {@code {source, fingerprint, <type>: payload}}, with the payload never parsed into objects.
 */
final class Stamps {
  private final String offer;
  private final String answer;
  private final String candidate;

  Stamps(String name, String fingerprint) {
    String identity = new JsonObject().put("source", name).put("fingerprint", fingerprint).encode();
    String head = identity.substring(0, identity.length() - 1) + ",\"";
    this.offer = head + "offer\":";
    this.answer = head + "answer\":";
    this.candidate = head + "candidate\":";
  }

  String of(String type) {
    return switch (type) {
      case "offer" -> offer;
      case "answer" -> answer;
      default -> candidate;
    };
  }
}
