package io.peerbook.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The body of {@link Address#DIRECTORY_DISCONNECT}: a socket's presence or waiting record to clear, if it still
 * belongs to connection {@code conn} of node {@code node} (a newer socket of the same peer may have taken it over).
 */
public record Disconnect(String email, String nameKey, String fingerprint, String conn, String node) {

  public static Disconnect from(JsonObject j) {
    return new Disconnect(j.getString("email"), j.getString("name_key"), j.getString("fingerprint"),
        j.getString("conn"), j.getString("node"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("email", email).put("name_key", nameKey).put("fingerprint", fingerprint)
        .put("conn", conn).put("node", node);
  }
}
