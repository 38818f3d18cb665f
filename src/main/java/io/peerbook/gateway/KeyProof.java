package io.peerbook.gateway;

import io.peerbook.protocol.Codes;
import io.peerbook.protocol.DeviceKey;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The proof that a connection holds the private half of the device key it sent: a challenge of 32 random bytes as
 * the first message, and one {@code prove} answer within {@link #TIMEOUT_MS} signing it. The challenge serves one
 * attempt and is never logged. A wrong or missing proof gets 401 and close 4401, and nothing is recorded.
 */
final class KeyProof {
  static final long TIMEOUT_MS = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Vertx vertx;
  private final PeerSession session;
  private final DeviceKey key;
  private String challenge;
  private long timer = -1;

  KeyProof(Vertx vertx, PeerSession session, DeviceKey key) {
    this.vertx = vertx;
    this.session = session;
    this.key = key;
  }

  /** Sends the challenge and starts the clock. */
  void start() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    session.send(new JsonObject().put("challenge", challenge));
    timer = vertx.setTimer(TIMEOUT_MS, t -> fail("no proof of the device key within 10 s"));
  }

  /** Checks the one answer the challenge gets; true when the signature proves the key. */
  boolean prove(Object signature) {
    vertx.cancelTimer(timer);
    String signed = challenge;
    challenge = null;
    if (signed != null && signature instanceof String s
        && key.verify(signed, session.email(), session.requestedName(), session.fingerprint(), s)) {
      return true;
    }
    fail("the device key was not proven: wrong signature");
    return false;
  }

  /** The socket closed before its proof: the clock stops. */
  void cancel() {
    vertx.cancelTimer(timer);
    challenge = null;
  }

  private void fail(String why) {
    challenge = null;
    session.send(Admission.status(Codes.UNAUTHORIZED, why));
    session.close(Codes.CLOSE_REVOKED, "device key not proven");
  }
}
