package io.peerbook.gateway;

import io.peerbook.relay.LocalPeers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sockets of one gateway instance, by connection id and by user. Confined to that instance's event loop. Each
 * socket holds one of the node's places ({@link NodeConnections}) from {@link #reserve} until it is removed, and is
 * known to the node's forwarding ({@link LocalPeers}) meanwhile.
 */
final class Connections {
  /** Concurrent only so that the connections gauge, read on the thread that serves /metrics, may walk it. */
  private final Map<String, PeerSession> byConn = new ConcurrentHashMap<>();
  private final Map<String, List<PeerSession>> byEmail = new HashMap<>();
  private final NodeConnections node;
  private final LocalPeers peers;

  Connections(NodeConnections node, LocalPeers peers) {
    this.node = node;
    this.peers = peers;
  }

  /** Takes the node's place for a socket about to be upgraded; false when the node is full. */
  boolean reserve() {
    return node.reserve();
  }

  /** Gives back a place taken by {@link #reserve} for an upgrade that did not happen. */
  void unreserve() {
    node.release();
  }

  /** Adds an upgraded socket, which holds the place its upgrade reserved. */
  void add(PeerSession s) {
    byConn.put(s.conn(), s);
    peers.add(s);
    byEmail.computeIfAbsent(s.email(), e -> new ArrayList<>(2)).add(s);
  }

  void remove(PeerSession s) {
    if (byConn.remove(s.conn()) == null) {
      return;
    }
    node.release();
    peers.remove(s);
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

  /** How many sockets are in this state (for the connections gauge; walks them all, read at scrape time). */
  int count(Admission.State state) {
    int n = 0;
    for (PeerSession s : byConn.values()) {
      if (s.state() == state) {
        n++;
      }
    }
    return n;
  }
}
