package io.peerbook.directory;

import io.vertx.core.json.JsonObject;

/** One approved peer as stored in the user's {@code peers} hash. Presence and last connection are kept apart. */
record PeerRecord(String name, String fingerprint, String kind, JsonObject properties, String registrationDate) {

  static PeerRecord parse(String json) {
    JsonObject j = new JsonObject(json);
    return new PeerRecord(j.getString("name"), j.getString("fingerprint"), j.getString("kind"),
        j.getJsonObject("properties", new JsonObject()), j.getString("registration_date"));
  }

  String encode() {
    return new JsonObject().put("name", name).put("fingerprint", fingerprint).put("kind", kind)
        .put("properties", properties).put("registration_date", registrationDate).encode();
  }

  /** The protocol's list entry: built-in fields, then the app properties at the same level. */
  JsonObject entry(String lastConnection, boolean online) {
    JsonObject entry = new JsonObject();
    properties.forEach(e -> entry.put(e.getKey(), e.getValue()));
    return entry.put("name", name).put("fingerprint", fingerprint).put("kind", kind)
        .put("registration_date", registrationDate).put("last_connection", lastConnection).put("online", online);
  }

  PeerRecord withName(String newName) {
    return new PeerRecord(newName, fingerprint, kind, properties, registrationDate);
  }

  PeerRecord withProperties(JsonObject newProperties) {
    return new PeerRecord(name, fingerprint, kind, newProperties, registrationDate);
  }
}
