package io.peerbook.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Bodies published on {@link Address#BOOK_EVENTS}. Every body has {@code event} and {@code email}; the rest:
 * <ul>
 *   <li>{@code online}: {peer: list entry, name_key, gateway, conn}; {@code offline}: {peer, name_key}</li>
 *   <li>{@code approved}: {peer, name_key, conn and gateway (the waiting socket that turned approved and its gateway
 *   instance, or null),
 *   revoked_fingerprint, revoked_key}: the approved sockets of the old identity, that fingerprint with that device
 *   key (null: keyless sockets), other than {@code conn}, are told 401 and closed with 4401; both are null for a new
 *   name</li>
 *   <li>{@code renamed}: {peer, name_key, old_name, old_key} (old_key equals name_key when only the case changed)</li>
 *   <li>{@code removed}: {peer, name_key}</li>
 *   <li>{@code rejected}: {name_key, fingerprint, key}: waiting sockets of that request (that device key, null:
 *   keyless) are told 403 and closed</li>
 *   <li>{@code replaced}: {name_key, fingerprint, key, keep, gateway?, name?}: sockets of that identity (name,
 *   fingerprint and device key, null: keyless) other than conn {@code keep} are closed; a socket with another key, or
 *   none, is another identity and stays. Gateway and name are set when the new socket is approved (its route)</li>
 *   <li>{@code requested}: {name, fingerprint, key_id}: a new pending request was recorded; open approval pages show it.
 *   It has no {@code name_key}: no socket or route changes with it</li>
 * </ul>
 * The first five are presence changes that approved peers of the user hear as {@code peer_update}.
 */
public final class BookEvent {
  public static final String ONLINE = "online";
  public static final String OFFLINE = "offline";
  public static final String APPROVED = "approved";
  public static final String RENAMED = "renamed";
  public static final String REMOVED = "removed";
  public static final String REJECTED = "rejected";
  public static final String REPLACED = "replaced";
  public static final String REQUESTED = "requested";

  private BookEvent() {
  }

  public static JsonObject of(String event, String email) {
    return new JsonObject().put("event", event).put("email", email);
  }

  /** The {@code peer_update} a peer receives for a presence change. */
  public static JsonObject peerUpdate(JsonObject event) {
    JsonObject update = event.getJsonObject("peer").copy().put("event", event.getString("event"));
    if (event.containsKey("old_name")) {
      update.put("old_name", event.getString("old_name"));
    }
    return new JsonObject().put("peer_update", update);
  }
}
