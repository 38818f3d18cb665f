package io.peerbook.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * peerbook's own meters, beside the ones Vert.x keeps (HTTP server, event bus, JVM), all in the Prometheus registry
 * that {@code /metrics} serves. Names and tags are listed in docs/operations.md; no tag holds an email or a name.
 */
public final class Meters {
  /** Where meters go when a Vert.x instance was built without metrics (never by Main): counted, not served. */
  private static final MeterRegistry UNSERVED = new SimpleMeterRegistry();
  /** Histogram buckets from 50 µs to 2 s: latencies of a local Redis and of requests that time out at 1.5 s. */
  private static final Duration MIN_LATENCY = Duration.ofNanos(50_000);
  private static final Duration MAX_LATENCY = Duration.ofSeconds(2);
  /** Meters registered once, by meter and by tag values: see {@link #cached}. */
  private static final Map<String, Known> ERRORS = new ConcurrentHashMap<>();
  private static final Map<String, Known> RELAYED = new ConcurrentHashMap<>();
  private static final Map<String, Known> REDIS = new ConcurrentHashMap<>();
  private static final Map<String, Known> BUS = new ConcurrentHashMap<>();

  private Meters() {
  }

  /** Vert.x options with Micrometer metrics on, exported for Prometheus: every node is built with them. */
  public static VertxOptions vertxOptions() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : UNSERVED;
  }

  /** An error code a peer was sent. */
  public static void error(int code) {
    String tag = String.valueOf(code);
    cached(ERRORS, tag, r -> Counter.builder("peerbook_errors").description("errors sent to peers, by protocol code")
        .tag("code", tag).register(r)).increment();
  }

  /** A relayed offer, answer or candidate. */
  public static void relayed(String type) {
    cached(RELAYED, type, r -> Counter.builder("peerbook_relayed_messages")
        .description("signaling messages delivered, by type").tag("type", type).register(r)).increment();
  }

  /** An approval mail: sent, failed for good, or written to the log (no SMTP host). */
  public static void mail(String outcome) {
    Counter.builder("peerbook_approval_mails").description("approval mails, by outcome")
        .tag("outcome", outcome).register(registry()).increment();
  }

  /** Time of one Redis command (or script, or pipeline). */
  public static Timer redis(String command, String outcome) {
    return cached(REDIS, command + " " + outcome, r -> Timer.builder("peerbook_redis")
        .description("Redis command latency").tag("command", command).tag("outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(MIN_LATENCY).maximumExpectedValue(MAX_LATENCY).register(r));
  }

  /** Time of one request between verticles, by address. */
  public static Timer busRequest(String address, String outcome) {
    return cached(BUS, address + " " + outcome, r -> Timer.builder("peerbook_bus_requests")
        .description("event-bus request round trips").tag("address", address).tag("outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(MIN_LATENCY).maximumExpectedValue(MAX_LATENCY).register(r));
  }

  /**
   * A meter used on every message, error, connect or command, registered once and then found in its meter's map by
   * its tag values: building and registering it each time cost a registry lookup with its tags per use (seen in the
   * benchmarks' profiles). The registry is part of the entry, since a test JVM builds several Vert.x instances, each
   * with its own.
   */
  @SuppressWarnings("unchecked")
  private static <M extends Meter> M cached(Map<String, Known> meters, String tags, Function<MeterRegistry, M> register) {
    MeterRegistry registry = registry();
    Known known = meters.get(tags);
    if (known == null || known.registry() != registry) {
      known = new Known(registry, register.apply(registry));
      meters.put(tags, known);
    }
    return (M) known.meter();
  }

  private record Known(MeterRegistry registry, Meter meter) {
  }
}
