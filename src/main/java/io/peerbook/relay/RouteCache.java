package io.peerbook.relay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routes of recently used or recently connected peers, least recently used first out. A stale route is harmless:
 * the gateway refuses a connection that is gone or is no longer that peer, and the relay looks the route up again.
 * Confined to one relay instance's event loop.
 */
final class RouteCache {
  private final Map<String, Route> routes;

  RouteCache(int capacity) {
    this.routes = new LinkedHashMap<>(1024, 0.75f, true) {
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

  int size() {
    return routes.size();
  }

  private static String key(String email, String nameKey) {
    return email + '\n' + nameKey;
  }
}
