package io.peerbook.protocol;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device keys: P-256 SPKI parsed strictly, the key id, and proofs signed by java.security and OpenSSL. */
class DeviceKeyTest {
  private static final String FP = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
  /** Made with {@code openssl ecparam -name prime256v1 -genkey} and {@code openssl ec -pubout -outform DER}. */
  private static final String OPENSSL_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAqxqXO2tKSEQFkH7YOu3NoiENRJH9s9OP2Tm-k-G3Lwt"
      + "tB-g-QKl3i0L-nNwNlHl1G302fVGrPwXvjR2G_h8pg";
  /** {@code openssl dgst -sha256 -sign} of "peerbook-device-proof\nchal\na@b.c\nPhone\nAB:CD" (DER). */
  private static final String OPENSSL_SIGNATURE = "MEYCIQDY_kS2vfRn5DWGcYmq7taEu514HuibfsZI7J3O5XQgkwIhAIAQCUDHeJhu8iqszA"
      + "okYwYZd01uTqjv2Vxd-yLzgZge";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  @Test
  @DisplayName("an OpenSSL key has the key id of the first 16 hex digits of its SHA-256, and its DER proof verifies")
  void openssl() {
    DeviceKey key = DeviceKey.parse(OPENSSL_KEY);
    assertEquals("1DE7-761D-9B30-2AF3", key.keyId());
    assertEquals(OPENSSL_KEY, key.encoded());
    assertTrue(key.verify("chal", "a@b.c", "Phone", "AB:CD", OPENSSL_SIGNATURE));
    assertFalse(key.verify("chal", "a@b.c", "phone", "AB:CD", OPENSSL_SIGNATURE), "the name as sent, case included");
  }

  @Test
  @DisplayName("a proof verifies in both encodings, P1363 (WebCrypto) and DER (Java, Go, OpenSSL)")
  void bothEncodings() throws Exception {
    KeyPair pair = p256();
    DeviceKey key = DeviceKey.parse(B64.encodeToString(pair.getPublic().getEncoded()));
    byte[] p1363 = sign(pair.getPrivate(), "SHA256withECDSAinP1363Format", "c1", "a@b.c", "Phone", FP);
    byte[] der = sign(pair.getPrivate(), "SHA256withECDSA", "c1", "a@b.c", "Phone", FP);
    assertEquals(64, p1363.length);
    assertTrue(key.verify("c1", "a@b.c", "Phone", FP, B64.encodeToString(p1363)));
    assertTrue(key.verify("c1", "a@b.c", "Phone", FP, B64.encodeToString(der)));
  }

  @Test
  @DisplayName("a proof of another challenge, email, name, fingerprint or key does not verify")
  void wrongProofs() throws Exception {
    KeyPair pair = p256();
    DeviceKey key = DeviceKey.parse(B64.encodeToString(pair.getPublic().getEncoded()));
    String sig = B64.encodeToString(sign(pair.getPrivate(), "SHA256withECDSAinP1363Format", "c1", "a@b.c", "Phone", FP));
    assertTrue(key.verify("c1", "a@b.c", "Phone", FP, sig));
    assertFalse(key.verify("c2", "a@b.c", "Phone", FP, sig));
    assertFalse(key.verify("c1", "x@b.c", "Phone", FP, sig));
    assertFalse(key.verify("c1", "a@b.c", "Tablet", FP, sig));
    assertFalse(key.verify("c1", "a@b.c", "Phone", FP.replace("AB", "AA"), sig));
    KeyPair other = p256();
    String otherSig = B64.encodeToString(sign(other.getPrivate(), "SHA256withECDSA", "c1", "a@b.c", "Phone", FP));
    assertFalse(key.verify("c1", "a@b.c", "Phone", FP, otherSig));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "!!!", "AAAA", "MEUCIQ", "not base64 at all", "AA==",
      "MEYCIQDY_kS2vfRn5DWGcYmq7taEu514HuibfsZI7J3O5XQgkwIhAIAQCUDHeJhu8iqszAokYwYZd01uTqjv2Vxd-yLzgZg"})
  @DisplayName("a malformed signature is false, never an exception")
  void malformedSignatures(String signature) {
    DeviceKey key = DeviceKey.parse(OPENSSL_KEY);
    assertFalse(key.verify("chal", "a@b.c", "Phone", "AB:CD", signature));
  }

  @Test
  @DisplayName("a 64-byte signature of zeros or ones, and missing inputs, are false")
  void degenerateSignatures() {
    DeviceKey key = DeviceKey.parse(OPENSSL_KEY);
    byte[] ones = new byte[64];
    Arrays.fill(ones, (byte) 0xff);
    assertFalse(key.verify("chal", "a@b.c", "Phone", "AB:CD", B64.encodeToString(new byte[64])));
    assertFalse(key.verify("chal", "a@b.c", "Phone", "AB:CD", B64.encodeToString(ones)));
    assertFalse(key.verify(null, "a@b.c", "Phone", "AB:CD", OPENSSL_SIGNATURE));
    assertFalse(key.verify("chal", "a@b.c", "Phone", "AB:CD", null));
  }

  @Test
  @DisplayName("keys that are not P-256 public keys in canonical SPKI are refused with 400")
  void malformedKeys() throws Exception {
    byte[] good = Base64.getUrlDecoder().decode(OPENSSL_KEY);
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    byte[] offCurve = good.clone();
    offCurve[offCurve.length - 1] ^= 1;
    // The same point, compressed: a valid SPKI that is not the canonical (uncompressed) encoding.
    byte[] x = Arrays.copyOfRange(good, 27, 59);
    byte[] compressed = concat(HexFormat.of().parseHex(
        "3039301306072a8648ce3d020106082a8648ce3d030107032200"), new byte[] {(byte) (2 + (good[90] & 1))}, x);
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
    p384.initialize(new ECGenParameterSpec("secp384r1"));
    for (String bad : new String[] {null, "", "AAAA", OPENSSL_KEY + "=", OPENSSL_KEY.replace('-', '+'),
        OPENSSL_KEY.substring(0, 100), B64.encodeToString(trailing), B64.encodeToString(offCurve),
        B64.encodeToString(compressed), B64.encodeToString(rsa.generateKeyPair().getPublic().getEncoded()),
        B64.encodeToString(p384.generateKeyPair().getPublic().getEncoded()), "A".repeat(5000)}) {
      ProtocolException e = assertThrows(ProtocolException.class, () -> DeviceKey.parse(bad), String.valueOf(bad));
      assertEquals(400, e.code());
      assertEquals("key must be an ECDSA P-256 public key", e.getMessage());
    }
  }

  @Test
  @DisplayName("key ids are 16 upper-case hex digits in groups of four, and differ between keys")
  void keyIds() throws Exception {
    DeviceKey a = DeviceKey.parse(B64.encodeToString(p256().getPublic().getEncoded()));
    DeviceKey b = DeviceKey.parse(B64.encodeToString(p256().getPublic().getEncoded()));
    assertTrue(a.keyId().matches("[0-9A-F]{4}(-[0-9A-F]{4}){3}"), a.keyId());
    assertFalse(a.keyId().equals(b.keyId()));
    assertEquals(a, DeviceKey.parse(a.encoded()));
  }

  static KeyPair p256() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return gen.generateKeyPair();
  }

  static byte[] sign(PrivateKey key, String algorithm, String challenge, String email, String name, String fp)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    s.initSign(key);
    s.update(("peerbook-device-proof\n" + challenge + "\n" + email + "\n" + name + "\n" + fp)
        .getBytes(StandardCharsets.UTF_8));
    return s.sign();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
