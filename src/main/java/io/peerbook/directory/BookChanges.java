package io.peerbook.directory;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.Keys;
import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.List;
import java.util.Map;
import java.util.ArrayList;

/** Changes a person or an operator makes: approve, reject, remove, rename, app properties, admin provisioning. */
final class BookChanges extends BookAccess {
  private static final LuaScript INSTALL = LuaScript.load("install");
  private static final LuaScript REPLACE_RECORD = LuaScript.load("replace-record");
  private static final LuaScript RENAME = LuaScript.load("rename");
  private static final LuaScript REMOVE = LuaScript.load("remove");
  private static final LuaScript REJECT = LuaScript.load("reject");

  BookChanges(BookAccess shared) {
    super(shared);
  }

  Future<JsonObject> setProperties(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    Object changes = body.getValue("properties");
    if (!(changes instanceof JsonObject props)) {
      throw ProtocolException.badRequest("properties must be an object");
    }
    Deadline deadline = Deadline.start();
    return retrying(() -> record(email, key).compose(stored -> {
      if (stored == null || !stored.rec().fingerprint().equals(body.getString("fingerprint"))) {
        throw new ProtocolException(Codes.UNAUTHORIZED, "not approved");
      }
      PeerRecord current = stored.rec();
      String updated = current.withProperties(AppProperties.merge(current.properties(), props)).encode();
      deadline.check();
      return REPLACE_RECORD.run(redis, List.of(keys.peers(email)), List.of(key, stored.raw(), updated))
          .map(r -> r.toInteger() == 1 ? new JsonObject() : null);
    }));
  }

