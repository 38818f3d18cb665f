package io.peerbook.support;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A peer that keeps reading on its own thread, across reconnects: the offers it receives (by sender and sequence
 * number), the errors its own offers are answered with (by message id), and whatever else it did not expect.
 */
public final class StreamingPeer {
  public final String name;
  public final String fingerprint;
  private final Map<String, List<Integer>> received = new ConcurrentHashMap<>();
  private final Map<String, Integer> errors = new ConcurrentHashMap<>();
  private final Set<String> unexpected = ConcurrentHashMap.newKeySet();
  private volatile PeerClient client;

  public StreamingPeer(String name, String fingerprint) {
    this.name = name;
    this.fingerprint = fingerprint;
  }

  /** Takes over an approved connection and reads it until it closes. */
  public void attach(PeerClient connected) {
    client = connected;
    Thread reader = new Thread(() -> read(connected), "peer-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  private void read(PeerClient c) {
    while (!c.isClosed() || !c.inboxEmpty()) {
      JsonObject m;
      try {
        m = c.next(x -> true, 1);
      } catch (AssertionError quiet) {
        continue; // nothing for a second: look again unless closed
      }
      if (m.containsKey("offer") && m.containsKey("source")) {
        received.computeIfAbsent(m.getString("source"), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
            .add(m.getJsonObject("offer").getInteger("seq"));
      } else if (m.containsKey("code") && m.containsKey("id")) {
        errors.put(m.getValue("id").toString(), m.getInteger("code"));
      } else if (!m.containsKey("peer_update")) {
        unexpected.add(m.encode());
      }
    }
  }

  /** The connection now, or null while it is away. */
  public PeerClient client() {
    return client;
  }

  public void away() {
    client = null;
  }

  /** Sends an offer to {@code target}; false when this peer is away or its socket is closing. */
  public boolean offer(String target, int seq) {
    PeerClient c = client;
    if (c == null || c.isClosed()) {
      return false;
    }
    try {
      c.send(new JsonObject().put("target", target).put("offer", new JsonObject().put("seq", seq))
          .put("id", id(name, target, seq)));
      return true;
    } catch (RuntimeException | AssertionError closing) {
      return false;
    }
  }

  public static String id(String from, String to, int seq) {
    return from + ">" + to + ":" + seq;
  }

  /** The sequence numbers received from {@code source}, in arrival order. */
  public List<Integer> from(String source) {
    return received.getOrDefault(source, List.of());
  }

  /** The code an offer of this peer was answered with, or null. */
  public Integer error(String id) {
    return errors.get(id);
  }

  public Set<String> unexpected() {
    return unexpected;
  }
}
