package io.peerbook.directory;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.Keys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/** Changes a person or an operator makes: approve, reject, remove, rename, app properties, admin provisioning. */
final class BookChanges {
  private final Book book;
  private final Redis redis;
  private final Keys keys;

  BookChanges(Book book) {
    this.book = book;
    this.redis = book.changes;
    this.keys = book.keys;
  }

  Future<JsonObject> setProperties(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    Object changes = body.getValue("properties");
    if (!(changes instanceof JsonObject props)) {
      throw ProtocolException.badRequest("properties must be an object");
    }
    Deadline deadline = Deadline.start();
    return book.retrying(() -> book.record(email, key).compose(stored -> {
      if (stored == null || !stored.rec().fingerprint().equals(body.getString("fingerprint"))) {
        throw new ProtocolException(Codes.UNAUTHORIZED, "not approved");
      }
      PeerRecord current = stored.rec();
      String updated = current.withProperties(AppProperties.merge(current.properties(), props)).encode();
      deadline.check();
      return ReplaceResult.run(redis, List.of(keys.peers(email)), List.of(key, stored.raw(), updated))
          .map(r -> r.written() ? new JsonObject() : null);
    }));
  }

  Future<JsonObject> approve(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    String field = Keys.requestField(key, fingerprint, DeviceKey.keyIdParam(body.getString("key_id")));
    Deadline deadline = Deadline.start();
    return book.retrying(() -> redis.batch(List.of(
        Request.cmd(Command.HGET).arg(keys.pending(email)).arg(field),
        Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key))).compose(rs -> {
          if (rs.get(0) == null) {
            throw new ProtocolException(Codes.NOT_FOUND, "no such pending request");
          }
          JsonObject request = new JsonObject(rs.get(0).toString());
          Book.Stored current = Book.Stored.of(rs.get(1));
          // Approving binds the request's key (or none) to the device.
          PeerRecord next = new PeerRecord(request.getString("name"), fingerprint, request.getString("kind"),
              current == null ? new JsonObject() : current.rec().properties(), Book.now(), request.getString("key"),
              request.getString("key_id"));
          return install(email, key, rs.get(0).toString(), current, next, deadline);
        }));
  }

  Future<JsonObject> putPeer(JsonObject body) {
    String email = Identity.email(body.getString("email"));
    String name = Identity.name(body.getString("name"), "name");
    String key = Identity.nameKey(name);
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    JsonObject changes = body.getJsonObject("properties", new JsonObject());
    // A key left out is kept (a certificate renewed, the key the same); null takes it away.
    boolean keyGiven = body.containsKey("key");
    DeviceKey given = body.getString("key") == null ? null : DeviceKey.parse(body.getString("key"));
    Deadline deadline = Deadline.start();
    return book.retrying(() -> book.record(email, key).compose(stored -> {
      PeerRecord current = stored == null ? null : stored.rec();
      String deviceKey = keyGiven ? (given == null ? null : given.encoded()) : current == null ? null : current.key();
      String keyId = keyGiven ? (given == null ? null : given.keyId()) : current == null ? null : current.keyId();
      String field = Keys.requestField(key, fingerprint, keyId);
      return redis.send(Request.cmd(Command.HGET).arg(keys.pending(email)).arg(field))
          .compose(pending -> putPeer(body, email, name, key, fingerprint, deviceKey, keyId, changes, stored, pending,
              deadline));
    }));
  }

  private Future<JsonObject> putPeer(JsonObject body, String email, String name, String key, String fingerprint,
                                     String deviceKey, String keyId, JsonObject changes, Book.Stored stored,
                                     Response pending, Deadline deadline) {
    PeerRecord current = stored == null ? null : stored.rec();
    // A PUT without a kind keeps the stored one or, for a new peer, the kind its waiting request gave.
    String requested = pending == null ? null : new JsonObject(pending.toString()).getString("kind");
    JsonObject props = AppProperties.merge(current == null ? new JsonObject() : current.properties(), changes);
    String kind = body.containsKey("kind") ? Identity.kind(body.getString("kind"))
        : current != null ? current.kind() : requested;
    String registered = current == null || !current.fingerprint().equals(fingerprint) ? Book.now()
        : current.registrationDate();
    PeerRecord next = new PeerRecord(name, fingerprint, kind, props, registered, deviceKey, keyId);
    return install(email, key, "*", stored, next, deadline)
        .map(r -> r == null ? null : r.put("created", current == null));
  }

  /** Writes an approved record; a new identity turns a waiting socket online and revokes the old one's. */
  private Future<JsonObject> install(String email, String key, String expectedPending, Book.Stored stored,
                                     PeerRecord next, Deadline deadline) {
    deadline.check();
    PeerRecord current = stored == null ? null : stored.rec();
    boolean changed = current == null || !current.is(next.fingerprint(), next.key());
    String now = Book.now();
    String field = Keys.requestField(key, next.fingerprint(), next.keyId());
    List<String> args = List.of(key, field, expectedPending,
        stored == null ? "" : stored.raw(), next.encode(), changed ? "1" : "0", now,
        String.valueOf(book.cfg.limits().maxPeers()));
    return InstallResult.run(redis, book.userKeys(email), args).compose(r -> {
      if (r.outcome() == InstallResult.Outcome.RETRY) {
        return Future.succeededFuture(null);
      }
      if (r.outcome() == InstallResult.Outcome.FULL) {
        throw new ProtocolException(Codes.CONFLICT, "this user already has " + book.cfg.limits().maxPeers()
            + " approved peers, the most allowed: remove one first");
      }
      if (!changed) {
        if (!current.name().equals(next.name())) {
          // Only the spelling of the name changed (admin PUT): connected sockets must stamp the new one.
          book.publish(BookEvent.of(BookEvent.RENAMED, email).put("name_key", key).put("old_key", key)
              .put("old_name", current.name()).put("peer", next.entry(null, false)));
        }
        return Future.succeededFuture(new JsonObject());
      }
      JsonObject promoted = r.promoted();
      // A socket that was waiting on a node that died is nobody to turn 200.
      JsonObject turned = promoted != null && book.nodes.isAlive(promoted.getString("node")) ? promoted : null;
      book.publish(BookEvent.of(BookEvent.APPROVED, email).put("name_key", key)
          .put("peer", next.entry(turned == null ? null : now, turned != null))
          .put("conn", turned == null ? null : turned.getString("conn"))
          .put("gateway", turned == null ? null : turned.getString("gateway"))
          .put("revoked_fingerprint", current == null ? null : current.fingerprint())
          .put("revoked_key", current == null ? null : current.key()));
      return Future.succeededFuture(new JsonObject());
    });
  }

  Future<JsonObject> reject(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    String field = Keys.requestField(key, fingerprint, DeviceKey.keyIdParam(body.getString("key_id")));
    return RejectResult.run(redis, List.of(keys.pending(email), keys.waiting(email)), List.of(field)).map(r -> {
      if (!r.found()) {
        throw new ProtocolException(Codes.NOT_FOUND, "no such pending request");
      }
      book.publish(BookEvent.of(BookEvent.REJECTED, email).put("name_key", key).put("fingerprint", fingerprint)
          .put("key", r.key()));
      return new JsonObject();
    });
  }

  Future<JsonObject> remove(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    return RemoveResult.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email)), List.of(key))
        .map(r -> {
          if (r.record() == null) {
            throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
          }
          book.publish(BookEvent.of(BookEvent.REMOVED, email).put("name_key", key)
              .put("peer", r.record().entry(null, false)));
          return new JsonObject();
        });
  }

  Future<JsonObject> rename(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    String newName = Identity.name(body.getString("new_name"), "new name");
    String newKey = Identity.nameKey(newName);
    Deadline deadline = Deadline.start();
    return book.retrying(() -> book.record(email, key).compose(stored -> {
      if (stored == null) {
        throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
      }
      PeerRecord current = stored.rec();
      PeerRecord next = current.withName(newName);
      deadline.check();
      return RenameResult.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email), keys.pending(email)),
          List.of(key, newKey, stored.raw(), next.encode())).map(r -> {
            switch (r.outcome()) {
              case RETRY -> {
                return null;
              }
              case TAKEN -> throw new ProtocolException(Codes.CONFLICT, "the name " + newName + " is taken");
              case WAITING -> throw new ProtocolException(Codes.CONFLICT, "a device named " + newName
                  + " is waiting for approval: approve or reject it first");
              case OK -> {
              }
            }
            boolean online = book.isOnline(r.location(), next.fingerprint());
            book.publish(BookEvent.of(BookEvent.RENAMED, email).put("name_key", newKey).put("old_key", key)
                .put("old_name", current.name()).put("peer", next.entry(r.lastConnection(), online)));
            return new JsonObject();
          });
    }));
  }
}