  Future<JsonObject> approve(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    String field = Keys.requestField(key, fingerprint);
    Deadline deadline = Deadline.start();
    return retrying(() -> redis.batch(List.of(
        Request.cmd(Command.HGET).arg(keys.pending(email)).arg(field),
        Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key))).compose(rs -> {
          if (rs.get(0) == null) {
            throw new ProtocolException(Codes.NOT_FOUND, "no such pending request");
          }
          JsonObject request = new JsonObject(rs.get(0).toString());
          Stored current = rs.get(1) == null ? null : new Stored(PeerRecord.parse(rs.get(1).toString()), rs.get(1).toString());
          PeerRecord next = new PeerRecord(request.getString("name"), fingerprint, request.getString("kind"),
              current == null ? new JsonObject() : current.rec().properties(), now());
          return install(email, key, rs.get(0).toString(), current, next, deadline);
        }));
  }

  Future<JsonObject> putPeer(JsonObject body) {
    String email = Identity.email(body.getString("email"));
    String name = Identity.name(body.getString("name"), "name");
    String key = Identity.nameKey(name);
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    JsonObject changes = body.getJsonObject("properties", new JsonObject());
    String field = Keys.requestField(key, fingerprint);
    Deadline deadline = Deadline.start();
    return retrying(() -> redis.batch(List.of(
        Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key),
        Request.cmd(Command.HGET).arg(keys.pending(email)).arg(field))).compose(rs -> {
      Stored stored = rs.get(0) == null ? null : new Stored(PeerRecord.parse(rs.get(0).toString()), rs.get(0).toString());
      PeerRecord current = stored == null ? null : stored.rec();
      // A PUT without a kind keeps the stored one or, for a new peer, the kind its waiting request gave.
      String requested = rs.get(1) == null ? null : new JsonObject(rs.get(1).toString()).getString("kind");
      JsonObject props = AppProperties.merge(current == null ? new JsonObject() : current.properties(), changes);
      String kind = body.containsKey("kind") ? Identity.kind(body.getString("kind"))
          : current != null ? current.kind() : requested;
      String registered = current == null || !current.fingerprint().equals(fingerprint) ? now() : current.registrationDate();
      PeerRecord next = new PeerRecord(name, fingerprint, kind, props, registered);
      return install(email, key, "*", stored, next, deadline)
          .map(r -> r == null ? null : r.put("created", current == null));
    }));
  }

  /** Writes an approved record; a new identity turns a waiting socket online and revokes the old one's. */
  Future<JsonObject> install(String email, String key, String expectedPending, Stored stored, PeerRecord next,
                             Deadline deadline) {
    deadline.check();
    PeerRecord current = stored == null ? null : stored.rec();
    boolean changed = current == null || !current.fingerprint().equals(next.fingerprint());
    String now = now();
    List<String> args = List.of(key, Keys.requestField(key, next.fingerprint()), expectedPending,
        stored == null ? "" : stored.raw(), next.encode(), changed ? "1" : "0", now,
        String.valueOf(cfg.limits().maxPeers()));
    return INSTALL.run(redis, userKeys(email), args).compose(r -> {
      if ("retry".equals(r.get(0).toString())) {
        return Future.succeededFuture(null);
      }
      if ("full".equals(r.get(0).toString())) {
        throw new ProtocolException(Codes.CONFLICT, "this user already has " + cfg.limits().maxPeers()
            + " approved peers, the most allowed: remove one first");
      }
      if (!changed) {
        if (!current.name().equals(next.name())) {
          // Only the spelling of the name changed (admin PUT): connected sockets must stamp the new one.
          publish(BookEvent.of(BookEvent.RENAMED, email).put("name_key", key).put("old_key", key)
              .put("old_name", current.name()).put("peer", next.entry(null, false)));
        }
        return Future.succeededFuture(new JsonObject());
      }
      JsonObject revoked = location(r.get(1));
      JsonObject promoted = location(r.get(2));
      // The old identity's node holds its record no more; the waiting socket's node holds a presence record now.
      List<Map.Entry<String, String>> drop = new ArrayList<>();
      if (revoked != null) {
        drop.add(at(revoked, Keys.onlineMember(email, key)));
      }
      if (promoted != null) {
        drop.add(at(promoted, Keys.waitingMember(email, Keys.requestField(key, next.fingerprint()))));
      }
      return retrack(email, drop, promoted == null ? null : at(promoted, Keys.onlineMember(email, key))).map(v -> {
        // A socket that was waiting on a node that died is nobody to turn 200.
        JsonObject turned = promoted != null && nodes.isAlive(promoted.getString("node")) ? promoted : null;
        publish(BookEvent.of(BookEvent.APPROVED, email).put("name_key", key)
            .put("peer", next.entry(turned == null ? null : now, turned != null))
            .put("conn", turned == null ? null : turned.getString("conn"))
            .put("gateway", turned == null ? null : turned.getString("gateway"))
            .put("revoked_fingerprint", current == null ? null : current.fingerprint()));
        return new JsonObject();
      });
    });
  }

  Future<JsonObject> reject(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    String field = Keys.requestField(key, fingerprint);
    return REJECT.run(redis, List.of(keys.pending(email), keys.waiting(email)), List.of(field)).compose(r -> {
      if (r.get(0).toInteger() == 0) {
        throw new ProtocolException(Codes.NOT_FOUND, "no such pending request");
      }
      JsonObject waiting = location(r.get(1));
      return retrack(email, waiting == null ? List.of() : List.of(at(waiting, Keys.waitingMember(email, field))), null)
          .map(v -> {
            publish(BookEvent.of(BookEvent.REJECTED, email).put("name_key", key).put("fingerprint", fingerprint));
            return new JsonObject();
          });
    });
  }

  Future<JsonObject> remove(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    return REMOVE.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email)), List.of(key))
        .compose(r -> {
          if ("missing".equals(r.get(0).toString())) {
            throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
          }
          PeerRecord rec = PeerRecord.parse(r.get(1).toString());
          JsonObject online = location(r.get(2));
          return retrack(email, online == null ? List.of() : List.of(at(online, Keys.onlineMember(email, key))), null)
              .map(v -> {
                publish(BookEvent.of(BookEvent.REMOVED, email).put("name_key", key).put("peer", rec.entry(null, false)));
                return new JsonObject();
              });
        });
  }

  Future<JsonObject> rename(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    String newName = Identity.name(body.getString("new_name"), "new name");
    String newKey = Identity.nameKey(newName);
    Deadline deadline = Deadline.start();
    return retrying(() -> record(email, key).compose(stored -> {
      if (stored == null) {
        throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
      }
      PeerRecord current = stored.rec();
      PeerRecord next = current.withName(newName);
      deadline.check();
      return RENAME.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email), keys.pending(email)),
          List.of(key, newKey, stored.raw(), next.encode())).compose(r -> {
            String outcome = r.get(0).toString();
            if ("retry".equals(outcome)) {
              return Future.succeededFuture(null);
            }
            if ("taken".equals(outcome)) {
              throw new ProtocolException(Codes.CONFLICT, "the name " + newName + " is taken");
            }
            if ("waiting".equals(outcome)) {
              throw new ProtocolException(Codes.CONFLICT, "a device named " + newName
                  + " is waiting for approval: approve or reject it first");
            }
            boolean online = isOnline(emptyToNull(r.get(1)), next.fingerprint());
            JsonObject location = location(r.get(1));
            // The node's record of what it holds follows the rename, so a crash still clears the right field.
            Future<Void> moved = location == null || key.equals(newKey) ? Future.succeededFuture()
                : retrack(email, List.of(at(location, Keys.onlineMember(email, key))), at(location, Keys.onlineMember(email, newKey)));
            return moved.map(v -> {
              publish(BookEvent.of(BookEvent.RENAMED, email).put("name_key", newKey).put("old_key", key)
                  .put("old_name", current.name()).put("peer", next.entry(emptyToNull(r.get(2)), online)));
              return new JsonObject();
            });
          });
    }));
  }
}
