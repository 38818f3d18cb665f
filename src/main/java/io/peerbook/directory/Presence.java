package io.peerbook.directory;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.peerbook.redis.Keys;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who is connected where: a connecting peer is authorized (online when approved, else a pending request and a
 * waiting socket), a closing socket leaves, and a dead node's records are cleared. Each change is a book event.
 */
final class Presence {
  private final Book book;
  private final RequestQuota quota;

  Presence(Book book) {
    this.book = book;
    this.quota = new RequestQuota(book.redis, book.keys, book.cfg.limits().maxRequestsPerAddress());
  }

  Future<JsonObject> connect(JsonObject body) {
    String email = body.getString("email");
    String name = body.getString("name");
    String key = Identity.nameKey(name);
    String fingerprint = body.getString("fingerprint");
    String conn = body.getString("conn");
    // The gateway verified the proof first: a key here is the connection's proven key, or null for none.
    DeviceKey deviceKey = body.getString("key") == null ? null : DeviceKey.parse(body.getString("key"));
    String keyId = deviceKey == null ? "" : deviceKey.keyId();
    String now = Book.now();
    JsonObject location = new JsonObject().put("fingerprint", fingerprint).put("node", body.getString("node"))
        .put("gateway", body.getString("gateway")).put("conn", conn).put("since", now);
    List<String> args = List.of(key, name, fingerprint, body.getString("kind") == null ? "" : body.getString("kind"),
        now, location.encode(), body.getString("address", ""), String.valueOf(book.cfg.maxPending()),
        String.valueOf(book.cfg.limits().maxConnectionsPerUser()), deviceKey == null ? "" : deviceKey.encoded(), keyId);
    String node = body.getString("node");
    return authorize(email, args, body.getString("address", "")).compose(r -> {
      if (r.outcome() == ConnectResult.Outcome.TOO_MANY) {
        return Future.succeededFuture(r);
      }
      String member = r.outcome() == ConnectResult.Outcome.APPROVED ? Keys.onlineMember(email, key)
          : Keys.waitingMember(email, Keys.requestField(key, fingerprint, keyId));
      // A record taken over from a socket on another node leaves that node's set.
      JsonObject previous = r.previous();
      List<Map.Entry<String, String>> drop = previous == null || node.equals(previous.getString("node"))
          ? List.of() : List.of(Book.at(previous, member));
      return book.retrack(email, drop, Map.entry(node, member)).map(r);
    }).map(r -> switch (r.outcome()) {
      case TOO_MANY -> new JsonObject().put("code", Codes.TOO_MANY);
      case APPROVED -> approved(r, email, key, conn, body.getString("gateway"), now);
      case WAITING -> waiting(r, email, name, key, fingerprint, deviceKey, conn);
      case UNCOUNTED -> throw new IllegalStateException("connect.lua asked to count an address twice");
    });
  }

  private JsonObject approved(ConnectResult r, String email, String key, String conn, String gateway, String now) {
    PeerRecord rec = r.record();
    JsonObject entry = rec.entry(now, true);
    if (r.previous() != null && book.nodes.isAlive(r.previous().getString("node"))) {
      // The peer was online already: the older socket goes, the peer stays online, no presence event.
      book.publish(BookEvent.of(BookEvent.REPLACED, email).put("name_key", key).put("fingerprint", rec.fingerprint())
          .put("key", rec.key()).put("keep", conn).put("gateway", gateway).put("name", rec.name()));
    } else {
      book.publish(BookEvent.of(BookEvent.ONLINE, email).put("peer", entry).put("name_key", key)
          .put("gateway", gateway).put("conn", conn));
    }
    return new JsonObject().put("code", Codes.OK).put("peer", entry);
  }

  private JsonObject waiting(ConnectResult r, String email, String name, String key, String fingerprint,
                             DeviceKey deviceKey, String conn) {
    String encodedKey = deviceKey == null ? null : deviceKey.encoded();
    if (r.previous() != null) {
      // An older socket waiting with the same request goes; sockets of other requests and the approved one stay.
      book.publish(BookEvent.of(BookEvent.REPLACED, email).put("name_key", key).put("fingerprint", fingerprint)
          .put("key", encodedKey).put("keep", conn));
    }
    if (r.request() == ConnectResult.Request.NEW) {
      book.publish(BookEvent.of(BookEvent.REQUESTED, email).put("name", name).put("fingerprint", fingerprint)
          .put("key_id", deviceKey == null ? null : deviceKey.keyId()));
    }
    boolean recorded = r.request() != ConnectResult.Request.NOT_RECORDED;
    if (recorded) {
      // Every waiting connect may mail (a device that reconnects after its link expired gets a new one);
      // the mailer keeps to one mail per user per interval.
      book.vertx.eventBus().send(Address.MAILER_NOTIFY.address(), new JsonObject().put("email", email),
          new DeliveryOptions().setLocalOnly(true));
    }
    return new JsonObject().put("code", Codes.UNAUTHORIZED).put("pending", recorded).put("refused", r.refused());
  }

