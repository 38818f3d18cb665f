package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestCluster;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A stream of signaling across nodes while its route goes stale: every message is delivered once, in order, or its
 * sender hears why not (480 or 503, with the message's id) — none is reordered, duplicated or silently dropped.
 */
class RelayOrderingTest {
  private static final String EMAIL = "orla@example.com";
  private static final int N = 1500;
  private List<TestNode> nodes;
  private final String fpA = Fingerprints.random();
  private final String fpB = Fingerprints.random();
  private PeerClient alpha;
  private PeerClient beta;

  @BeforeEach
  void pairAcrossNodes() {
    nodes = new ArrayList<>(TestCluster.start(2, Map.of("admin_token", SocketKit.ADMIN_TOKEN, "msg_rate", 0)));
    provision(nodes.get(0), EMAIL, "Alpha", fpA);
    provision(nodes.get(0), EMAIL, "Beta", fpB);
    alpha = nodes.get(0).connect(EMAIL, "Alpha", fpA);
    alpha.expectCode(200);
    beta = nodes.get(1).connect(EMAIL, "Beta", fpB);
    beta.expectCode(200);
    assertEquals("online", alpha.nextUpdate().getString("event"));
  }

  @AfterEach
  void stop() {
    if (nodes != null) {
      nodes.forEach(TestNode::close);
    }
  }

  @Test
  @DisplayName("the target reconnects to the sender's node in the middle of a stream: each message reaches the old socket or the new one, in order, or its sender gets 480; none twice, none lost")
  void targetMovesMidStream() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Thread stream = streamInBackground(done);
    PeerClient moved = nodes.get(0).connect(EMAIL, "Beta", fpB);
    moved.expectCode(200);
    done.countDown();
    stream.join();

    List<Integer> errors = new ArrayList<>();
    List<Integer> toOld = new ArrayList<>();
    List<Integer> toNew = new ArrayList<>();
    account(errors, List.of(beta, moved), List.of(toOld, toNew));
    assertAllOnce(errors, toOld, toNew);
    assertIncreasing("the old socket", toOld);
    assertIncreasing("the new socket", toNew);
    if (!toOld.isEmpty() && !toNew.isEmpty()) {
      assertTrue(toOld.get(toOld.size() - 1) < toNew.get(0), "a message reached the new socket before an older one the old");
    }
    assertTrue(!toNew.isEmpty() && toNew.get(toNew.size() - 1) == N - 1, "the end of the stream reaches the new socket");
  }

  @Test
  @DisplayName("the target's node leaves in the middle of a stream: each message reaches the target, in order, or its sender gets 480 or 503; none twice, none lost")
  void targetNodeLeavesMidStream() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Thread stream = streamInBackground(done);
    nodes.remove(1).close();
    done.countDown();
    stream.join();

    List<Integer> errors = new ArrayList<>();
    List<Integer> delivered = new ArrayList<>();
    account(errors, List.of(beta), List.of(delivered));
    assertAllOnce(errors, delivered);
    assertIncreasing("the target", delivered);
  }

  /**
   * Sends the stream from another thread, so that messages are in flight while the route changes: returns once a third
   * of it is out; the last third waits for {@code changed}, so that some of the stream surely follows the change.
   */
  private Thread streamInBackground(CountDownLatch changed) throws InterruptedException {
    CountDownLatch third = new CountDownLatch(1);
    Thread stream = new Thread(() -> {
      for (int i = 0; i < N; i++) {
        if (i == 2 * N / 3) {
          await(changed);
        }
        alpha.send(new JsonObject().put("target", "Beta").put("candidate", i).put("id", i));
        if (i == N / 3) {
          third.countDown();
        }
      }
    }, "stream");
    stream.start();
    assertTrue(third.await(30, TimeUnit.SECONDS), "the stream did not start");
    return stream;
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(30, TimeUnit.SECONDS), "the change did not happen");
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Collects until every message is accounted for: its errors from the sender, its deliveries from each socket. */
  private void account(List<Integer> errors, List<PeerClient> targets, List<List<Integer>> received) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (total(errors, received) < N) {
      if (System.nanoTime() > deadline) {
        fail("accounted for " + total(errors, received) + " of " + N + " messages: errors " + errors.size()
            + ", delivered " + received.stream().map(List::size).toList());
      }
      JsonObject m = alpha.poll(20);
      if (m != null && m.containsKey("code")) {
        int code = m.getInteger("code");
        assertTrue(code == 480 || code == 503, "unexpected error " + m.encode());
        assertEquals("Beta", m.getString("target"), m.encode());
        errors.add(m.getInteger("id"));
      }
      for (int t = 0; t < targets.size(); t++) {
        for (JsonObject d = targets.get(t).poll(0); d != null; d = targets.get(t).poll(0)) {
          if (d.containsKey("candidate")) {
            received.get(t).add(d.getInteger("candidate"));
          }
        }
      }
    }
  }

  private static int total(List<Integer> errors, List<List<Integer>> received) {
    return errors.size() + received.stream().mapToInt(List::size).sum();
  }

  @SafeVarargs
  private static void assertAllOnce(List<Integer>... parts) {
    TreeSet<Integer> seen = new TreeSet<>();
    int count = 0;
    for (List<Integer> part : parts) {
      seen.addAll(part);
      count += part.size();
    }
    assertEquals(N, count, "a message was accounted for twice");
    assertEquals(N, seen.size(), "duplicates");
    assertEquals(0, seen.first());
    assertEquals(N - 1, seen.last());
  }

  private static void assertIncreasing(String where, List<Integer> seqs) {
    for (int i = 1; i < seqs.size(); i++) {
      if (seqs.get(i) <= seqs.get(i - 1)) {
        fail(where + " got " + seqs.get(i) + " after " + seqs.get(i - 1));
      }
    }
  }
}
