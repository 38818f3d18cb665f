package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestCluster;
import io.peerbook.support.TestNode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream of signaling across nodes while its route goes stale: every message is delivered once, in order, or its
 * sender hears why not (480 or 503, with the message's id) — none is reordered, duplicated or silently dropped.
 * The route is changed in sequence while the stream flows; each message is accounted for on the event loop as it
 * comes, a checkpoint flagged once per message.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
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
  void targetMovesMidStream(VertxTestContext ctx) {
    // Socket 0 is Beta's first, socket 1 the one it moves to; the end of the stream must reach socket 1.
    Ledger ledger = new Ledger(ctx, 2, 1);
    alpha.handler(ledger::fromSender);
    beta.handler(m -> ledger.delivered(0, m));
    Promise<Void> changed = Promise.promise();
    Checkpoint streamed = ctx.checkpoint();
    PeerClient.await(stream(changed.future(), ctx.succeeding(v -> streamed.flag())));

    PeerClient moved = nodes.get(0).connect(EMAIL, "Beta", fpB);
    moved.expectCode(200);
    moved.handler(m -> ledger.delivered(1, m));
    changed.complete();
  }

  @Test
  @DisplayName("the target's node leaves in the middle of a stream: each message reaches the target, in order, or its sender gets 480 or 503; none twice, none lost")
  void targetNodeLeavesMidStream(VertxTestContext ctx) {
    Ledger ledger = new Ledger(ctx, 1, -1);
    alpha.handler(ledger::fromSender);
    beta.handler(m -> ledger.delivered(0, m));
    Promise<Void> changed = Promise.promise();
    Checkpoint streamed = ctx.checkpoint();
    PeerClient.await(stream(changed.future(), ctx.succeeding(v -> streamed.flag())));

    nodes.remove(1).close();
    changed.complete();
  }

  /**
   * Sends the stream from a thread of its own, each message once the one before is written, so that messages are in
   * flight while the route changes. Returns once a third of it is out; the last third waits for {@code changed}, so
   * that some of the stream surely follows the change; {@code end} hears how the whole stream went.
   */
  private Future<Void> stream(Future<Void> changed, Handler<AsyncResult<Void>> end) {
    Promise<Void> third = Promise.promise();
    Promise<Void> sent = Promise.promise();
    sent.future().onComplete(end);
    new Thread(() -> {
      try {
        for (int i = 0; i < N; i++) {
          if (i == 2 * N / 3) {
            changed.await(30, TimeUnit.SECONDS);
          }
          alpha.send(new JsonObject().put("target", "Beta").put("candidate", i).put("id", i));
          if (i == N / 3) {
            third.complete();
          }
        }
        sent.complete();
      } catch (Throwable t) {
        third.tryFail(t);
        sent.fail(t);
      }
    }, "stream").start();
    return third.future();
  }

  /**
   * Accounts for each message of the stream as it comes: an error to its sender or a delivery to one of the target's
   * sockets, numbered in the order they connected. Each message is accounted for once (its checkpoint is strict),
   * each socket receives in increasing order, and a later socket only what is newer than all an earlier one got.
   * Handlers of different sockets run on different event loops, hence the lock.
   */
  private static final class Ledger {
    private final VertxTestContext ctx;
    private final Checkpoint accounted;
    private final Checkpoint ended;
    private final int endSocket;
    private final Set<Integer> seen = new HashSet<>();
    private final int[] lowest;
    private final int[] highest;

    /** @param endSocket the socket that must receive the last message, or -1 when it may end anywhere */
    Ledger(VertxTestContext ctx, int sockets, int endSocket) {
      this.ctx = ctx;
      this.accounted = ctx.checkpoint(N);
      this.ended = endSocket < 0 ? null : ctx.checkpoint();
      this.endSocket = endSocket;
      lowest = new int[sockets];
      highest = new int[sockets];
      Arrays.fill(lowest, Integer.MAX_VALUE);
      Arrays.fill(highest, -1);
    }

    /** What the sender hears: an error for a message not delivered (presence updates are not the stream's). */
    synchronized void fromSender(JsonObject m) {
      if (!m.containsKey("code")) {
        return;
      }
      ctx.verify(() -> {
        int code = m.getInteger("code");
        assertTrue(code == 480 || code == 503, "unexpected error " + m.encode());
        assertEquals("Beta", m.getString("target"), m.encode());
        once(m.getInteger("id"), -1);
      });
    }

    synchronized void delivered(int socket, JsonObject d) {
      if (!d.containsKey("candidate")) {
        return;
      }
      ctx.verify(() -> {
        int seq = d.getInteger("candidate");
        assertTrue(seq > highest[socket], "socket " + socket + " got " + seq + " after " + highest[socket]);
        for (int earlier = 0; earlier < socket; earlier++) {
          assertTrue(highest[earlier] < seq, "socket " + socket + " got " + seq + " before socket " + earlier
              + " got " + highest[earlier]);
        }
        for (int later = socket + 1; later < lowest.length; later++) {
          assertTrue(seq < lowest[later], "socket " + socket + " got " + seq + " after socket " + later + " got "
              + lowest[later]);
        }
        lowest[socket] = Math.min(lowest[socket], seq);
        highest[socket] = seq;
        once(seq, socket);
      });
    }

    private void once(int seq, int where) {
      assertTrue(seq >= 0 && seq < N, "no such message: " + seq);
      assertTrue(seen.add(seq), "message " + seq + " was accounted for twice");
      if (seq == N - 1 && ended != null) {
        assertEquals(endSocket, where, "the end of the stream reaches socket " + endSocket);
        ended.flag();
      }
      accounted.flag();
    }
  }
}
