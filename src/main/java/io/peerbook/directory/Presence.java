package io.peerbook.directory;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.AddressQuota;
import io.peerbook.redis.Keys;
import io.peerbook.redis.Pipelines;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Who is connected where: a connecting peer is authorized (online when approved, else a pending request and a
 * waiting socket), a closing socket leaves, and a dead node's records are cleared. Each change is a book event.
 */
final class Presence {
  private final Book book;
  private final AddressQuota quota;
  private final MailNotice mailNotice;
  private final Departures departures;
  private final Reaper reaper;

  Presence(Book book, Pipelines pipelines) {
    this.book = book;
    this.quota = new AddressQuota(book.redis, book.keys, book.cfg.limits().maxRequestsPerAddress());
    this.mailNotice = new MailNotice(book.vertx.eventBus(), book.cfg);
    this.departures = new Departures(book, pipelines);
    this.reaper = new Reaper(book, pipelines);
  }

  Future<JsonObject> connect(JsonObject body) {
    Deadline deadline = Deadline.start();
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
        String.valueOf(book.cfg.limits().maxConnectionsPerUser()), deviceKey == null ? "" : deviceKey.encoded(), keyId,
        Keys.socket(email, conn));
    List<String> keys = new ArrayList<>(book.userKeys(email));
    keys.add(book.keys.nodeSockets(body.getString("node"), email));
    return authorize(keys, args, body.getString("address", ""), deadline).compose(r -> switch (r.outcome()) {
      case TOO_MANY -> Future.succeededFuture(new JsonObject().put("code", Codes.TOO_MANY));
      case APPROVED -> Future.succeededFuture(approved(r, email, key, conn, body.getString("gateway"), now));
      case WAITING -> waiting(r, email, name, key, fingerprint, deviceKey, conn, deadline);
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

  private Future<JsonObject> waiting(ConnectResult r, String email, String name, String key, String fingerprint,
                                     DeviceKey deviceKey, String conn, Deadline deadline) {
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
    JsonObject answer = new JsonObject().put("code", Codes.UNAUTHORIZED).put("pending", recorded)
        .put("refused", r.refused());
    if (!recorded) {
      return Future.succeededFuture(r.retryAfter() > 0 ? answer.put("retry_after", r.retryAfter()) : answer);
    }
    // Every waiting connect may mail (a device that reconnects after its link expired gets a new one); the mailer
    // keeps to one mail per user per interval, and its answer tells the device which it was.
    return mailNotice.ask(email, deadline).map(mail -> answer.put("mail", mail));
  }

  /**
   * Runs connect.lua. A request that would be new is first counted against its client address's hourly cap, and
   * recorded only within it; a known request or an approved peer costs the address nothing.
   */
  private Future<ConnectResult> authorize(List<String> userKeys, List<String> args, String address,
                                          Deadline deadline) {
    if (!quota.enabled()) {
      return ConnectResult.run(book.redis, userKeys, with(args, "1"));
    }
    // The second step records a waiting socket: once the gateway has given up (and will send its disconnect, which
    // must come after it), it is not taken, or a socket long closed would be left waiting.
    return ConnectResult.run(book.redis, userKeys, with(args, "?")).compose(r -> {
      if (r.outcome() != ConnectResult.Outcome.UNCOUNTED) {
        return Future.succeededFuture(r);
      }
      deadline.check();
      return quota.take(address).compose(wait -> {
        deadline.check();
        return ConnectResult.run(book.redis, userKeys, with(args, wait == 0 ? "1" : "0"))
            .map(counted -> counted.retryAfter(wait));
      });
    });
  }

  private static List<String> with(List<String> args, String last) {
    List<String> all = new ArrayList<>(args);
    all.add(last);
    return all;
  }

  /**
   * One closed socket ({@link Disconnect}'s body) or many ({sockets: [body, …]}): their records go in the next batch
   * ({@link Departures}); the reply comes once they are cleared.
   */
  Future<JsonObject> disconnect(JsonObject body) {
    List<Disconnect> sockets = new ArrayList<>();
    if (body.containsKey("sockets")) {
      if (!(body.getValue("sockets") instanceof JsonArray list)) {
        throw ProtocolException.badRequest("sockets must be an array");
      }
      for (Object o : list) {
        if (!(o instanceof JsonObject socket)) {
          throw ProtocolException.badRequest("sockets must be objects");
        }
        sockets.add(Disconnect.from(socket));
      }
    } else {
      sockets.add(Disconnect.from(body));
    }
    return departures.leave(sockets).map(v -> new JsonObject());
  }

  /** Completes once the disconnects received so far are cleared. */
  Future<Void> drained() {
    return departures.drained();
  }

  /** Clears every record a dead node held; its peers' users hear they went offline. */
  Future<Reaper.Reaped> reapNode(String node) {
    return reaper.reap(node);
  }
}
