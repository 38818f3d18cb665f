package io.peerbook.gateway;

/**
 * The per-connection message rate limit: {@code rate} tokens a second, at most {@code burst} saved up.
 * Also counts what it drops in ten-second windows, so that sustained abuse can be told from a burst.
 */
final class TokenBucket {
  static final long ABUSE_WINDOW_NS = 10_000_000_000L;
  private final double rate;
  private final double burst;
  private final long abuseThreshold;
  private double tokens;
  private long last;
  private long windowStart;
  private long droppedInWindow;

  /** @param abuseThreshold drops within one window that count as abuse */
  TokenBucket(int rate, int burst, long abuseThreshold, long nowNs) {
    this.rate = rate;
    this.burst = Math.max(1, burst);
    this.abuseThreshold = abuseThreshold;
    this.tokens = this.burst;
    this.last = nowNs;
    this.windowStart = nowNs;
  }

  /** Takes one token; false when the message must be dropped. */
  boolean tryTake(long nowNs) {
    tokens = Math.min(burst, tokens + (nowNs - last) * rate / 1e9);
    last = nowNs;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    if (nowNs - windowStart > ABUSE_WINDOW_NS) {
      windowStart = nowNs;
      droppedInWindow = 0;
    }
    droppedInWindow++;
    return false;
  }

  /** True once the drops of the current window pass the abuse threshold. */
  boolean abusive() {
    return droppedInWindow > abuseThreshold;
  }
}
