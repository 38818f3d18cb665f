package io.peerbook.bench;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many peers leaving at once: a mass disconnect of a node's idle peers (every client socket closed in one go), and a
 * node killed with SIGKILL while it holds them. Both are timed until Redis holds none of their presence records (read
 * with {@code redis-cli --scan}: a user's online hash is deleted when its last field goes), and the mass disconnect
 * counts the Redis requests that failed (peerbook's own meter) and the warnings peerbook logged meanwhile.
 */
final class Churn {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** How often the orchestrator looks at Redis while it waits (its pacing, not a test's wait). */
  private static final long POLL_MS = 100;
  private static final double TIMEOUT_S = 120;
  private final LoadGen gen;
  private final int redisPort;
  private final String prefix;

  Churn(LoadGen gen, int redisPort, String prefix) {
    this.gen = gen;
    this.redisPort = redisPort;
    this.prefix = prefix;
  }

  /** Connects {@code peers} (approved, idle, one user each) and closes them all at once. */
  JsonObject massDisconnect(Protocol proto, List<Peer> peers, int port, Path log, int concurrency) {
    gen.connectIdle(proto, peers, concurrency);
    String pattern = prefix + "{idle*}:online";
    awaitCount(pattern, peers.size(), "presence records of the idle peers");
    double failed0 = redisFailures(port);
    long warn0 = Servers.countLines(log, " WARN ") + Servers.countLines(log, " ERROR ");
    long t0 = System.nanoTime();
    double closed = gen.closeIdleAtOnce();
    awaitCount(pattern, 0, "presence records cleared");
    double seconds = (System.nanoTime() - t0) / 1e9;
    JsonObject r = new JsonObject().put("connections", peers.size()).put("clients_closed_s", closed)
        .put("presence_cleared_s", seconds)
        .put("failed_redis_requests", redisFailures(port) - failed0)
        .put("warnings_logged", Servers.countLines(log, " WARN ") + Servers.countLines(log, " ERROR ") - warn0);
    Bench.say(String.format("mass disconnect: %d sockets closed at once, presence cleared in %.2f s, %.0f failed Redis "
            + "requests, %d warnings", peers.size(), seconds, r.getDouble("failed_redis_requests"),
        r.getLong("warnings_logged")));
    return r;
  }

  /**
   * {@code n} idle peers on {@code victim}'s node (one user each), and {@code watchers} of 100 of those users on the
   * other node; the victim is killed with SIGKILL. Timed until every watcher heard its peer went offline, and until
   * Redis holds no presence record of the victim's peers.
   */
  JsonObject nodeDeath(Protocol proto, String token, int survivorPort, Servers.Proc victim, int victimPort, int n,
                       int concurrency) {
    int watched = Math.min(100, n);
    List<Peer> victims = new ArrayList<>();
    List<Peer> watchers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String email = "dead" + i + "@bench.example";
      victims.add(new Peer(email, "victim", Peer.randomFingerprint(), victimPort));
      if (i < watched) {
        watchers.add(new Peer(email, "watcher", Peer.randomFingerprint(), survivorPort));
      }
    }
    List<Peer> all = new ArrayList<>(victims);
    all.addAll(watchers);
    gen.seed(survivorPort, token, all);
    LoadGen.Watch watch = gen.watch(proto, watchers, concurrency);
    gen.connectIdle(proto, victims, concurrency);
    String pattern = prefix + "{dead*}:online";
    awaitCount(pattern, n, "presence records of the victim's peers");
    long t0 = System.nanoTime();
    victim.process().destroyForcibly(); // SIGKILL
    long deadline = t0 + (long) (TIMEOUT_S * 1e9);
    while (watch.lastHeardAt() == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(watch.heard() + " of " + watched + " watchers heard the node died");
      }
      Servers.pause(POLL_MS);
    }
    double heard = (watch.lastHeardAt() - t0) / 1e9;
    // The watchers' own records stay: one online hash for each watched user.
    awaitCount(pattern, watched, "the dead node's records cleared");
    double cleared = (System.nanoTime() - t0) / 1e9;
    watch.close();
    gen.closeIdle(concurrency);
    Bench.say(String.format("node death: %d peers on the killed node; all %d watchers heard within %.2f s, Redis clear "
        + "after %.2f s", n, watched, heard, cleared));
    return new JsonObject().put("connections", n).put("watchers", watched).put("all_heard_s", heard)
        .put("records_cleared_s", cleared);
  }

  /** Waits until {@code pattern} matches exactly {@code count} keys; returns the seconds it took. */
  private double awaitCount(String pattern, long count, String what) {
    long start = System.nanoTime();
    long deadline = start + (long) (TIMEOUT_S * 1e9);
    long seen = -1;
    while (System.nanoTime() < deadline) {
      seen = keys(pattern);
      if (seen == count) {
        return (System.nanoTime() - start) / 1e9;
      }
      Servers.pause(POLL_MS);
    }
    throw new IllegalStateException(what + ": " + seen + " keys match " + pattern + ", expected " + count);
  }

  private long keys(String pattern) {
    String out = ProcStats.run("redis-cli", "-p", Integer.toString(redisPort), "--scan", "--pattern", pattern);
    return out.lines().filter(l -> !l.isBlank()).count();
  }

  /** peerbook's count of Redis requests that failed, from its /metrics. */
  private static double redisFailures(int port) {
    try {
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
      return metrics.lines().filter(l -> l.startsWith("peerbook_redis_seconds_count{")
              && l.contains("outcome=\"failed\""))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read /metrics on " + port + ": " + e.getMessage(), e);
    }
  }
}
