package io.peerbook.bench;

import com.sun.management.OperatingSystemMXBean;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The load generator: one Vert.x event loop drives every connection, so it costs at most one core and its own CPU
 * time can be read beside the server's. Nothing is logged per message. All state below is touched only on that one
 * event loop; the orchestrating thread waits on the futures it returns.
 */
final class LoadGen implements AutoCloseable {
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** Outstanding offers per pair past which a paced run stops adding more (the server is not keeping up). */
  private static final int PACED_CAP = 1000;

  private final Vertx vertx;
  private final Context ctx;
  private final WebSocketClient ws;
  private final HttpClient http;

  LoadGen() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
        .setBlockedThreadCheckInterval(10_000));
    ctx = vertx.getOrCreateContext();
    ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
        .setConnectTimeout(30_000).setMaxMessageSize(1 << 20).setMaxFrameSize(1 << 20));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
  }

  /** This JVM's CPU seconds (all threads); the orchestrator is idle while a run measures. */
  static double selfCpuSeconds() {
    return OS.getProcessCpuTime() / 1e9;
  }

  private <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> work) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> work.get().onComplete(p));
    return p.future();
  }

  // --- connections ---

  /** One client socket; {@code onMessage} gets every message after the one that said the peer is ready. */
  static final class Conn {
    final Peer peer;
    WebSocket socket;
    Consumer<Buffer> onMessage = b -> { };
    private boolean ready;

    Conn(Peer peer) {
      this.peer = peer;
    }
  }

  private Future<Conn> open(Protocol proto, Peer peer) {
    Conn c = new Conn(peer);
    Promise<Conn> ready = Promise.promise();
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(peer.port())
        .setURI(proto.uri(peer)).setTimeout(30_000);
    ws.connect(o).onFailure(ready::tryFail).onSuccess(s -> {
      c.socket = s;
      s.handler(buf -> {
        if (c.ready) {
          c.onMessage.accept(buf);
        } else if (proto.ready(buf)) {
          c.ready = true;
          ready.tryComplete(c);
        } else if (proto.isError(buf)) {
          ready.tryFail(peer.name() + " refused: " + buf);
        }
        // anything else before "ready" (a presence event, say) is not ours to count
      });
      s.closeHandler(v -> ready.tryFail(peer.name() + " closed before it was ready: " + s.closeStatusCode()));
    });
    return ready.future();
  }

  /** Opens every peer, at most {@code concurrency} handshakes at a time, in order. */
  private Future<List<Conn>> openAll(Protocol proto, List<Peer> peers, int concurrency) {
    Promise<List<Conn>> all = Promise.promise();
    Conn[] out = new Conn[peers.size()];
    int[] next = {0};
    int[] done = {0};
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      if (next[0] >= peers.size()) {
        return;
      }
      int i = next[0]++;
      open(proto, peers.get(i)).onComplete(ar -> {
        if (ar.failed()) {
          all.tryFail(ar.cause());
          return;
        }
        out[i] = ar.result();
        if (++done[0] == peers.size()) {
          all.tryComplete(List.of(out));
        } else {
          launch[0].run();
        }
      });
    };
    if (peers.isEmpty()) {
      all.complete(List.of());
    }
    for (int k = 0; k < Math.min(concurrency, peers.size()); k++) {
      launch[0].run();
    }
    return all.future();
  }

  private Future<Void> closeAll(List<Conn> conns) {
    List<Future<Void>> closing = new ArrayList<>();
    for (Conn c : conns) {
      if (c.socket != null && !c.socket.isClosed()) {
        closing.add(c.socket.close().otherwiseEmpty());
      }
    }
    Promise<Void> done = Promise.promise();
    Future.join(closing).onComplete(ar -> done.tryComplete());
    vertx.setTimer(5_000, id -> done.tryComplete()); // a server that never acknowledges a close does not stop the run
    return done.future();
  }

  // --- seeding through the admin API ---

  /**
   * PUTs every peer as approved ({@code PUT /api/admin/users/{email}/peers/{name}}), 32 at a time; returns PUTs/s. A
   * 503 (peerbook's Redis pool momentarily full, e.g. right after a mass disconnect) puts that peer back in line.
   */
  double seed(int port, String token, List<Peer> peers) {
    long start = System.nanoTime();
    await(onLoop(() -> {
      Promise<Void> all = Promise.promise();
      int[] next = {0};
      int[] done = {0};
      int[] retries = {0};
      @SuppressWarnings("unchecked")
      Consumer<Peer>[] put = new Consumer[1];
      Runnable launch = () -> {
        if (next[0] < peers.size()) {
          put[0].accept(peers.get(next[0]++));
        }
      };
      put[0] = p -> {
        String uri = "/api/admin/users/" + path(p.email()) + "/peers/" + path(p.name());
        String body = new JsonObject().put("fingerprint", p.fingerprint()).put("kind", "bench").encode();
        http.request(HttpMethod.PUT, port, "127.0.0.1", uri)
            .compose(req -> req.putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json").send(body))
            .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))
            .onComplete(ar -> {
              String status = ar.succeeded() ? ar.result() : null;
              if (status != null && status.startsWith("503") && retries[0]++ < 1000) {
                vertx.setTimer(200, id -> put[0].accept(p));
              } else if (status == null || !(status.startsWith("200") || status.startsWith("201"))) {
                all.tryFail("admin PUT " + uri + ": " + (status == null ? ar.cause() : status));
              } else if (++done[0] == peers.size()) {
                all.tryComplete();
              } else {
                launch.run();
              }
            });
      };
      for (int k = 0; k < Math.min(32, peers.size()); k++) {
        launch.run();
      }
      if (peers.isEmpty()) {
        all.tryComplete();
      }
      return all.future();
    }), 300);
    return peers.size() / ((System.nanoTime() - start) / 1e9);
  }

  private static String path(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // --- idle connections ---

  /** Holds open connections between {@link #connectIdle} and {@link #closeIdle}. */
  private List<Conn> idle = List.of();

  /** Opens every peer ({@code concurrency} handshakes at a time) and returns the seconds until the last was ready. */
  double connectIdle(Protocol proto, List<Peer> peers, int concurrency) {
    long start = System.nanoTime();
    idle = await(onLoop(() -> openAll(proto, peers, concurrency)), 600);
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Closes the idle connections {@code concurrency} at a time, as they were opened: closing thousands at once would
   * measure a mass disconnect, which is another workload (see docs/benchmarks.md).
   */
  void closeIdle(int concurrency) {
    List<Conn> open = idle;
    idle = List.of();
    await(onLoop(() -> {
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < open.size(); i += concurrency) {
        List<Conn> batch = open.subList(i, Math.min(open.size(), i + concurrency));
        chain = chain.compose(v -> closeAll(batch));
      }
      return chain;
    }), 600);
  }

  /** Closes every idle connection at once (a network cut, a proxy restart); returns the seconds until all closed. */
  double closeIdleAtOnce() {
    List<Conn> open = idle;
    idle = List.of();
    long start = System.nanoTime();
    await(onLoop(() -> closeAll(open)), 600);
    return (System.nanoTime() - start) / 1e9;
  }

  /** Connections that each note when they first hear that another device of their user went offline. */
  final class Watch {
    private final List<Conn> conns;
    private final java.util.concurrent.atomic.AtomicLong[] heardAt;

    private Watch(List<Conn> conns) {
      this.conns = conns;
      this.heardAt = new java.util.concurrent.atomic.AtomicLong[conns.size()];
      for (int i = 0; i < conns.size(); i++) {
        java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong();
        heardAt[i] = at;
        conns.get(i).onMessage = m -> {
          if (Protocol.contains(m, "\"event\":\"offline\"")) {
            at.compareAndSet(0, System.nanoTime());
          }
        };
      }
    }

    /** How many have heard so far. */
    int heard() {
      int n = 0;
      for (java.util.concurrent.atomic.AtomicLong at : heardAt) {
        n += at.get() == 0 ? 0 : 1;
      }
      return n;
    }

    /** The time the last of them heard, or 0 while one has not. */
    long lastHeardAt() {
      long last = 0;
      for (java.util.concurrent.atomic.AtomicLong at : heardAt) {
        if (at.get() == 0) {
          return 0;
        }
        last = Math.max(last, at.get());
      }
      return last;
    }

    void close() {
      await(onLoop(() -> closeAll(conns)), 60);
    }
  }

  /** Opens {@code peers} as watchers ({@code concurrency} handshakes at a time). */
  Watch watch(Protocol proto, List<Peer> peers, int concurrency) {
    return new Watch(await(onLoop(() -> openAll(proto, peers, concurrency)), 600));
  }

  // --- the relay workload ---

  /** What a relay run is asked to do. {@code pacedMsgRate} 0: closed loop with {@code window} offers in flight. */
  record RelaySpec(int window, double warmupSeconds, double seconds, double pacedMsgRate) {
  }

  /** Both ends of a pair, and the pair's closed loop. */
  private final class Pair {
    final Protocol proto;
    final Conn a;
    final Conn b;
    final Run run;
    int outstanding;
    long sent;

    Pair(Protocol proto, Conn a, Conn b, Run run) {
      this.proto = proto;
      this.a = a;
      this.b = b;
      this.run = run;
      a.onMessage = this::atA;
      b.onMessage = this::atB;
    }

    void offer() {
      outstanding++;
      sent++;
      a.socket.writeTextMessage(proto.offer(a.peer, b.peer, System.nanoTime()));
    }

    /** The answer came back: one round trip. In a closed loop it makes room for the next offer. */
    void atA(Buffer msg) {
      long t = Protocol.timestamp(msg);
      if (t < 0) {
        if (proto.isError(msg)) {
          run.errors++;
          lost();
        }
        return;
      }
      outstanding--;
      run.delivered++;
      run.roundTrips++;
      run.histogram.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
      if (run.closedLoop && run.sending) {
        offer();
      }
    }

    /** An offer arrived: answer it at once, echoing its send time. */
    void atB(Buffer msg) {
      long t = Protocol.timestamp(msg);
      if (t < 0) {
        if (proto.isError(msg)) {
          run.errors++;
          lost();
        }
        return;
      }
      run.delivered++;
      b.socket.writeTextMessage(proto.answer(b.peer, a.peer, t));
    }

    /** An offer or its answer was refused: that round trip will not complete; keep the window full. */
    void lost() {
      outstanding--;
      if (run.closedLoop && run.sending) {
        offer();
      }
    }
  }

  /** Counters of one run; touched on the event loop only. */
  private static final class Run {
    final boolean closedLoop;
    final Histogram histogram = new Histogram(60_000_000L, 3);
    boolean sending = true;
    long delivered;
    long roundTrips;
    long errors;
    long skipped;

    Run(boolean closedLoop) {
      this.closedLoop = closedLoop;
    }
  }

  /**
   * P pairs, each A keeping {@code window} offers outstanding to its B (or sending at a fixed total rate), B answering
   * each. Measures over {@code seconds} after {@code warmupSeconds}: relayed messages/s (offers delivered to B plus
   * answers delivered to A), round trips, the server processes' CPU and RSS, and this JVM's CPU.
   */
  JsonObject relay(Protocol proto, List<Peer[]> pairs, RelaySpec spec, List<Long> serverPids) {
    return await(onLoop(() -> {
      List<Peer> as = pairs.stream().map(p -> p[0]).toList();
      List<Peer> bs = pairs.stream().map(p -> p[1]).toList();
      return openAll(proto, as, 64).compose(ca -> openAll(proto, bs, 64).compose(cb -> {
        Run run = new Run(spec.pacedMsgRate() <= 0);
        List<Pair> ps = new ArrayList<>();
        for (int i = 0; i < ca.size(); i++) {
          ps.add(new Pair(proto, ca.get(i), cb.get(i), run));
        }
        List<Conn> conns = new ArrayList<>(ca);
        conns.addAll(cb);
        return measure(run, ps, spec, serverPids).compose(result -> closeAll(conns).map(result));
      }));
    }), 600);
  }

  private Future<JsonObject> measure(Run run, List<Pair> pairs, RelaySpec spec, List<Long> serverPids) {
    Promise<JsonObject> result = Promise.promise();
    long[] pacer = {-1};
    if (run.closedLoop) {
      for (Pair p : pairs) {
        for (int k = 0; k < spec.window(); k++) {
          p.offer();
        }
      }
    } else {
      // Offers per pair per second; each round trip is two relayed messages.
      double perPair = spec.pacedMsgRate() / 2 / pairs.size();
      long begin = System.nanoTime();
      pacer[0] = vertx.setPeriodic(1, id -> {
        double elapsed = (System.nanoTime() - begin) / 1e9;
        for (Pair p : pairs) {
          long due = (long) (elapsed * perPair) - p.sent;
          for (long k = 0; k < due; k++) {
            if (p.outstanding >= PACED_CAP) {
              run.skipped += due - k;
              p.sent += due - k;
              break;
            }
            p.offer();
          }
        }
      });
    }
    vertx.setTimer(ms(spec.warmupSeconds()), w -> {
      run.histogram.reset();
      long d0 = run.delivered;
      long r0 = run.roundTrips;
      long e0 = run.errors;
      double server0 = ProcStats.cpuSeconds(serverPids);
      double sys0 = ProcStats.systemSeconds(serverPids);
      long cs0 = ProcStats.contextSwitches(serverPids);
      double self0 = selfCpuSeconds();
      long t0 = System.nanoTime();
      vertx.setTimer(ms(spec.seconds()), m -> {
        long t1 = System.nanoTime();
        double server1 = ProcStats.cpuSeconds(serverPids);
        double sys1 = ProcStats.systemSeconds(serverPids);
        long cs1 = ProcStats.contextSwitches(serverPids);
        double self1 = selfCpuSeconds();
        long rss = ProcStats.rssKiB(serverPids);
        run.sending = false;
        if (pacer[0] >= 0) {
          vertx.cancelTimer(pacer[0]);
        }
        Histogram h = run.histogram.copy();
        double secs = (t1 - t0) / 1e9;
        long msgs = run.delivered - d0;
        JsonObject r = new JsonObject()
            .put("pairs", pairs.size()).put("window", run.closedLoop ? spec.window() : null)
            .put("paced_rate", run.closedLoop ? null : spec.pacedMsgRate())
            .put("seconds", secs).put("messages", msgs).put("msgs_per_s", msgs / secs)
            .put("round_trips", run.roundTrips - r0).put("errors", run.errors - e0).put("skipped", run.skipped)
            .put("p50_ms", h.getValueAtPercentile(50) / 1000.0).put("p90_ms", h.getValueAtPercentile(90) / 1000.0)
            .put("p99_ms", h.getValueAtPercentile(99) / 1000.0).put("max_ms", h.getMaxValue() / 1000.0)
            .put("server_cpu_s", server1 - server0)
            .put("server_cpu_s_per_1000", msgs == 0 ? null : (server1 - server0) / (msgs / 1000.0))
            .put("server_cpu_cores", (server1 - server0) / secs)
            .put("server_system_share", server1 - server0 <= 0 ? null : (sys1 - sys0) / (server1 - server0))
            .put("server_rss_mib", rss / 1024.0)
            .put("server_ctx_switches_per_msg", msgs == 0 ? null : (cs1 - cs0) / (double) msgs)
            .put("loadgen_cpu_cores", (self1 - self0) / secs);
        drained(pairs, 5_000).onComplete(ar -> result.complete(r.put("undrained", outstanding(pairs))));
      });
    });
    return result.future();
  }

  /** Completes once no offer is outstanding, or after {@code timeoutMs}: the sockets then close cleanly. */
  private Future<Void> drained(List<Pair> pairs, long timeoutMs) {
    Promise<Void> p = Promise.promise();
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    vertx.setPeriodic(10, id -> {
      if (outstanding(pairs) <= 0 || System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        p.tryComplete();
      }
    });
    return p.future();
  }

  private static long outstanding(List<Pair> pairs) {
    return pairs.stream().mapToLong(p -> Math.max(0, p.outstanding)).sum();
  }

  /**
   * Cross-node start-up check: offers from {@code a} to {@code b} every 200 ms until one arrives, so the measured runs
   * start only once both nodes see each other. Returns the seconds it took.
   */
  double probe(Protocol proto, Peer a, Peer b, double timeoutSeconds) {
    long start = System.nanoTime();
    await(onLoop(() -> openAll(proto, List.of(a), 1).compose(ca -> openAll(proto, List.of(b), 1).compose(cb -> {
      Promise<Void> arrived = Promise.promise();
      cb.get(0).onMessage = m -> {
        if (Protocol.timestamp(m) >= 0) {
          arrived.tryComplete();
        }
      };
      long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
      vertx.setPeriodic(0, 200, id -> {
        if (arrived.future().isComplete()) {
          vertx.cancelTimer(id);
        } else if (System.nanoTime() > deadline) {
          vertx.cancelTimer(id);
          arrived.tryFail("no offer crossed from " + a.port() + " to " + b.port() + " in " + timeoutSeconds + " s");
        } else {
          ca.get(0).socket.writeTextMessage(proto.offer(a, b, System.nanoTime()));
        }
      });
      List<Conn> both = List.of(ca.get(0), cb.get(0));
      return arrived.future().eventually(() -> closeAll(both));
    }))), 120);
    return (System.nanoTime() - start) / 1e9;
  }

  /** Blocks the orchestrating thread on a future; a run that hangs past its bound fails the benchmark. */
  static <T> T await(Future<T> f, long seconds) {
    try {
      return f.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no result after " + seconds + " s", e);
    }
  }

  private static long ms(double seconds) {
    return Math.max(1, Math.round(seconds * 1000));
  }

  @Override
  public void close() {
    await(vertx.close(), 10);
  }
}
