package io.peerbook.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * New connects made one after another while a backing service fails, each timed from the request to its first
 * answer (an HTTP refusal before the upgrade, or the first status): the contract wants 503 within 2 s, never a hang.
 */
public final class Probes {
  /** The contract's 2 s, plus what a busy two-core machine adds to the round trip of a fresh connection. */
  public static final long ANSWER_MS = 2_500;
  private final Vertx vertx;
  private final int port;
  private final String email;
  private final String name;
  private final String fingerprint;
  public final List<Answer> answers = new ArrayList<>();

  public record Answer(long at, int code, long millis) {
  }

  /** Probes connect as this (approved) peer. */
  public Probes(Vertx vertx, int port, String email, String name, String fingerprint) {
    this.vertx = vertx;
    this.port = port;
    this.email = email;
    this.name = name;
    this.fingerprint = fingerprint;
  }

  /** One connect: its first answer, how long it took, and the socket closed again. */
  public Answer once() {
    long t0 = System.nanoTime();
    int code;
    PeerClient c = null;
    try {
      c = PeerClient.connect(vertx, port, email, name, fingerprint, null);
      code = c.next().getInteger("code", -1);
    } catch (RuntimeException e) {
      code = rejected(e);
    } finally {
      if (c != null) {
        c.close();
      }
    }
    Answer a = new Answer(System.nanoTime(), code, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    answers.add(a);
    assertTrue(a.millis() <= ANSWER_MS, "a connect took " + a.millis() + " ms to be answered (" + code + ")");
    return a;
  }

  /** Probes until a connect is answered {@code code} after at least one 503, or fails at the deadline. */
  public Answer untilBack(int code, long deadlineNanos) {
    boolean down = false;
    while (System.nanoTime() < deadlineNanos) {
      Answer a = once();
      assertTrue(a.code() == 503 || a.code() == code, "a connect during the failover got " + a.code());
      down |= a.code() == 503;
      if (down && a.code() == code) {
        return a;
      }
      PeerClient.await(vertx.timer(100));
    }
    throw new AssertionError("not back within the deadline; answers: " + answers);
  }

  /** The first 503 answered. */
  public Answer first503() {
    return answers.stream().filter(a -> a.code() == 503).findFirst().orElseThrow();
  }

  private static int rejected(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UpgradeRejectedException r) {
        return r.getStatus();
      }
    }
    throw e;
  }
}
