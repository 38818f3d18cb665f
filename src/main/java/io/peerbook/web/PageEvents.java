package io.peerbook.web;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Server-sent events for open management pages ({@code GET /manage/events}). Every gateway instance hears every
 * book event of the cluster; each writes an event only to the streams opened on it by that event's own user. An
 * event says just what changed and whose name: the page then fetches its lists again with its session, so the lists
 * are only ever rendered by the server.
 */
final class PageEvents {
  /**
   * A comment this often keeps proxies from closing an idle stream, and each one first checks the session again: a
   * stream never outlives its session by more than this.
   */
  static final long HEARTBEAT_MS = 15_000;
  /** How long a browser waits before reconnecting a dropped stream (a node going away, a proxy timeout). */
  private static final long RETRY_MS = 3_000;

  private final Vertx vertx;
  private final Map<String, Set<HttpServerResponse>> streams = new HashMap<>();

  PageEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Turns the response into a stream of the user's book events, ended when the session is gone. */
  void open(HttpServerResponse res, String email, String sessionId) {
    res.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8");
    streams.computeIfAbsent(email, e -> new LinkedHashSet<>()).add(res);
    long heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id ->
        Bus.request(vertx.eventBus(), Address.MAILER_SESSION, new JsonObject().put("session", sessionId)).onComplete(ar -> {
          if (res.ended() || res.closed()) {
            return;
          }
          if (ar.failed() && Bus.code(ar.cause()) == Codes.UNAUTHORIZED) {
            res.end();
          } else {
            res.write(": still here\n\n"); // a storage outage is no reason to drop a page that was allowed in
          }
        }));
    Runnable forget = () -> {
      vertx.cancelTimer(heartbeat);
      Set<HttpServerResponse> own = streams.get(email);
      if (own != null && own.remove(res) && own.isEmpty()) {
        streams.remove(email);
      }
    };
    res.closeHandler(v -> forget.run());
    res.endHandler(v -> forget.run());
    res.write("retry: " + RETRY_MS + "\n\n");
  }

  /** Forwards a book event to the open pages of its user. */
  void publish(JsonObject event) {
    Set<HttpServerResponse> own = streams.get(event.getString("email"));
    String kind = event.getString("event");
    if (own == null || BookEvent.REPLACED.equals(kind)) {
      return; // a replaced socket changes nothing a page shows
    }
    JsonObject peer = event.getJsonObject("peer");
    JsonObject data = new JsonObject().put("event", kind)
        .put("name", peer != null ? peer.getString("name") : event.getString("name"))
        .put("old_name", event.getString("old_name"));
    String frame = "event: book\ndata: " + data.encode() + "\n\n";
    for (HttpServerResponse res : new ArrayList<>(own)) {
      // A page that does not read its stream misses events rather than piling them up here; it catches up on the
      // next event it does read, since every event makes it fetch the whole lists again.
      if (!res.writeQueueFull()) {
        res.write(frame);
      }
    }
  }

  /** Ends every stream: the browsers reconnect, to another node if this one is going away. */
  void close() {
    List<HttpServerResponse> all = new ArrayList<>();
    streams.values().forEach(all::addAll);
    all.forEach(res -> {
      if (!res.ended() && !res.closed()) {
        res.end();
      }
    });
  }
}
