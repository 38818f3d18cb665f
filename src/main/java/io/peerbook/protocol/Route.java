package io.peerbook.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Where an approved, online peer is connected: its gateway instance and connection, and its current identity. The
 * directory answers routes, the relay caches them, and a delivery along one is checked by the node that holds the
 * connection, so a stale route never reaches the wrong socket.
 */
public record Route(String name, String nameKey, String fingerprint, String gateway, String conn) {

  public static Route from(JsonObject j) {
    return new Route(j.getString("name"), j.getString("name_key"), j.getString("fingerprint"),
        j.getString("gateway"), j.getString("conn"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("name_key", nameKey).put("fingerprint", fingerprint)
        .put("gateway", gateway).put("conn", conn);
  }

  /**
   * The node of the route's gateway instance: a gateway instance's id is its node's id, a dot and a suffix of its own
   * that holds no dot ({@code GatewayVerticle}).
   */
  public String node() {
    return gateway.substring(0, gateway.lastIndexOf('.'));
  }

  /**
   * The 409 of an answer or candidate that names a fingerprint other than this peer's current one, or null. An offer's
   * fingerprint is never checked (the sender passes null for it).
   */
  public ProtocolException conflict(String claimed) {
    return conflict(claimed, name, fingerprint);
  }

  /** The same check against a peer known otherwise than by a route (a socket of the sender's own gateway). */
  public static ProtocolException conflict(String claimed, String name, String fingerprint) {
    if (claimed == null || Identity.sameFingerprint(claimed, fingerprint)) {
      return null;
    }
    return new ProtocolException(Codes.CONFLICT, "fingerprint is not the current one of " + name);
  }
}
