package io.peerbook.gateway;

import io.vertx.core.Future;

/** What one command does for the session that sent it; done when its reply (if any) is written. */
interface CommandHandler {
  Future<Void> handle(PeerSession session, Inbound message);
}
