package io.peerbook.relay;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Route;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

/**
 * Where the approved peers that live on other nodes are connected, for this whole node: learned from the book events
 * (peers that come online, are approved or reconnect) and from the directory's answers, forgotten when a book event
 * says they changed or their node left; bounded ({@code route_cache}, 0 = none). A stale route is harmless: the node it
 * names refuses the message, the sender hears 480, and the route is looked up again for what follows.
 */
public final class RouteCache implements Shareable {
  private final Cache<String, Route> routes;

  private RouteCache(int capacity) {
    this.routes = capacity == 0 ? null : Caffeine.newBuilder().maximumSize(capacity).build();
  }

  public static RouteCache of(Vertx vertx, int capacity) {
    return vertx.sharedData().<String, RouteCache>getLocalMap("peerbook.relay")
        .computeIfAbsent("routes", k -> new RouteCache(capacity));
  }

  Route get(String email, String nameKey) {
    return routes == null ? null : routes.getIfPresent(key(email, nameKey));
  }

  void put(String email, Route route) {
    if (routes != null) {
      routes.put(key(email, route.nameKey()), route);
    }
  }

  void evict(String email, String nameKey) {
    if (routes != null) {
      routes.invalidate(key(email, nameKey));
    }
  }

  /** A node left: none of its routes holds. */
  void evictNode(String node) {
    if (routes != null) {
      routes.asMap().values().removeIf(r -> node.equals(r.node()));
    }
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