  /**
   * Runs connect.lua. A request that would be new is first counted against its client address's hourly cap, and
   * recorded only within it; a known request or an approved peer costs the address nothing.
   */
  private Future<ConnectResult> authorize(String email, List<String> args, String address) {
    List<String> userKeys = book.userKeys(email);
    if (!quota.enabled()) {
      return ConnectResult.run(book.redis, userKeys, with(args, "1"));
    }
    // The second step records a waiting socket: once the gateway has given up (and will send its disconnect, which
    // must come after it), it is not taken, or a socket long closed would be left waiting.
    Deadline deadline = Deadline.start();
    return ConnectResult.run(book.redis, userKeys, with(args, "?")).compose(r -> {
      if (r.outcome() != ConnectResult.Outcome.UNCOUNTED) {
        return Future.succeededFuture(r);
      }
      deadline.check();
      return quota.take(address).compose(ok -> {
        deadline.check();
        return ConnectResult.run(book.redis, userKeys, with(args, ok ? "1" : "0"));
      });
    });
  }

  private static List<String> with(List<String> args, String last) {
    List<String> all = new ArrayList<>(args);
    all.add(last);
    return all;
  }

  Future<JsonObject> disconnect(JsonObject body) {
    Disconnect leaving = Disconnect.from(body);
    String email = leaving.email();
    String key = leaving.nameKey();
    Keys keys = book.keys;
    List<String> k = List.of(keys.online(email), keys.waiting(email), keys.peers(email), keys.lastSeen(email));
    String keyId = body.getString("key") == null ? "" : DeviceKey.parse(body.getString("key")).keyId();
    String field = Keys.requestField(key, leaving.fingerprint(), keyId);
    return DisconnectResult.run(book.redis, k, List.of(key, field, leaving.conn())).compose(r -> {
      // Only what this socket held leaves the node's records: a replacing socket on this node holds the same member.
      Request untrack = Request.cmd(Command.SREM).arg(keys.nodeRecords(leaving.node()));
      if (r.online()) {
        untrack.arg(Keys.onlineMember(email, key));
      }
      if (r.waiting()) {
        untrack.arg(Keys.waitingMember(email, field));
      }
      Future<?> untracked = r.online() || r.waiting() ? book.redis.send(untrack) : Future.succeededFuture();
      return untracked.map(x -> r);
    }).map(r -> {
      if (r.online() && r.record() != null) {
        book.publish(BookEvent.of(BookEvent.OFFLINE, email).put("name_key", key)
            .put("peer", r.record().entry(r.lastConnection(), false)));
      }
      return new JsonObject();
    });
  }

  /** Clears every presence record a dead node held; its peers' users hear they went offline. */
  Future<Void> reapNode(String node) {
    return reapBatch(node, "0")
        .compose(v -> book.redis.send(Request.cmd(Command.DEL).arg(book.keys.nodeRecords(node)))).mapEmpty();
  }

  private Future<Void> reapBatch(String node, String cursor) {
    return book.redis.send(Request.cmd(Command.SSCAN).arg(book.keys.nodeRecords(node)).arg(cursor).arg("COUNT").arg(200))
        .compose(page -> {
          List<Future<Void>> cleared = new ArrayList<>();
          page.get(1).forEach(m -> cleared.add(reapOne(node, m.toString())));
          String next = page.get(0).toString();
          return Future.join(cleared).compose(v -> "0".equals(next) ? Future.succeededFuture() : reapBatch(node, next));
        });
  }

  private Future<Void> reapOne(String node, String member) {
    String[] parts = member.split("\n", 3);
    if (parts.length != 3) {
      return Future.succeededFuture();
    }
    boolean online = "o".equals(parts[0]);
    String email = parts[1];
    String field = parts[2];
    Keys keys = book.keys;
    List<String> k = List.of(online ? keys.online(email) : keys.waiting(email), keys.peers(email), keys.lastSeen(email));
    return ReapResult.run(book.redis, k, List.of(field, node)).map(r -> {
      if (online && r.cleared() && r.record() != null) {
        book.publish(BookEvent.of(BookEvent.OFFLINE, email).put("name_key", field)
            .put("peer", r.record().entry(r.lastConnection(), false)));
      }
      return null;
    });
  }
}
