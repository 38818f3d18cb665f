package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.JarCluster;
import io.peerbook.support.JarProcess;
import io.peerbook.support.PeerClient;
import io.peerbook.support.StreamingPeer;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rolling restart of docs/operations.md on three clustered nodes of the packaged jar: each node in turn gets
 * SIGTERM and is started again while every peer keeps sending offers to every other. Peers that stay connected lose
 * nothing; each offer to a peer of the restarting node is delivered or answered 480 or 503; the restarted node's peer
 * comes back.
 */
class RollingRestartIT {
  private static final String EMAIL = "rita@example.com";
  private static final String TOKEN = "rolling-admin";
  /** Two streams per peer stay within the default message rate (50 per second). */
  private static final long EVERY_MS = 50;
  private static final long SETTLE_MS = 500;
  @TempDir
  Path folder;
  private TestRedis redis;
  private Vertx vertx;
  private final List<Map<String, String>> envs = new ArrayList<>();
  private final List<JarProcess> nodes = new ArrayList<>();
  private final List<StreamingPeer> peers = new ArrayList<>();
  /** Offers checked strictly (delivered, none lost) or leniently (delivered or answered 480/503), by message id. */
  private final Map<String, Boolean> strict = new ConcurrentHashMap<>();
  private final AtomicBoolean sending = new AtomicBoolean(true);
  private volatile int restarting = -1;

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
    envs.addAll(JarCluster.envs(3, redis.url(), TOKEN));
    for (int i = 0; i < 3; i++) {
      nodes.add(launch(i));
    }
    for (JarProcess node : nodes) {
      JarCluster.awaitReady(node);
    }
  }

  @AfterEach
  void stop() {
    sending.set(false);
    nodes.forEach(JarProcess::kill);
    vertx.close().await();
    redis.close();
  }

  private JarProcess launch(int i) throws Exception {
    return JarProcess.launch(Files.createDirectories(folder.resolve("node" + i + "-" + UUID.randomUUID())), envs.get(i));
  }

  @Test
  @DisplayName("rolling restart of three nodes under load: no offer between connected peers is lost, each offer to the restarting node's peer is delivered or answered 480/503, and its peer comes back")
  void rollingRestart() throws Exception {
    for (int i = 0; i < 3; i++) {
      StreamingPeer p = new StreamingPeer("P" + i, Fingerprints.random());
      assertEquals(201, Admin.provision(nodes.get(0).port, TOKEN, EMAIL, p.name, p.fingerprint, null));
      peers.add(p);
      connect(i);
    }
    List<Thread> senders = new ArrayList<>();
    for (int from = 0; from < 3; from++) {
      for (int to = 0; to < 3; to++) {
        if (from != to) {
          Thread t = new Thread(stream(from, to), "stream-" + from + "-" + to);
          t.start();
          senders.add(t);
        }
      }
    }
    for (int r = 0; r < 3; r++) {
      vertx.timer(1000).await(); // load between the restarts, not a wait for an event
      restarting = r;
      // Offers sent before this point count as strict: they get the time a relay takes to land before the SIGTERM.
      vertx.timer(SETTLE_MS).await();
      JarProcess old = nodes.get(r);
      long t0 = System.nanoTime();
      old.process.destroy();
      assertEquals((short) 1001, peers.get(r).client().awaitClose());
      peers.get(r).away();
      assertTrue(old.process.waitFor(20, TimeUnit.SECONDS), "node " + r + " did not stop:\n" + old.log());
      JarProcess fresh = launch(r);
      nodes.set(r, fresh);
      JarCluster.awaitReady(fresh);
      connect(r);
      System.out.printf("node %d restarted: its peer back after %d ms%n", r,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      restarting = -1;
    }
    vertx.timer(1000).await();
    sending.set(false);
    for (Thread t : senders) {
      t.join();
    }
    check();
  }

  /** Every offer is where it must be, once it could have arrived. */
  private void check() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    List<String> missing = missing();
    while (!missing.isEmpty() && System.nanoTime() < deadline) {
      vertx.timer(100).await();
      missing = missing();
    }
    assertTrue(missing.isEmpty(), missing.size() + " offers neither delivered nor answered: "
        + missing.subList(0, Math.min(20, missing.size())));
    int lenient = 0;
    for (StreamingPeer p : peers) {
      assertTrue(p.unexpected().isEmpty(), p.name + " got " + p.unexpected());
      for (StreamingPeer q : peers) {
        List<Integer> seqs = new ArrayList<>(q.from(p.name));
        for (int i = 1; i < seqs.size(); i++) {
          assertTrue(seqs.get(i) > seqs.get(i - 1), p.name + " to " + q.name + " out of order: " + seqs);
        }
      }
    }
    for (Map.Entry<String, Boolean> e : strict.entrySet()) {
      lenient += e.getValue() ? 0 : 1;
    }
    System.out.printf("rolling restart: %d offers, %d of them to a restarting node's peer%n", strict.size(), lenient);
  }

  private List<String> missing() {
    List<String> out = new ArrayList<>();
    strict.forEach((id, mustArrive) -> {
      String[] f = id.split("[>:]");
      StreamingPeer from = peer(f[0]);
      StreamingPeer to = peer(f[1]);
      int seq = Integer.parseInt(f[2]);
      boolean delivered = to.from(from.name).contains(seq);
      Integer error = from.error(id);
      if (!delivered && (mustArrive || error == null || error != 480 && error != 503)) {
        out.add(id + (error == null ? "" : " answered " + error));
      }
    });
    return out;
  }

  private StreamingPeer peer(String name) {
    return peers.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow();
  }

  private Runnable stream(int from, int to) {
    return () -> {
      int seq = 0;
      while (sending.get()) {
        int r = restarting;
        // A peer being restarted sends nothing: what it sent while its node went down is not this test's question.
        if (r != from) {
          String id = StreamingPeer.id(peers.get(from).name, peers.get(to).name, seq);
          strict.put(id, r != to);
          if (peers.get(from).offer(peers.get(to).name, seq)) {
            seq++;
          } else {
            strict.remove(id);
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(EVERY_MS));
      }
    };
  }

  private void connect(int i) {
    StreamingPeer p = peers.get(i);
    PeerClient c = PeerClient.connect(vertx, nodes.get(i).port, EMAIL, p.name, p.fingerprint, null);
    c.expectCode(200);
    p.attach(c);
  }
}
