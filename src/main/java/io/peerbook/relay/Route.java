package io.peerbook.relay;

import io.vertx.core.json.JsonObject;

/** Where an approved, online peer is connected: its gateway instance and connection, and its current identity. */
record Route(String name, String nameKey, String fingerprint, String gateway, String conn) {

  static Route from(JsonObject j) {
    return new Route(j.getString("name"), j.getString("name_key"), j.getString("fingerprint"),
        j.getString("gateway"), j.getString("conn"));
  }
}
