package io.peerbook.directory;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.Keys;
import io.peerbook.redis.LuaScript;
import io.peerbook.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The book in Redis: authorizes connecting peers, keeps presence, lists, pending requests, approvals, renames,
 * removals and app properties, and publishes every change on {@link Address#BOOK_EVENTS}.
 */
public final class DirectoryVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectoryVerticle.class);
  private static final int CAS_ATTEMPTS = 8;
  private static final LuaScript CONNECT = LuaScript.load("connect");
  private static final LuaScript DISCONNECT = LuaScript.load("disconnect");
  private static final LuaScript INSTALL = LuaScript.load("install");
  private static final LuaScript REPLACE_RECORD = LuaScript.load("replace-record");
  private static final LuaScript RENAME = LuaScript.load("rename");
  private static final LuaScript REMOVE = LuaScript.load("remove");
  private static final LuaScript REJECT = LuaScript.load("reject");
  private static final LuaScript REAP = LuaScript.load("reap");

  private PeerbookConfig cfg;
  private Redis redis;
  private Keys keys;
  private NodeMembership nodes;

  @Override
  public Future<?> start() {
    cfg = PeerbookConfig.from(config());
    redis = RedisClients.create(vertx, cfg.redisUrl());
    keys = new Keys(cfg.redisPrefix());
    nodes = new NodeMembership(vertx, redis, keys, cfg.nodeId(), this::reapNode);
    List<Future<?>> ready = new ArrayList<>();
    ready.add(nodes.start());
    ready.add(on(Address.DIRECTORY_CONNECT, this::connect));
    ready.add(on(Address.DIRECTORY_DISCONNECT, this::disconnect));
    ready.add(on(Address.DIRECTORY_LIST, this::list));
    ready.add(on(Address.DIRECTORY_BOOK, this::book));
    ready.add(on(Address.DIRECTORY_ROUTE, this::route));
    ready.add(on(Address.DIRECTORY_SET_PROPERTIES, this::setProperties));
    ready.add(on(Address.DIRECTORY_APPROVE, this::approve));
    ready.add(on(Address.DIRECTORY_REJECT, this::reject));
    ready.add(on(Address.DIRECTORY_REMOVE, this::remove));
    ready.add(on(Address.DIRECTORY_RENAME, this::rename));
    ready.add(on(Address.DIRECTORY_PUT_PEER, this::putPeer));
    ready.add(on(Address.DIRECTORY_READY, body -> redis.send(Request.cmd(Command.PING)).map(r -> new JsonObject())));
    return Future.all(ready);
  }

  @Override
  public Future<?> stop() {
    return nodes.stop().eventually(() -> redis.close());
  }

  private Future<Void> on(Address address, Function<JsonObject, Future<JsonObject>> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address.address(),
        msg -> Bus.reply(msg, Bus.guard(() -> handler.apply(msg.body()))));
    return consumer.completion();
  }

  // --- connecting and leaving ---

  private Future<JsonObject> connect(JsonObject body) {
    String email = body.getString("email");
    String name = body.getString("name");
    String key = Identity.nameKey(name);
    String fingerprint = body.getString("fingerprint");
    String conn = body.getString("conn");
    String now = now();
    JsonObject location = new JsonObject().put("fingerprint", fingerprint).put("node", body.getString("node"))
        .put("gateway", body.getString("gateway")).put("conn", conn).put("since", now);
    List<String> args = List.of(key, name, fingerprint, body.getString("kind") == null ? "" : body.getString("kind"),
        now, location.encode(), body.getString("address", ""), String.valueOf(cfg.maxPending()));
    String node = body.getString("node");
    return CONNECT.run(redis, userKeys(email), args).compose(r -> {
      String member = "200".equals(r.get(0).toString()) ? Keys.onlineMember(email, key)
          : Keys.waitingMember(email, Keys.requestField(key, fingerprint));
      return redis.send(Request.cmd(Command.SADD).arg(keys.nodeRecords(node)).arg(member)).map(r);
    }).map(r -> {
      if ("200".equals(r.get(0).toString())) {
        PeerRecord rec = PeerRecord.parse(r.get(1).toString());
        JsonObject entry = rec.entry(now, true);
        JsonObject previous = location(r.get(2));
        if (previous != null && nodes.isAlive(previous.getString("node"))) {
          // The peer was online already: the older socket goes, the peer stays online, no presence event.
          publish(BookEvent.of(BookEvent.REPLACED, email).put("name_key", key).put("fingerprint", fingerprint)
              .put("keep", conn).put("gateway", body.getString("gateway")).put("name", rec.name()));
        } else {
          publish(BookEvent.of(BookEvent.ONLINE, email).put("peer", entry).put("name_key", key)
              .put("gateway", body.getString("gateway")).put("conn", conn));
        }
        return new JsonObject().put("code", Codes.OK).put("peer", entry);
      }
      if (location(r.get(2)) != null) {
        publish(BookEvent.of(BookEvent.REPLACED, email).put("name_key", key).put("fingerprint", fingerprint).put("keep", conn));
      }
      if (!"full".equals(r.get(1).toString())) {
        // Every waiting connect may mail (a device that reconnects after its link expired gets a new one);
        // the mailer keeps to one mail per user per interval.
        vertx.eventBus().send(Address.MAILER_NOTIFY.address(), new JsonObject().put("email", email),
            new DeliveryOptions().setLocalOnly(true));
      }
      return new JsonObject().put("code", Codes.UNAUTHORIZED).put("pending", !"full".equals(r.get(1).toString()));
    });
  }

  private Future<JsonObject> disconnect(JsonObject body) {
    String email = body.getString("email");
    String key = body.getString("name_key");
    List<String> k = List.of(keys.online(email), keys.waiting(email), keys.peers(email), keys.lastSeen(email));
    String field = Keys.requestField(key, body.getString("fingerprint"));
    List<String> args = List.of(key, field, body.getString("conn"));
    return DISCONNECT.run(redis, k, args).compose(r -> {
      // Only what this socket held leaves the node's records: a replacing socket on this node holds the same member.
      Request untrack = Request.cmd(Command.SREM).arg(keys.nodeRecords(body.getString("node", cfg.nodeId())));
      boolean online = r.get(0).toInteger() == 1;
      boolean waiting = r.get(1).toInteger() == 1;
      if (online) {
        untrack.arg(Keys.onlineMember(email, key));
      }
      if (waiting) {
        untrack.arg(Keys.waitingMember(email, field));
      }
      Future<?> untracked = online || waiting ? redis.send(untrack) : Future.succeededFuture();
      return untracked.map(x -> r);
    }).map(r -> {
      if (r.get(0).toInteger() == 1 && !r.get(2).toString().isEmpty()) {
        PeerRecord rec = PeerRecord.parse(r.get(2).toString());
        publish(BookEvent.of(BookEvent.OFFLINE, email).put("name_key", key)
            .put("peer", rec.entry(emptyToNull(r.get(3)), false)));
      }
      return new JsonObject();
    });
  }

  // --- reading the book ---

  private Future<JsonObject> list(JsonObject body) {
    Object filter = body.getValue("filter");
    if (filter != null && !(filter instanceof JsonObject)) {
      throw ProtocolException.badRequest("filter must be an object");
    }
    JsonObject f = (JsonObject) filter;
    if (f != null) {
      f.forEach(e -> {
        Object v = e.getValue();
        if (v != null && !(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw ProtocolException.badRequest("filter values must be strings, numbers, booleans or null");
        }
      });
    }
    return approved(body.getString("email")).map(entries -> {
      JsonArray list = new JsonArray();
      entries.stream().filter(e -> f == null || matches(e, f)).forEach(list::add);
      return new JsonObject().put("list", list);
    });
  }

  private Future<JsonObject> book(JsonObject body) {
    String email = body.getString("email");
    return approved(email).compose(entries -> redis.send(Request.cmd(Command.HGETALL).arg(keys.pending(email)))
        .map(pending -> {
          List<JsonObject> requests = new ArrayList<>();
          pending.getKeys().forEach(field -> requests.add(new JsonObject(pending.get(field).toString())));
          requests.sort((a, b) -> a.getString("requested_at").compareTo(b.getString("requested_at")));
          return new JsonObject().put("approved", new JsonArray(new ArrayList<>(entries)))
              .put("pending", new JsonArray(new ArrayList<>(requests)));
        }));
  }

  private Future<List<JsonObject>> approved(String email) {
    return redis.batch(List.of(
        Request.cmd(Command.HGETALL).arg(keys.peers(email)),
        Request.cmd(Command.HGETALL).arg(keys.lastSeen(email)),
        Request.cmd(Command.HGETALL).arg(keys.online(email)))).map(rs -> {
          Response peers = rs.get(0);
          Map<String, String> last = strings(rs.get(1));
          Map<String, String> online = strings(rs.get(2));
          List<JsonObject> entries = new ArrayList<>();
          for (String key : peers.getKeys()) {
            PeerRecord rec = PeerRecord.parse(peers.get(key).toString());
            entries.add(rec.entry(last.get(key), isOnline(online.get(key), rec.fingerprint())));
          }
          entries.sort((a, b) -> a.getString("name").compareToIgnoreCase(b.getString("name")));
          return entries;
        });
  }

  private Future<JsonObject> route(JsonObject body) {
    String email = body.getString("email");
    String target = body.getString("target");
    String key = Identity.nameKey(target);
    return redis.batch(List.of(
        Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key),
        Request.cmd(Command.HGET).arg(keys.online(email)).arg(key))).map(rs -> {
          if (rs.get(0) == null) {
            throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + target);
          }
          PeerRecord rec = PeerRecord.parse(rs.get(0).toString());
          JsonObject location = location(rs.get(1));
          if (location == null || !isOnline(rs.get(1).toString(), rec.fingerprint())) {
            throw new ProtocolException(Codes.OFFLINE, rec.name() + " is not online");
          }
          return new JsonObject().put("name", rec.name()).put("name_key", key).put("fingerprint", rec.fingerprint())
              .put("gateway", location.getString("gateway")).put("conn", location.getString("conn"));
        });
  }

  // --- changes ---

  private Future<JsonObject> setProperties(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    Object changes = body.getValue("properties");
    if (!(changes instanceof JsonObject props)) {
      throw ProtocolException.badRequest("properties must be an object");
    }
    return retrying(() -> record(email, key).compose(stored -> {
      if (stored == null || !stored.rec().fingerprint().equals(body.getString("fingerprint"))) {
        throw new ProtocolException(Codes.UNAUTHORIZED, "not approved");
      }
      PeerRecord current = stored.rec();
      String updated = current.withProperties(AppProperties.merge(current.properties(), props)).encode();
      return REPLACE_RECORD.run(redis, List.of(keys.peers(email)), List.of(key, stored.raw(), updated))
          .map(r -> r.toInteger() == 1 ? new JsonObject() : null);
    }));
  }

  private Future<JsonObject> approve(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    String field = Keys.requestField(key, fingerprint);
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
          return install(email, key, rs.get(0).toString(), current, next);
        }));
  }

  private Future<JsonObject> putPeer(JsonObject body) {
    String email = Identity.email(body.getString("email"));
    String name = Identity.name(body.getString("name"), "name");
    String key = Identity.nameKey(name);
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    JsonObject changes = body.getJsonObject("properties", new JsonObject());
    String field = Keys.requestField(key, fingerprint);
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
      return install(email, key, "*", stored, next)
          .map(r -> r == null ? null : r.put("created", current == null));
    }));
  }

  /** Writes an approved record; a new identity turns a waiting socket online and revokes the old one's. */
  private Future<JsonObject> install(String email, String key, String expectedPending, Stored stored, PeerRecord next) {
    PeerRecord current = stored == null ? null : stored.rec();
    boolean changed = current == null || !current.fingerprint().equals(next.fingerprint());
    String now = now();
    List<String> args = List.of(key, Keys.requestField(key, next.fingerprint()), expectedPending,
        stored == null ? "" : stored.raw(), next.encode(), changed ? "1" : "0", now);
    return INSTALL.run(redis, userKeys(email), args).map(r -> {
      if ("retry".equals(r.get(0).toString())) {
        return null;
      }
      if (changed) {
        JsonObject promoted = location(r.get(2));
        if (promoted != null) {
          // The waiting socket's node now holds a presence record instead of a waiting one.
          String records = keys.nodeRecords(promoted.getString("node"));
          redis.send(Request.cmd(Command.SREM).arg(records).arg(Keys.waitingMember(email, Keys.requestField(key, next.fingerprint()))))
              .compose(x -> redis.send(Request.cmd(Command.SADD).arg(records).arg(Keys.onlineMember(email, key))))
              .onFailure(err -> LOG.warn("node record of {} not updated: {}", email, err.toString()));
          if (!nodes.isAlive(promoted.getString("node"))) {
            promoted = null; // it was waiting on a node that died: nobody is there to turn 200
          }
        }
        JsonObject event = BookEvent.of(BookEvent.APPROVED, email).put("name_key", key)
            .put("peer", next.entry(promoted == null ? null : now, promoted != null))
            .put("conn", promoted == null ? null : promoted.getString("conn"))
            .put("gateway", promoted == null ? null : promoted.getString("gateway"))
            .put("revoked_fingerprint", current == null ? null : current.fingerprint());
        publish(event);
      }
      return new JsonObject();
    });
  }

  private Future<JsonObject> reject(JsonObject body) {
    String email = body.getString("email");
    String fingerprint = Identity.fingerprint(body.getString("fingerprint"));
    String key = Identity.nameKey(body.getString("name"));
    return REJECT.run(redis, List.of(keys.pending(email), keys.waiting(email)), List.of(Keys.requestField(key, fingerprint)))
        .map(r -> {
          if (r.toInteger() == 0) {
            throw new ProtocolException(Codes.NOT_FOUND, "no such pending request");
          }
          publish(BookEvent.of(BookEvent.REJECTED, email).put("name_key", key).put("fingerprint", fingerprint));
          return new JsonObject();
        });
  }

  private Future<JsonObject> remove(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    return REMOVE.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email)), List.of(key))
        .map(r -> {
          if ("missing".equals(r.get(0).toString())) {
            throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
          }
          PeerRecord rec = PeerRecord.parse(r.get(1).toString());
          publish(BookEvent.of(BookEvent.REMOVED, email).put("name_key", key).put("peer", rec.entry(null, false)));
          return new JsonObject();
        });
  }

  private Future<JsonObject> rename(JsonObject body) {
    String email = body.getString("email");
    String key = Identity.nameKey(body.getString("name"));
    String newName = Identity.name(body.getString("new_name"), "new name");
    String newKey = Identity.nameKey(newName);
    return retrying(() -> record(email, key).compose(stored -> {
      if (stored == null) {
        throw new ProtocolException(Codes.NOT_FOUND, "no approved peer named " + body.getString("name"));
      }
      PeerRecord current = stored.rec();
      PeerRecord next = current.withName(newName);
      return RENAME.run(redis, List.of(keys.peers(email), keys.online(email), keys.lastSeen(email)),
          List.of(key, newKey, stored.raw(), next.encode())).map(r -> {
            String outcome = r.get(0).toString();
            if ("retry".equals(outcome)) {
              return null;
            }
            if ("taken".equals(outcome)) {
              throw new ProtocolException(Codes.CONFLICT, "the name " + newName + " is taken");
            }
            boolean online = isOnline(emptyToNull(r.get(1)), next.fingerprint());
            JsonObject location = location(r.get(1));
            if (location != null && !key.equals(newKey)) {
              // The node's record of what it holds follows the rename, so a crash still clears the right field.
              String records = keys.nodeRecords(location.getString("node"));
              redis.send(Request.cmd(Command.SREM).arg(records).arg(Keys.onlineMember(email, key)))
                  .compose(x -> redis.send(Request.cmd(Command.SADD).arg(records).arg(Keys.onlineMember(email, newKey))))
                  .onFailure(err -> LOG.warn("node record of {} not renamed: {}", email, err.toString()));
            }
            publish(BookEvent.of(BookEvent.RENAMED, email).put("name_key", newKey).put("old_key", key)
                .put("old_name", current.name()).put("peer", next.entry(emptyToNull(r.get(2)), online)));
            return new JsonObject();
          });
    }));
  }

  /** Clears every presence record a dead node held; its peers' users hear they went offline. */
  private Future<Void> reapNode(String node) {
    return reapBatch(node, "0").compose(v -> redis.send(Request.cmd(Command.DEL).arg(keys.nodeRecords(node)))).mapEmpty();
  }

  private Future<Void> reapBatch(String node, String cursor) {
    return redis.send(Request.cmd(Command.SSCAN).arg(keys.nodeRecords(node)).arg(cursor).arg("COUNT").arg(200))
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
    List<String> k = List.of(online ? keys.online(email) : keys.waiting(email), keys.peers(email), keys.lastSeen(email));
    return REAP.run(redis, k, List.of(field, node)).map(r -> {
      if (online && r.get(0).toInteger() == 1 && !r.get(1).toString().isEmpty()) {
        publish(BookEvent.of(BookEvent.OFFLINE, email).put("name_key", field)
            .put("peer", PeerRecord.parse(r.get(1).toString()).entry(emptyToNull(r.get(2)), false)));
      }
      return null;
    });
  }

  // --- helpers ---

  /** A record with its exact stored text, so a compare-and-set can check it is unchanged. */
  private record Stored(PeerRecord rec, String raw) {
  }

  private Future<Stored> record(String email, String key) {
    return redis.send(Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key))
        .map(r -> r == null ? null : new Stored(PeerRecord.parse(r.toString()), r.toString()));
  }

  /** Runs a read-compute-write step until its compare-and-set succeeds (the step answers null when it must retry). */
  private Future<JsonObject> retrying(Supplier<Future<JsonObject>> step) {
    return retrying(step, CAS_ATTEMPTS);
  }

  private Future<JsonObject> retrying(Supplier<Future<JsonObject>> step, int attempts) {
    return Bus.guard(step).compose(r -> {
      if (r != null) {
        return Future.succeededFuture(r);
      }
      if (attempts <= 1) {
        return Future.failedFuture(new ProtocolException(Codes.CONFLICT, "the book changed meanwhile, try again"));
      }
      return retrying(step, attempts - 1);
    });
  }

  private boolean isOnline(String locationJson, String fingerprint) {
    if (locationJson == null || locationJson.isEmpty()) {
      return false;
    }
    JsonObject location = new JsonObject(locationJson);
    return fingerprint.equals(location.getString("fingerprint")) && nodes.isAlive(location.getString("node"));
  }

  private List<String> userKeys(String email) {
    return List.of(keys.peers(email), keys.pending(email), keys.online(email), keys.waiting(email), keys.lastSeen(email));
  }

  private void publish(JsonObject event) {
    vertx.eventBus().publish(Address.BOOK_EVENTS.address(), event);
  }

  private static JsonObject location(Response r) {
    String s = emptyToNull(r);
    return s == null ? null : new JsonObject(s);
  }

  private static String emptyToNull(Response r) {
    if (r == null) {
      return null;
    }
    String s = r.toString();
    return s.isEmpty() ? null : s;
  }

  private static Map<String, String> strings(Response hash) {
    Map<String, String> out = new HashMap<>();
    hash.getKeys().forEach(k -> out.put(k, hash.get(k).toString()));
    return out;
  }

  private static boolean matches(JsonObject entry, JsonObject filter) {
    for (String key : filter.fieldNames()) {
      Object want = filter.getValue(key);
      Object have = entry.getValue(key);
      if (want instanceof Number w && have instanceof Number h) {
        if (Double.compare(w.doubleValue(), h.doubleValue()) != 0) {
          return false;
        }
      } else if (!java.util.Objects.equals(want, have)) {
        return false;
      }
    }
    return true;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
