package io.peerbook.web;

import io.peerbook.protocol.Identity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One device as the pages show it: a request waiting for approval or an approved peer, read from the directory's
 * entries. Fields a kind of entry does not have are null ({@code replaces} of an approved peer, dates of a request);
 * {@code keyId} is null for a device or request without a device key.
 */
record Device(String name, String kind, String fingerprint, String replaces, String requestedAt, String address,
              boolean online, String registered, String lastConnection, String keyId, RequestChange change,
              String replacesKeyId) {

  static Device of(JsonObject entry) {
    return new Device(entry.getString("name"), entry.getString("kind"), entry.getString("fingerprint"),
        entry.getString("replaces"), entry.getString("requested_at"), entry.getString("address"),
        entry.getBoolean("online", false), entry.getString("registration_date"), entry.getString("last_connection"),
        entry.getString("key_id"), RequestChange.of(entry), entry.getString("replaces_key_id"));
  }

  static List<Device> all(JsonArray entries) {
    return entries.stream().map(JsonObject.class::cast).map(Device::of).toList();
  }

  /** A request that would change an approved device (its fingerprint or its key) rather than add one. */
  boolean changed() {
    return change.tag() != null;
  }

  /** What approving this request does to the approved device of that name, or null for a new device. */
  String warning() {
    return change.warning(name, keyId, replacesKeyId);
  }

  /** What identifies a card across refreshes: page.js keeps the focus and a name being typed by it. */
  String pendingKey() {
    return "p:" + Identity.nameKey(name) + "/" + fingerprint + "/" + (keyId == null ? "" : keyId);
  }

  String approvedKey() {
    return "a:" + Identity.nameKey(name);
  }

  String shownKind() {
    return kind == null ? "—" : kind;
  }

  String shownAddress() {
    return address == null || address.isEmpty() ? "—" : address;
  }
}
