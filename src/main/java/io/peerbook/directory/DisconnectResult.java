package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.redis.client.Response;

/**
 * What disconnect.lua answered: which of the socket's records it cleared and, when it went offline, the peer's
 * record and last connection for the offline event.
 */
record DisconnectResult(boolean online, boolean waiting, PeerRecord record, String lastConnection) {
  /** Run in pipelines, one call per socket ({@link Departures}). */
  static final LuaScript SCRIPT = LuaScript.load("disconnect");

  static DisconnectResult decode(Response r) {
    String rec = Book.emptyToNull(r.get(2));
    return new DisconnectResult(r.get(0).toInteger() == 1, r.get(1).toInteger() == 1,
        rec == null ? null : PeerRecord.parse(rec), Book.emptyToNull(r.get(3)));
  }
}
