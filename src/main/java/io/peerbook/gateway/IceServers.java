package io.peerbook.gateway;

import io.peerbook.config.PeerbookConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;

/**
 * ICE servers for approved peers in the browser's RTCIceServer form. TURN credentials follow the TURN REST scheme
 * that coturn's {@code use-auth-secret} checks: username {@code <unix expiry>:<opaque id>},
 * credential base64(HMAC-SHA1(secret, username)). The opaque id is derived from the peer, without its email.
 */
final class IceServers {
  private final PeerbookConfig cfg;

  IceServers(PeerbookConfig cfg) {
    this.cfg = cfg;
  }

  JsonArray forPeer(String email, String nameKey, long nowSeconds) {
    JsonArray servers = new JsonArray();
    if (!cfg.stunUrls().isEmpty()) {
      servers.add(new JsonObject().put("urls", new JsonArray(cfg.stunUrls())));
    }
    if (!cfg.turnUrls().isEmpty() && cfg.turnSecret() != null) {
      byte[] id = Arrays.copyOf(hmac("HmacSHA256", cfg.turnSecret(), email + "\n" + nameKey), 12);
      String username = (nowSeconds + cfg.turnTtl()) + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
      String credential = Base64.getEncoder().encodeToString(hmac("HmacSHA1", cfg.turnSecret(), username));
      servers.add(new JsonObject().put("urls", new JsonArray(cfg.turnUrls()))
          .put("username", username).put("credential", credential));
    }
    return servers;
  }

  static byte[] hmac(String algorithm, String secret, String data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
