package io.peerbook.gateway;

import io.peerbook.protocol.DeviceKey;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who a {@code /ws} upgrade says it is (with the device key it will prove, if any), checked before the upgrade, and the
 * client address it came from.
 */
record ConnectRequest(String email, String name, String fingerprint, String kind, DeviceKey key, String address) {

  /**
   * Reads and checks the query. Throws {@link ProtocolException} (400) with a one-line reason; a broken percent escape
   * makes decoding the query throw {@link IllegalArgumentException} before any parameter can be read.
   */
  static ConnectRequest of(HttpServerRequest req, String address) {
    return new ConnectRequest(Identity.email(req.getParam("email")), Identity.name(req.getParam("name"), "name"),
        Identity.fingerprint(req.getParam("fingerprint")), Identity.kind(req.getParam("kind")),
        req.getParam("key") == null ? null : DeviceKey.parse(req.getParam("key")), address);
  }
}
