package io.peerbook.directory;

import io.vertx.core.json.JsonObject;

/**
 * One approved peer as stored in the user's {@code peers} hash. Presence and last connection are kept apart.
 *
 * @param key   the device key bound to it (base64url SPKI), or null for a device approved without one
 * @param keyId that key's id, stored beside it so that a script can name it in a request
 */
record PeerRecord(String name, String fingerprint, String kind, JsonObject properties, String registrationDate,
                  String key, String keyId) {

  static PeerRecord parse(String json) {
    JsonObject j = new JsonObject(json);
    return new PeerRecord(j.getString("name"), j.getString("fingerprint"), j.getString("kind"),
        j.getJsonObject("properties", new JsonObject()), j.getString("registration_date"), j.getString("key"),
        j.getString("key_id"));
  }

  String encode() {
    JsonObject j = new JsonObject().put("name", name).put("fingerprint", fingerprint).put("kind", kind)
        .put("properties", properties).put("registration_date", registrationDate);
    if (key != null) {
      j.put("key", key).put("key_id", keyId);
    }
    return j.encode();
  }

  /** The protocol's list entry: built-in fields, then the app properties at the same level. */
  JsonObject entry(String lastConnection, boolean online) {
    JsonObject entry = new JsonObject();
    properties.forEach(e -> entry.put(e.getKey(), e.getValue()));
    return entry.put("name", name).put("fingerprint", fingerprint).put("kind", kind)
        .put("registration_date", registrationDate).put("last_connection", lastConnection).put("online", online)
        .put("key", key).put("key_id", keyId);
  }

  /** Whether a connection with this fingerprint and key (null: none) is this device. */
  boolean is(String otherFingerprint, String otherKey) {
    return fingerprint.equals(otherFingerprint) && java.util.Objects.equals(key, otherKey);
  }

  PeerRecord withName(String newName) {
    return new PeerRecord(newName, fingerprint, kind, properties, registrationDate, key, keyId);
  }

  PeerRecord withProperties(JsonObject newProperties) {
    return new PeerRecord(name, fingerprint, kind, newProperties, registrationDate, key, keyId);
  }
}
