package io.peerbook.gateway;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Route;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routes to the sockets of other gateway instances, learned from the book events (peers that come online, are
 * approved or reconnect) and from the relay's answers, forgotten when a book event says they changed; least recently
 * used first out. A stale route is harmless: the gateway that holds the connection refuses it, and the message goes
 * through the relay, which looks the route up again. Confined to one gateway instance's event loop.
 */
final class RouteCache {
  private final Map<String, Route> routes;

  RouteCache(int capacity) {
    this.routes = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Route> eldest) {
        return size() > capacity;
      }
    };
  }

  Route get(String email, String nameKey) {
    return routes.get(key(email, nameKey));
  }

  void put(String email, Route route) {
    routes.put(key(email, route.nameKey()), route);
  }

  void evict(String email, String nameKey) {
    routes.remove(key(email, nameKey));
  }

  /** Keeps the cache close to the truth: learns routes of peers that come online, forgets those that leave. */
  void track(JsonObject event) {
    String email = event.getString("email");
    String key = event.getString("name_key");
    if (email == null || key == null) {
      return;
    }
    switch (event.getString("event")) {
      case BookEvent.ONLINE, BookEvent.APPROVED -> {
        evict(email, key);
        JsonObject peer = event.getJsonObject("peer");
        if (event.getString("conn") != null && event.getString("gateway") != null) {
          put(email, new Route(peer.getString("name"), key, peer.getString("fingerprint"),
              event.getString("gateway"), event.getString("conn")));
        }
      }
      case BookEvent.REPLACED -> {
        evict(email, key);
        if (event.getString("gateway") != null) {
          // An approved peer reconnected: its new socket is the route.
          put(email, new Route(event.getString("name"), key, event.getString("fingerprint"),
              event.getString("gateway"), event.getString("keep")));
        }
      }
      case BookEvent.RENAMED -> {
        evict(email, event.getString("old_key"));
        evict(email, key);
      }
      default -> evict(email, key);
    }
  }

  private static String key(String email, String nameKey) {
    return email + '\n' + nameKey;
  }
}
