package io.peerbook.directory;

import io.peerbook.protocol.ProtocolException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The rules for a peer's app properties: flat string/number/boolean values, at most 16 keys and 1 KiB stored. */
final class AppProperties {
  static final int MAX_KEYS = 16;
  static final int MAX_BYTES = 1024;
  /** Fields a list entry or a peer_update already uses; a property may not shadow them. */
  static final Set<String> RESERVED = Set.of("name", "fingerprint", "kind", "registration_date", "last_connection",
      "online", "event", "old_name", "requested_at", "replaces", "address", "key", "key_id", "change", "replaces_key_id");

  private AppProperties() {
  }

  /** Merges changes into current ({@code null} deletes a key) and checks the result. */
  static JsonObject merge(JsonObject current, JsonObject changes) {
    JsonObject merged = current.copy();
    for (String key : changes.fieldNames()) {
      if (key.isEmpty() || RESERVED.contains(key)) {
        throw ProtocolException.badRequest("property '" + key + "' is a built-in field");
      }
      Object value = changes.getValue(key);
      if (value == null) {
        merged.remove(key);
      } else if (value instanceof String || value instanceof Number || value instanceof Boolean) {
        merged.put(key, value);
      } else {
        throw ProtocolException.badRequest("property '" + key + "' must be a string, number, boolean or null");
      }
    }
    if (merged.size() > MAX_KEYS) {
      throw ProtocolException.badRequest("at most " + MAX_KEYS + " properties");
    }
    if (merged.encode().getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw ProtocolException.badRequest("properties exceed " + MAX_BYTES + " bytes");
    }
    return merged;
  }
}
