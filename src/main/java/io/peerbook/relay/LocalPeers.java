package io.peerbook.relay;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Every socket of this node, over all its gateway instances: by connection id (where a relayed message or an error
 * for a sender is addressed), and the approved ones by user and name (where a signaling target is looked up). Kept in
 * the Vert.x instance's local shared data, so two nodes in one JVM (the tests) keep apart.
 */
public final class LocalPeers implements Shareable {
  private final ConcurrentHashMap<String, Endpoint> byConn = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Endpoint> approved = new ConcurrentHashMap<>();

  private LocalPeers() {
  }

  public static LocalPeers of(Vertx vertx) {
    return vertx.sharedData().<String, LocalPeers>getLocalMap("peerbook.relay").computeIfAbsent("peers", k -> new LocalPeers());
  }

  public void add(Endpoint e) {
    byConn.put(e.conn(), e);
  }

  public void remove(Endpoint e) {
    byConn.remove(e.conn(), e);
    withdraw(e, e.nameKey());
  }

  /** The socket is now the approved one of its peer (a newer socket of the same peer takes the place of an older). */
  public void approve(Endpoint e) {
    approved.put(key(e.email(), e.nameKey()), e);
  }

  /** The socket is no longer the approved one under {@code nameKey} (closing, revoked, or renamed from it). */
  public void withdraw(Endpoint e, String nameKey) {
    approved.remove(key(e.email(), nameKey), e);
  }

  public Endpoint approved(String email, String nameKey) {
    return approved.get(key(email, nameKey));
  }

  public Endpoint byConn(String conn) {
    return byConn.get(conn);
  }

  private static String key(String email, String nameKey) {
    return email + '\n' + nameKey;
  }
}
