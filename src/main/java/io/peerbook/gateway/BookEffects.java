package io.peerbook.gateway;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a book event does to the sockets of one gateway instance: waiting sockets are approved or rejected, replaced
 * or revoked sockets are closed, renamed ones stamp their new name, and every other approved socket of the user hears
 * the change as a {@code peer_update}.
 */
final class BookEffects {
  private static final Logger LOG = LoggerFactory.getLogger(BookEffects.class);
  private final GatewayContext ctx;

  BookEffects(GatewayContext ctx) {
    this.ctx = ctx;
  }

  void apply(JsonObject event) {
    if (BookEvent.APPROVED.equals(event.getString("event"))) {
      clearIfGone(event);
    }
    List<PeerSession> sockets = ctx.connections().ofUser(event.getString("email"));
    if (sockets.isEmpty()) {
      return;
    }
    String key = event.getString("name_key");
    String kind = event.getString("event");
    List<PeerSession> told = new ArrayList<>();
    switch (kind) {
      case BookEvent.REPLACED -> sockets.stream()
          .filter(s -> is(s, key, event.getString("fingerprint"), event.getString("key"))
              && !s.conn().equals(event.getString("keep")))
          .forEach(s -> s.close(Codes.CLOSE_REPLACED, "replaced by a newer connection of the same peer"));
      case BookEvent.REJECTED -> sockets.stream()
          .filter(s -> !s.approved() && is(s, key, event.getString("fingerprint"), event.getString("key")))
          .forEach(s -> s.admission().reject());
      case BookEvent.APPROVED -> {
        String revoked = event.getString("revoked_fingerprint");
        for (PeerSession s : sockets) {
          if (s.conn().equals(event.getString("conn"))) {
            // The name as the book spells it: what the others see as this peer's source.
            s.rename(event.getJsonObject("peer").getString("name"), key);
            s.admission().approve();
            told.add(s);
          } else if (revoked != null && s.approved() && is(s, key, revoked, event.getString("revoked_key"))) {
            s.admission().revoke(revoked.equals(s.fingerprint()) && revoked.equals(event.getJsonObject("peer")
                .getString("fingerprint")) ? "another device key was approved for this name"
                : "another fingerprint was approved for this name");
            told.add(s);
          }
        }
        tellOthers(sockets, told, key, event);
      }
      case BookEvent.REMOVED -> {
        sockets.stream().filter(s -> s.approved() && s.nameKey().equals(key)).forEach(s -> {
          s.admission().revoke("removed from the book");
          told.add(s);
        });
        tellOthers(sockets, told, key, event);
      }
      case BookEvent.RENAMED -> {
        JsonObject peer = event.getJsonObject("peer");
        sockets.stream().filter(s -> s.approved() && s.nameKey().equals(event.getString("old_key")))
            .forEach(s -> s.rename(peer.getString("name"), key));
        // A rename goes to the renamed peer too: it learns its new name.
        JsonObject update = BookEvent.peerUpdate(event);
        sockets.stream().filter(PeerSession::approved).forEach(s -> s.send(update));
      }
      case BookEvent.ONLINE, BookEvent.OFFLINE -> tellOthers(sockets, told, key, event);
      case BookEvent.REQUESTED -> {
        // For open approval pages only: the waiting socket already has its 401, and peers hear of approvals.
      }
      default -> LOG.debug("unknown book event {}", kind);
    }
  }

  /**
   * A waiting record of ours promoted to online whose socket is gone (a connect that landed in Redis after its socket
   * closed, during an outage): clear it, so that nothing gone stays online.
   */
  private void clearIfGone(JsonObject event) {
    String conn = event.getString("conn");
    if (conn != null && ctx.gatewayId().equals(event.getString("gateway")) && ctx.connections().get(conn) == null) {
      ctx.leaving().clear(new Disconnect(event.getString("email"), event.getString("name_key"),
          event.getJsonObject("peer").getString("fingerprint"), conn, ctx.cfg().nodeId()));
    }
  }

  /** The socket is this identity: name, fingerprint and device key (null: a keyless connection). */
  private static boolean is(PeerSession s, String nameKey, String fingerprint, String key) {
    return s.nameKey().equals(nameKey) && s.fingerprint().equals(fingerprint) && Objects.equals(s.key(), key);
  }

  /** The peer_update for every approved socket of the user but the peer the event is about. */
  private static void tellOthers(List<PeerSession> sockets, List<PeerSession> told, String key, JsonObject event) {
    JsonObject update = BookEvent.peerUpdate(event);
    sockets.stream().filter(s -> s.approved() && !told.contains(s) && !s.nameKey().equals(key))
        .forEach(s -> s.send(update));
  }
}
