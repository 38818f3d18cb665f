package io.peerbook.gateway;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The sockets of one gateway instance, by connection id and by user. Confined to that instance's event loop. */
final class Connections {
  private final Map<String, PeerSession> byConn = new HashMap<>();
  private final Map<String, List<PeerSession>> byEmail = new HashMap<>();

  void add(PeerSession s) {
    byConn.put(s.conn(), s);
    byEmail.computeIfAbsent(s.email(), e -> new ArrayList<>(2)).add(s);
  }

  void remove(PeerSession s) {
    if (byConn.remove(s.conn()) == null) {
      return;
    }
    List<PeerSession> list = byEmail.get(s.email());
    if (list != null) {
      list.remove(s);
      if (list.isEmpty()) {
        byEmail.remove(s.email());
      }
    }
  }

  PeerSession get(String conn) {
    return byConn.get(conn);
  }

  /** A copy, so that a handler may close sockets while it walks the list. */
  List<PeerSession> ofUser(String email) {
    List<PeerSession> list = byEmail.get(email);
    return list == null ? List.of() : List.copyOf(list);
  }

  Collection<PeerSession> all() {
    return List.copyOf(byConn.values());
  }

  int size() {
    return byConn.size();
  }

  /** How many sockets are in this state (for the connections gauge; walks them all, read at scrape time). */
  int count(PeerSession.State state) {
    int n = 0;
    for (PeerSession s : byConn.values()) {
      if (s.state() == state) {
        n++;
      }
    }
    return n;
  }
}
