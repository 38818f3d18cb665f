package io.peerbook.support;

import io.micrometer.core.instrument.Timer;
import io.peerbook.metrics.Meters;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** How many Redis requests peerbook's clients sent, by command, as its own metric (peerbook_redis) counts them. */
public final class RedisCalls {
  /**
   * What the directory sends for a connect, a disconnect or a dead node, one per socket: scripts, and the set
   * commands it once sent beside them. (A new request also makes the mailer read the book: not counted here.)
   */
  public static final Set<String> PER_SOCKET = Set.of("evalsha", "eval", "sadd", "srem", "sscan");
  private final Map<String, Long> counts;

  private RedisCalls(Map<String, Long> counts) {
    this.counts = counts;
  }

  public static RedisCalls now() {
    Map<String, Long> counts = new HashMap<>();
    for (Timer t : Meters.registry().find("peerbook_redis").timers()) {
      counts.merge(t.getId().getTag("command"), t.count(), Long::sum);
    }
    return new RedisCalls(counts);
  }

  /** Requests of these commands sent since {@code before}. */
  public long since(RedisCalls before, Set<String> commands) {
    long n = 0;
    for (String c : commands) {
      n += counts.getOrDefault(c, 0L) - before.counts.getOrDefault(c, 0L);
    }
    return n;
  }

  public long since(RedisCalls before, String command) {
    return since(before, Set.of(command));
  }
}
