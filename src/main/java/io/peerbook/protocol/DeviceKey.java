package io.peerbook.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A device key: an ECDSA P-256 public key, sent as the base64url (no padding) of its SubjectPublicKeyInfo DER. It
 * proves a connection is the device it claims to be (contract section "Device keys: proof of possession").
 * Only the canonical encoding is accepted (the DER a key encodes to, named curve), so that one key has one text and
 * one key id.
 */
public final class DeviceKey {
  private static final String INVALID = "key must be an ECDSA P-256 public key";
  private static final String PROOF_CONTEXT = "peerbook-device-proof";
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern KEY_ID = Pattern.compile("[0-9A-F]{4}(-[0-9A-F]{4}){3}");
  /** The SPKI of an uncompressed P-256 point is 91 bytes: longer text is not one. */
  private static final int MAX_TEXT = 160;
  private static final int P1363_LENGTH = 64;
  private static final ECParameterSpec P256 = p256();
  private final String encoded;
  private final byte[] der;
  private final ECPublicKey key;

  private DeviceKey(String encoded, byte[] der, ECPublicKey key) {
    this.encoded = encoded;
    this.der = der;
    this.key = key;
  }

  /** Parses a {@code key} parameter; throws 400 ("key must be an ECDSA P-256 public key") on anything else. */
  public static DeviceKey parse(String text) {
    if (text == null || text.length() > MAX_TEXT || !BASE64URL.matcher(text).matches()) {
      throw ProtocolException.badRequest(INVALID);
    }
    try {
      byte[] der = Base64.getUrlDecoder().decode(text);
      PublicKey parsed = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
      if (!(parsed instanceof ECPublicKey ec) || !isP256(ec.getParams()) || !onCurve(ec.getW())
          || !Arrays.equals(ec.getEncoded(), der)) {
        throw ProtocolException.badRequest(INVALID);
      }
      return new DeviceKey(Base64.getUrlEncoder().withoutPadding().encodeToString(der), der, ec);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw ProtocolException.badRequest(INVALID);
    }
  }

  /**
   * The key id a request names (approve and reject bodies, page forms): empty or absent means the keyless request.
   * Returned upper-case; throws 400 when it is not a key id.
   */
  public static String keyIdParam(String raw) {
    if (raw == null || raw.isBlank()) {
      return "";
    }
    String id = raw.trim().toUpperCase(java.util.Locale.ROOT);
    if (!KEY_ID.matcher(id).matches()) {
      throw ProtocolException.badRequest("key_id must be a key id such as 9F2C-04AB-77E1-0C3D");
    }
    return id;
  }

  /** The key as base64url SPKI DER without padding: what peerbook stores and lists. */
  public String encoded() {
    return encoded;
  }

  /**
   * What a device shows its user for comparison: the first 16 hex digits of SHA-256 of the SPKI DER, upper-case, in
   * groups of four joined by {@code -} ({@code 9F2C-04AB-77E1-0C3D}).
   */
  public String keyId() {
    try {
      String hex = HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(der), 0, 8);
      return hex.substring(0, 4) + "-" + hex.substring(4, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /**
   * Whether {@code signature} (base64url, IEEE P1363 r‖s or ASN.1 DER) is this key's ECDSA-SHA256 signature of the
   * proof for this challenge and identity. False, never an exception, on anything malformed.
   *
   * @param email       lower-case
   * @param name        as the device sent it
   * @param fingerprint canonical ({@code AB:CD:…})
   */
  public boolean verify(String challenge, String email, String name, String fingerprint, String signature) {
    if (challenge == null || email == null || name == null || fingerprint == null || signature == null) {
      return false;
    }
    byte[] message = String.join("\n", PROOF_CONTEXT, challenge, email, name, fingerprint)
        .getBytes(StandardCharsets.UTF_8);
    byte[] sig;
    try {
      sig = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    // 64 bytes is r‖s as WebCrypto signs; a DER signature of P-256 is 8 to 72 bytes and starts with a SEQUENCE tag,
    // so a 64-byte one that is not valid as r‖s gets its chance as DER too.
    return sig.length == P1363_LENGTH && verify("SHA256withECDSAinP1363Format", message, sig)
        || verify("SHA256withECDSA", message, sig);
  }

  private boolean verify(String algorithm, byte[] message, byte[] sig) {
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key);
      s.update(message);
      return s.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceKey other && encoded.equals(other.encoded);
  }

  @Override
  public int hashCode() {
    return encoded.hashCode();
  }

  @Override
  public String toString() {
    return "DeviceKey " + keyId();
  }

  private static boolean isP256(ECParameterSpec params) {
    return params.getCurve().equals(P256.getCurve()) && params.getGenerator().equals(P256.getGenerator())
        && params.getOrder().equals(P256.getOrder()) && params.getCofactor() == P256.getCofactor();
  }

  /** A point off the curve is no public key: y² = x³ + ax + b (mod p), with both coordinates below p. */
  private static boolean onCurve(ECPoint w) {
    if (ECPoint.POINT_INFINITY.equals(w)) {
      return false;
    }
    EllipticCurve curve = P256.getCurve();
    BigInteger p = ((ECFieldFp) curve.getField()).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
    return y.modPow(BigInteger.TWO, p).equals(right);
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec("secp256r1"));
      return params.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no P-256", e);
    }
  }
}
