package io.peerbook.support;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two connected peers that keep signaling while something else happens: {@code from} sends an offer with a sequence
 * number every {@link #EVERY_MS}, {@code to} reads them on its own thread. {@link #stop} checks that every offer
 * arrived, in order, stamped, and that nothing but presence updates (no error) came back to the sender.
 */
public final class RelayWatch {
  static final long EVERY_MS = 20;
  /** The last offer, sent by {@link #stop}: the receiver stops at it. */
  private static final int END = -1;
  private final PeerClient from;
  private final PeerClient to;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Integer> received = new ArrayList<>();
  private final Thread sender;
  private final Thread receiver;
  private volatile int sent;
  private volatile Throwable failure;

  public RelayWatch(PeerClient from, PeerClient to) {
    this.from = from;
    this.to = to;
    sender = new Thread(this::send, "relay-watch-send");
    receiver = new Thread(this::receive, "relay-watch-receive");
    receiver.start();
    sender.start();
  }

  private void send() {
    try {
      while (running.get()) {
        from.send(new JsonObject().put("target", to.name).put("offer", new JsonObject().put("seq", sent)));
        sent++;
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(EVERY_MS));
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  private void receive() {
    try {
      while (true) {
        // Presence updates of the user's other devices may come in between.
        JsonObject m = to.next(x -> !x.containsKey("peer_update"));
        assertEquals(from.name, m.getString("source"), m.encode());
        int seq = m.getJsonObject("offer").getInteger("seq");
        if (seq == END) {
          return;
        }
        synchronized (received) {
          received.add(seq);
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** Stops sending, waits for the last offers, and checks them all: returns how many went through. */
  public int stop() throws InterruptedException {
    running.set(false);
    sender.join(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    from.send(new JsonObject().put("target", to.name).put("offer", new JsonObject().put("seq", END)));
    receiver.join(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS * 2));
    if (failure != null) {
      throw new AssertionError("relay broke after " + received.size() + " of " + sent + " offers", failure);
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < sent; i++) {
      expected.add(i);
    }
    synchronized (received) {
      assertEquals(expected, received, "every offer arrives once, in order");
    }
    from.send(new JsonObject().put("command", "ping").put("id", "relay-watch"));
    JsonObject m = from.next(x -> !x.containsKey("peer_update"));
    assertEquals("relay-watch", m.getValue("id"), "the sender got " + m.encode());
    return sent;
  }
}
