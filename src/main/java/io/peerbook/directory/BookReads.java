package io.peerbook.directory;

import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.peerbook.redis.Keys;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Reading the book: the list approved peers ask for, the whole book for the page and the admin API, routes. */
final class BookReads {
  private final Book book;
  private final Redis redis;
  private final Keys keys;

  BookReads(Book book) {
    this.book = book;
    this.redis = book.redis;
    this.keys = book.keys;
  }

  Future<JsonObject> list(JsonObject body) {
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

  Future<JsonObject> book(JsonObject body) {
    String email = body.getString("email");
    return approved(email).compose(entries -> redis.send(Request.cmd(Command.HGETALL).arg(keys.pending(email)))
        .map(pending -> {
          List<JsonObject> requests = new ArrayList<>();
          pending.getKeys().forEach(field -> requests.add(pendingEntry(pending.get(field).toString())));
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
            JsonObject location = online.containsKey(key) ? new JsonObject(online.get(key)) : null;
            entries.add(rec.entry(last.get(key), book.isOnline(location, rec.fingerprint())));
          }
          entries.sort((a, b) -> a.getString("name").compareToIgnoreCase(b.getString("name")));
          return entries;
        });
  }

  Future<JsonObject> route(JsonObject body) {
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
          JsonObject location = Book.location(rs.get(1));
          if (!book.isOnline(location, rec.fingerprint())) {
            throw new ProtocolException(Codes.OFFLINE, rec.name() + " is not online");
          }
          return new JsonObject().put("name", rec.name()).put("name_key", key).put("fingerprint", rec.fingerprint())
              .put("gateway", location.getString("gateway")).put("conn", location.getString("conn"));
        });
  }

  /**
   * A pending request as the page, the mail and the admin API show it. Requests recorded before device keys have no
   * key fields: they were keyless, and a new name or a changed fingerprint.
   */
  private static JsonObject pendingEntry(String stored) {
    JsonObject request = new JsonObject(stored);
    if (!request.containsKey("change")) {
      request.put("change", request.getString("replaces") == null ? "new" : "fingerprint");
    }
    for (String field : List.of("key", "key_id", "replaces_key_id")) {
      request.put(field, request.getValue(field));
    }
    return request;
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
}
