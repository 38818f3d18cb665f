package io.peerbook.directory;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.peerbook.redis.Keys;
import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who is connected where: a connecting peer is authorized (online when approved, else a pending request and a
 * waiting socket), a closing socket leaves, and a dead node's records are cleared. Each change is a book event.
 */
final class Presence extends BookAccess {
  private static final Logger LOG = LoggerFactory.getLogger(Presence.class);
  private static final LuaScript CONNECT = LuaScript.load("connect");
  private static final LuaScript DISCONNECT = LuaScript.load("disconnect");
  private static final LuaScript REAP = LuaScript.load("reap");
  private static final String TOO_MANY = "429";
  private final RequestQuota quota;

  Presence(BookAccess shared) {
    super(shared);
    this.quota = new RequestQuota(redis, keys, cfg.limits().maxRequestsPerAddress());
  }

  Future<JsonObject> connect(JsonObject body) {
    String email = body.getString("email");
    String name = body.getString("name");
    String key = Identity.nameKey(name);
    String fingerprint = body.getString("fingerprint");
    String conn = body.getString("conn");
    String now = now();
    JsonObject location = new JsonObject().put("fingerprint", fingerprint).put("node", body.getString("node"))
        .put("gateway", body.getString("gateway")).put("conn", conn).put("since", now);
    List<String> args = List.of(key, name, fingerprint, body.getString("kind") == null ? "" : body.getString("kind"),
        now, location.encode(), body.getString("address", ""), String.valueOf(cfg.maxPending()),
        String.valueOf(cfg.limits().maxConnectionsPerUser()));
    String node = body.getString("node");
    return authorize(email, args, body.getString("address", "")).compose(r -> {
      if (TOO_MANY.equals(r.get(0).toString())) {
        return Future.succeededFuture(r);
      }
      String member = "200".equals(r.get(0).toString()) ? Keys.onlineMember(email, key)
          : Keys.waitingMember(email, Keys.requestField(key, fingerprint));
      // A record taken over from a socket on another node leaves that node's set.
      JsonObject previous = location(r.get(2));
      List<Map.Entry<String, String>> drop = previous == null || node.equals(previous.getString("node"))
          ? List.of() : List.of(at(previous, member));
      return retrack(email, drop, Map.entry(node, member)).map(r);
    }).map(r -> {
      if (TOO_MANY.equals(r.get(0).toString())) {
        return new JsonObject().put("code", Codes.TOO_MANY);
      }
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
      if ("1".equals(r.get(1).toString())) {
        publish(BookEvent.of(BookEvent.REQUESTED, email).put("name", name).put("fingerprint", fingerprint));
      }
      if (!"full".equals(r.get(1).toString())) {
        // Every waiting connect may mail (a device that reconnects after its link expired gets a new one);
        // the mailer keeps to one mail per user per interval.
        vertx.eventBus().send(Address.MAILER_NOTIFY.address(), new JsonObject().put("email", email),
            new DeliveryOptions().setLocalOnly(true));
      }
      return new JsonObject().put("code", Codes.UNAUTHORIZED).put("pending", !"full".equals(r.get(1).toString()))
          .put("refused", emptyToNull(r.get(3)));
    });
  }

  /**
   * Runs connect.lua. A request that would be new is first counted against its client address's hourly cap, and
   * recorded only within it; a known request or an approved peer costs the address nothing.
   */
  private Future<Response> authorize(String email, List<String> args, String address) {
    if (!quota.enabled()) {
      return CONNECT.run(redis, userKeys(email), with(args, "1"));
    }
    // The second step records a waiting socket: once the gateway has given up (and will send its disconnect, which
    // must come after it), it is not taken, or a socket long closed would be left waiting.
    Deadline deadline = Deadline.start();
    return CONNECT.run(redis, userKeys(email), with(args, "?")).compose(r -> {
      if (!"new".equals(r.get(0).toString())) {
        return Future.succeededFuture(r);
      }
      deadline.check();
      return quota.take(address).compose(ok -> {
        deadline.check();
        return CONNECT.run(redis, userKeys(email), with(args, ok ? "1" : "0"));
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
    List<String> k = List.of(keys.online(email), keys.waiting(email), keys.peers(email), keys.lastSeen(email));
    String field = Keys.requestField(key, leaving.fingerprint());
    List<String> args = List.of(key, field, leaving.conn());
    return DISCONNECT.run(redis, k, args).compose(r -> {
      // Only what this socket held leaves the node's records: a replacing socket on this node holds the same member.
      Request untrack = Request.cmd(Command.SREM).arg(keys.nodeRecords(leaving.node()));
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

  /** Clears every presence record a dead node held; its peers' users hear they went offline. */
  Future<Void> reapNode(String node) {
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
}
