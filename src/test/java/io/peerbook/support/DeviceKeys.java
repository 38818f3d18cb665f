package io.peerbook.support;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A device key made with java.security, as a native peer keeps one: its SPKI, its key id, and proofs it signs. */
public final class DeviceKeys {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private final KeyPair pair;

  private DeviceKeys(KeyPair pair) {
    this.pair = pair;
  }

  public static DeviceKeys generate() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return new DeviceKeys(gen.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code key} parameter: base64url SPKI DER. */
  public String spki() {
    return B64.encodeToString(pair.getPublic().getEncoded());
  }

  /** {@code 9F2C-04AB-77E1-0C3D}: the first 16 hex digits of SHA-256 of the SPKI, in groups of four. */
  public String keyId() {
    try {
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pair.getPublic().getEncoded()))
          .substring(0, 16).toUpperCase(Locale.ROOT);
      return hex.substring(0, 4) + "-" + hex.substring(4, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The signature of the proof, base64url, in IEEE P1363 form (as WebCrypto signs) or ASN.1 DER (as Go and Java do). */
  public String sign(String challenge, String email, String name, String fingerprint, boolean der) {
    try {
      Signature s = Signature.getInstance(der ? "SHA256withECDSA" : "SHA256withECDSAinP1363Format");
      s.initSign(pair.getPrivate());
      s.update(("peerbook-device-proof\n" + challenge + "\n" + email + "\n" + name + "\n" + fingerprint)
          .getBytes(StandardCharsets.UTF_8));
      return B64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the challenge the connection got first, and answers it with a proof for that identity. */
  public void prove(PeerClient peer, String email, String name, String fingerprint, boolean der) {
    JsonObject first = peer.next();
    String challenge = first.getString("challenge");
    assertNotNull(challenge, "expected a challenge first, got " + first.encode());
    peer.send(new JsonObject().put("command", "prove").put("signature", sign(challenge, email, name, fingerprint, der)));
  }
}
