package io.peerbook.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * {@code bash bench/run.sh [--quick] [options]}: starts a Redis, then in turn peerbook on one node, the bare relay, the
 * PeerJS server and peerbook on two clustered nodes; runs the idle and relay workloads against each; writes
 * {@code bench/results/results.json}, the SVG plots beside it, and the generated part of {@code docs/benchmarks.md}.
 * {@code report} instead regenerates the report from the last results.json. Run from the repository's root.
 */
public final class Bench {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What one run does; {@code --quick} shrinks it to about a minute. */
  record Options(List<Integer> pairs, int window, double warmup, double seconds, double jitWarmup, int idle,
                 int idleConcurrency, int payload, Set<String> only, boolean jfr, double profileSeconds,
                 boolean quick, Path out, double pacedFraction, String before) {

    static Options parse(String[] args) {
      boolean quick = Arrays.asList(args).contains("--quick");
      Map<String, String> a = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--help")) {
          System.out.println(usage().trim());
          System.exit(0);
        }
        if (args[i].equals("--quick") || args[i].equals("--no-jfr")) {
          a.put(args[i], "true");
        } else if (args[i].startsWith("--") && i + 1 < args.length) {
          a.put(args[i], args[++i]);
        } else {
          throw new IllegalArgumentException("unknown argument " + args[i] + usage());
        }
      }
      List<Integer> pairs = Arrays.stream(a.getOrDefault("--pairs", quick ? "1,10" : "1,10,50").split(","))
          .map(String::trim).map(Integer::parseInt).sorted().toList();
      return new Options(pairs, Integer.parseInt(a.getOrDefault("--window", "4")),
          Double.parseDouble(a.getOrDefault("--warmup", quick ? "1" : "4")),
          Double.parseDouble(a.getOrDefault("--seconds", quick ? "2" : "12")),
          Double.parseDouble(a.getOrDefault("--jit-warmup", quick ? "2" : "8")),
          // 18,000: as many as one process may hold on the benchmark machine (20,000 open files, which it cannot raise)
          Integer.parseInt(a.getOrDefault("--idle", quick ? "500" : "18000")),
          Integer.parseInt(a.getOrDefault("--idle-concurrency", "100")),
          Integer.parseInt(a.getOrDefault("--payload", "200")),
          new LinkedHashSet<>(Arrays.asList(a.getOrDefault("--only", a.containsKey("--before")
              ? "peerbook,peerbook-2gw,cluster,bare,peerjs,before,before-2gw,before-cluster"
              : "peerbook,peerbook-2gw,cluster,bare,peerjs").split(","))),
          !quick && !a.containsKey("--no-jfr"),
          Double.parseDouble(a.getOrDefault("--profile-seconds", "10")), quick,
          Path.of(a.getOrDefault("--out", "docs/benchmarks.md")),
          Double.parseDouble(a.getOrDefault("--paced-fraction", "0.5")), a.get("--before"));
    }

    static String usage() {
      return """

          usage: bash bench/run.sh [--quick] [--pairs 1,10,50] [--window 4] [--warmup s] [--seconds s]
                 [--jit-warmup s] [--idle N] [--idle-concurrency C] [--payload bytes]
                 [--only peerbook,bare,peerjs,cluster] [--no-jfr] [--profile-seconds s] [--out docs/benchmarks.md]
                 [--paced-fraction 0.5]   (the paced run's share of the top closed-loop rate)
                 [--before REV]   (also run peerbook as of git revision REV, built by run.sh: before/after in one run)
                 targets (--only): peerbook, peerbook-2gw (two gateway instances), cluster (two nodes), bare, peerjs,
                                   before, before-2gw, before-cluster
                 bash bench/run.sh report   (rewrites the report from bench/results/results.json)""";
    }

    JsonObject toJson() {
      return new JsonObject().put("pairs", new JsonArray(pairs)).put("window", window).put("warmup_s", warmup)
          .put("seconds", seconds).put("jit_warmup_s", jitWarmup).put("idle", idle)
          .put("idle_concurrency", idleConcurrency).put("payload_bytes", payload).put("jfr", jfr).put("quick", quick)
          .put("paced_fraction", pacedFraction).put("idle_warmup", true).put("before", before);
    }
  }

  /** One server set under test, as the workloads see it. */
  record Target(String key, String label, Protocol proto, List<Long> pids, List<Long> jvmPids,
                IntFunction<List<Peer[]>> pairs, Runnable gc, java.util.function.LongSupplier heapKiB) {
  }

  private final Options o;
  private final Path root = Path.of("").toAbsolutePath();
  private final Path results = root.resolve("bench/results");
  private final Path work = root.resolve("bench/target/run");
  private final List<Servers.Proc> running = new ArrayList<>();
  /**
   * JVM options of the Java servers (peerbook and the bare relay). A fixed, pre-touched heap keeps RSS from following
   * the heap's growth and shrinking around a full GC, so an idle run's RSS delta is native memory alone and the live
   * heap delta is added to it; without pre-touching, RSS alone is reported.
   */
  private final String javaOpts = System.getenv().getOrDefault("BENCH_JAVA_OPTS", "-Xms1g -Xmx1g -XX:+AlwaysPreTouch");
  private final boolean pretouched = javaOpts.contains("+AlwaysPreTouch");
  private LoadGen gen;
  private int redisPort;
  private int runNo;

  private Bench(Options o) {
    this.o = o;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("report")) {
      Path root = Path.of("").toAbsolutePath();
      JsonObject all = new JsonObject(Files.readString(root.resolve("bench/results/results.json")));
      Report.write(all, root, Path.of(all.getJsonObject("options").getString("out", "docs/benchmarks.md")));
      return;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try {
      new Bench(o).run();
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1); // the shutdown hook stops every process this run started
    }
    System.exit(0);
  }

  private void run() throws IOException {
    Files.createDirectories(results);
    Files.createDirectories(work);
    JsonObject all = new JsonObject().put("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .put("machine", machine()).put("options", o.toJson().put("out", o.out().toString()))
        .put("load_before", loadAverage()).put("java_opts", javaOpts);
    JsonObject targets = new JsonObject();
    all.put("targets", targets);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
    try (LoadGen g = new LoadGen()) {
      gen = g;
      redisPort = Servers.freePort();
      Servers.Proc redis = track(Servers.start("redis", List.of("redis-server", "--port", Integer.toString(redisPort),
          "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"), Map.of(), work, work.resolve("logs/redis.log")));
      Servers.awaitTcp(redis, redisPort, 20);
      String redisUrl = "redis://127.0.0.1:" + redisPort + "/0";
      for (String key : o.only()) {
        say("== " + key);
        JsonObject r = switch (key) {
          case "peerbook" -> peerbookSingle(key, jar(null), 1, redisUrl, redis);
          case "peerbook-2gw" -> peerbookSingle(key, jar(null), 2, redisUrl, null);
          case "cluster" -> peerbookCluster(key, jar(null), redisUrl, true);
          case "before" -> peerbookSingle(key, jar(o.before()), 1, redisUrl, null);
          case "before-2gw" -> peerbookSingle(key, jar(o.before()), 2, redisUrl, null);
          case "before-cluster" -> peerbookCluster(key, jar(o.before()), redisUrl, false);
          case "bare" -> bare();
          case "peerjs" -> peerjs();
          default -> throw new IllegalArgumentException("unknown target " + key);
        };
        targets.put(key, r);
        stopServers(); // the next target gets the machine to itself
        Files.writeString(results.resolve("results.json"), all.encodePrettily()); // partial results survive a crash
      }
    } finally {
      stopAll();
    }
    all.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).put("load_after", loadAverage());
    Files.writeString(results.resolve("results.json"), all.encodePrettily());
    Report.write(all, root, o.out());
    say(Report.ratiosText(all));
    say("wrote bench/results/results.json, bench/results/*.svg and " + o.out());
  }

  // --- the targets ---

  private Map<String, String> peerbookEnv(int port, String redisUrl, String token, String prefix) {
    Map<String, String> env = new HashMap<>();
    env.put("PEERBOOK_HTTP_HOST", "127.0.0.1");
    env.put("PEERBOOK_HTTP_PORT", Integer.toString(port));
    env.put("PEERBOOK_PUBLIC_URL", "http://127.0.0.1:" + port);
    env.put("PEERBOOK_REDIS_URL", redisUrl);
    env.put("PEERBOOK_REDIS_PREFIX", prefix);
    env.put("PEERBOOK_MSG_RATE", "0");
    env.put("PEERBOOK_ADMIN_TOKEN", token);
    // The idle runs hold 18,000 sockets; the node's own cap then follows its open-file limit (20,000 here).
    env.put("PEERBOOK_MAX_CONNECTIONS", "100000");
    // Every idle peer is its own user: the per-address cap on new requests does not apply to approved peers, but the
    // mass disconnect's reconnects must not hit it either.
    env.put("PEERBOOK_MAX_REQUESTS_PER_ADDRESS", "0");
    return env;
  }

  private List<String> java(String... rest) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    if (!javaOpts.isBlank()) {
      cmd.addAll(Arrays.asList(javaOpts.trim().split("\\s+")));
    }
    cmd.addAll(Arrays.asList(rest));
    return cmd;
  }

  /** The jar of this checkout, or the one run.sh built of git revision {@code rev}. */
  private Path jar(String rev) {
    Path jar = rev == null ? root.resolve("target/peerbook.jar")
        : root.resolve("bench/target/before-" + rev + "/target/peerbook.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing (run.sh builds it)");
    }
    return jar;
  }

  private String label(String key, String what) {
    return key.startsWith("before") ? "peerbook as of " + o.before() + ", " + what : "peerbook, " + what;
  }

  /**
   * peerbook on one node with {@code gateways} gateway instances. With {@code redis} (the main target only): first the
   * idle connections at the most this machine allows, their connect profile and their mass disconnect.
   */
  private JsonObject peerbookSingle(String key, Path jar, int gateways, String redisUrl, Servers.Proc redis) {
    int port = Servers.freePort();
    String token = hex(16);
    String prefix = "bench-" + hex(4) + ":";
    Map<String, String> env = peerbookEnv(port, redisUrl, token, prefix);
    env.put("PEERBOOK_INSTANCES_GATEWAY", Integer.toString(gateways));
    Servers.Proc p = track(Servers.start(key, java("-jar", jar.toString()), env, work.resolve(key),
        work.resolve("logs/" + key + ".log")));
    Servers.awaitHttp(p, port, "/readyz", 90);
    List<Peer[]> seeded = peerbookPairs(max(o.pairs()), port, port);
    Target t = new Target(key, label(key, gateways == 1 ? "one node" : "one node, " + gateways + " gateway instances"),
        new Protocol.Peerbook(o.payload()), List.of(p.pid()), List.of(p.pid()), n -> seeded.subList(0, n),
        () -> ProcStats.jvmGc(p.pid()), () -> ProcStats.jvmHeapUsedKiB(p.pid()));
    JsonObject r = new JsonObject();
    if (redis != null) {
      // Idle first, on a fresh process: its memory baseline is not yet grown by the relay runs.
      List<Peer> idlePeers = new ArrayList<>();
      for (int i = 0; i < o.idle(); i++) {
        idlePeers.add(new Peer("idle" + i + "@bench.example", "device", Peer.randomFingerprint(), port));
      }
      double seedRate = gen.seed(port, token, idlePeers);
      say(String.format("seeded %d idle peers through the admin API at %.0f/s", idlePeers.size(), seedRate));
      JsonObject idle = idle(t, idlePeers, redis);
      r.put("idle", idle.put("admin_put_per_s", seedRate));
      if (o.jfr()) {
        r.put("connect_profile", profileConnects(t, idlePeers));
      }
      Churn churn = new Churn(gen, redisPort, prefix);
      r.put("mass_disconnect", churn.massDisconnect(t.proto(), idlePeers, port, p.log(), o.idleConcurrency()));
    }
    gen.seed(port, token, seeded.stream().flatMap(Arrays::stream).toList());
    relayRuns(t, r);
    return r.put("label", t.label()).put("log", "bench/target/run/logs/" + key + ".log");
  }

  /**
   * peerbook on two clustered nodes, every pair's ends on different nodes. With {@code death}: then a node's idle
   * peers (as many as the load generator may hold) and the time until a SIGKILL of that node is reported.
   */
  private JsonObject peerbookCluster(String key, Path jar, String redisUrl, boolean death) {
    int port1 = Servers.freePort();
    int port2 = Servers.freePort();
    int hz1 = Servers.freePort();
    int hz2 = Servers.freePort();
    String token = hex(16);
    String prefix = "bench-" + hex(4) + ":";
    String cluster = "bench-" + hex(6);
    List<Servers.Proc> nodes = new ArrayList<>();
    int[][] ports = {{port1, hz1}, {port2, hz2}};
    for (int k = 0; k < 2; k++) {
      Map<String, String> env = peerbookEnv(ports[k][0], redisUrl, token, prefix);
      env.put("PEERBOOK_CLUSTERED", "true");
      env.put("PEERBOOK_CLUSTER_NAME", cluster);
      env.put("PEERBOOK_CLUSTER_HOST", "127.0.0.1");
      env.put("PEERBOOK_CLUSTER_PORT", Integer.toString(ports[k][1]));
      env.put("PEERBOOK_CLUSTER_MEMBERS", "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2);
      nodes.add(track(Servers.start(key + "-node" + (k + 1), java("-jar", jar.toString()),
          env, work.resolve(key + "-node" + (k + 1)), work.resolve("logs/" + key + "-node" + (k + 1) + ".log"))));
    }
    Servers.awaitHttp(nodes.get(0), port1, "/readyz", 120);
    Servers.awaitHttp(nodes.get(1), port2, "/readyz", 120);
    // A on node 1, B on node 2: every offer and every answer crosses from one process to the other.
    List<Peer[]> seeded = peerbookPairs(max(o.pairs()), port1, port2);
    gen.seed(port1, token, seeded.stream().flatMap(Arrays::stream).toList());
    Protocol proto = new Protocol.Peerbook(o.payload());
    Peer[] first = seeded.get(0);
    double joined = gen.probe(proto, first[0], first[1], 60) + gen.probe(proto, first[1], first[0], 60);
    say(String.format("the two nodes relay to each other (%.1f s to check)", joined));
    List<Long> pids = nodes.stream().map(Servers.Proc::pid).toList();
    Target t = new Target(key, label(key, "two nodes (cross-node)"), proto, pids, pids, n -> seeded.subList(0, n),
        () -> pids.forEach(ProcStats::jvmGc), () -> pids.stream().mapToLong(ProcStats::jvmHeapUsedKiB).sum());
    JsonObject r = new JsonObject();
    relayRuns(t, r);
    if (death) {
      r.put("node_death", new Churn(gen, redisPort, prefix).nodeDeath(proto, token, port1, nodes.get(1), port2,
          o.idle(), o.idleConcurrency()));
    }
    return r.put("label", t.label());
  }

  private JsonObject bare() {
    int port = Servers.freePort();
    String jar = root.resolve("bench/target/peerbook-bench.jar").toString();
    Servers.Proc p = track(Servers.start("bare", java("-cp", jar, BareRelay.class.getName(), Integer.toString(port)),
        Map.of(), work.resolve("bare"), work.resolve("logs/bare.log")));
    Servers.awaitHttp(p, port, "/", 60);
    Target t = new Target("bare", "bare Vert.x relay", new Protocol.Bare(o.payload()), List.of(p.pid()),
        List.of(p.pid()), n -> freshPairs("bare", n, port), () -> ProcStats.jvmGc(p.pid()),
        () -> ProcStats.jvmHeapUsedKiB(p.pid()));
    JsonObject r = new JsonObject();
    r.put("idle", idle(t, freshPeers(o.idle(), port), null));
    relayRuns(t, r);
    return r.put("label", t.label());
  }

  private JsonObject peerjs() {
    int port = Servers.freePort();
    Path script = root.resolve("bench/peerjs-server.mjs");
    Servers.Proc p = track(Servers.start("peerjs", List.of("node", "--expose-gc", script.toString(),
        Integer.toString(port)), Map.of(), root.resolve("bench"), work.resolve("logs/peerjs.log")));
    Servers.awaitHttp(p, port, "/", 60);
    Runnable gc = () -> {
      long before = Servers.countLines(p.log(), "gc done");
      ProcStats.run("kill", "-USR2", Long.toString(p.pid()));
      Servers.awaitLogLine(p, "gc done", before, 30);
    };
    Target t = new Target("peerjs", "PeerJS server (peer " + peerVersion() + ")", new Protocol.PeerJs(o.payload()),
        List.of(p.pid()), List.of(), n -> freshPairs("pj", n, port), gc, () -> lastV8Heap(p));
    JsonObject r = new JsonObject();
    r.put("idle", idle(t, freshPeers(o.idle(), port), null));
    relayRuns(t, r);
    return r.put("label", t.label());
  }

  /**
   * JFR's "profile" settings with Java code sampled every millisecond instead of every 10: a 10 s recording of a busy
   * event loop then holds thousands of samples, not hundreds.
   */
  private String jfcFile() {
    Path f = work.resolve("profile-1ms.jfc");
    try {
      if (!Files.exists(f)) {
        String jfc = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
        // Allocation samples too, 30 times as many: at 300/s each carries a whole TLAB's weight, and the sites of the
        // garbage a message makes drown in a few heavy samples.
        Files.writeString(f, jfc.replace("<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms",
            "<setting name=\"period\" control=\"method-sampling-java-interval\">1 ms")
            .replace("<setting name=\"throttle\" control=\"allocation-profiling\">300/s",
                "<setting name=\"throttle\" control=\"allocation-profiling\">10000/s"));
      }
      return f.toString();
    } catch (IOException e) {
      return "profile";
    }
  }

  /** The V8 heap in use after the last GC, as the launcher printed it. */
  private static long lastV8Heap(Servers.Proc p) {
    try (var lines = Files.lines(p.log())) {
      return lines.filter(l -> l.startsWith("gc done heap_used=")).reduce((a, b) -> b)
          .map(l -> Long.parseLong(l.substring("gc done heap_used=".length()).trim()) / 1024).orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  // --- the workloads ---

  /** Closed loops for each P, then a paced run at half the top rate, then (Java servers) a profiled run. */
  private void relayRuns(Target t, JsonObject r) {
    int top = max(o.pairs());
    gen.relay(t.proto(), t.pairs().apply(Math.min(10, top)),
        new LoadGen.RelaySpec(o.window(), 0, o.jitWarmup(), 0), t.pids());
    JsonArray closed = new JsonArray();
    JsonObject atTop = null;
    for (int p : o.pairs()) {
      JsonObject res = gen.relay(t.proto(), t.pairs().apply(p),
          new LoadGen.RelaySpec(o.window(), o.warmup(), o.seconds(), 0), t.pids());
      say(line(t.key() + " closed  ", res));
      closed.add(res);
      atTop = res;
    }
    r.put("closed", closed);
    double half = atTop.getDouble("msgs_per_s") * o.pacedFraction();
    JsonObject paced = gen.relay(t.proto(), t.pairs().apply(top),
        new LoadGen.RelaySpec(o.window(), o.warmup(), o.seconds(), half), t.pids());
    say(line(t.key() + " paced   ", paced));
    r.put("half_rate", paced);
    if (o.jfr() && !t.jvmPids().isEmpty()) {
      JsonArray profiles = new JsonArray();
      List<Path> files = new ArrayList<>();
      for (long pid : t.jvmPids()) {
        Path f = work.resolve("profile-" + t.key() + "-" + pid + ".jfr");
        files.add(f);
        ProcStats.jcmd(pid, "JFR.start", "name=bench", "settings=" + jfcFile(), "filename=" + f);
      }
      JsonObject profiled = gen.relay(t.proto(), t.pairs().apply(top),
          new LoadGen.RelaySpec(o.window(), 1, o.profileSeconds(), 0), t.pids());
      for (long pid : t.jvmPids()) {
        ProcStats.jcmd(pid, "JFR.stop", "name=bench");
      }
      say(line(t.key() + " profiled", profiled));
      for (Path f : files) {
        profiles.add(HotMethods.summarize(f).put("run", profiled));
      }
      r.put("profiles", profiles);
    }
    if (!t.jvmPids().isEmpty()) {
      r.put("allocation", allocation(t));
    }
  }

  /**
   * A closed-loop run at the top P with only allocation statistics recorded (no other JFR events, no warm-up: the JIT
   * is warm by now): bytes allocated per relayed message, by the whole server and by its event loops.
   */
  private JsonObject allocation(Target t) {
    List<Path> files = new ArrayList<>();
    for (long pid : t.jvmPids()) {
      Path f = work.resolve("allocation-" + t.key() + "-" + pid + ".jfr");
      files.add(f);
      ProcStats.jcmd(pid, "JFR.start", "name=alloc", "settings=" + Allocation.settings(work), "filename=" + f);
    }
    JsonObject run = gen.relay(t.proto(), t.pairs().apply(max(o.pairs())),
        new LoadGen.RelaySpec(o.window(), 0, Math.min(5, o.seconds()), 0), t.pids());
    for (long pid : t.jvmPids()) {
      ProcStats.jcmd(pid, "JFR.stop", "name=alloc");
    }
    long all = 0;
    long loops = 0;
    for (Path f : files) {
      long[] a = Allocation.allocated(f);
      all += a[0];
      loops += a[1];
    }
    long messages = run.getLong("messages");
    JsonObject r = new JsonObject().put("messages", messages).put("bytes_per_msg", all / (double) messages)
        .put("event_loop_bytes_per_msg", loops / (double) messages).put("run", run);
    say(String.format("%s allocation: %.0f bytes per relayed message (%.0f on the event loops), %d messages",
        t.key(), r.getDouble("bytes_per_msg"), r.getDouble("event_loop_bytes_per_msg"), messages));
    return r;
  }

  /**
   * N approved connections held open: server memory per connection (RSS and heap after a full GC, before and
   * after), and how fast they connect and become ready, {@code idleConcurrency} handshakes at a time.
   */
  private JsonObject idle(Target t, List<Peer> peers, Servers.Proc redis) {
    // A warm-up round first: a server that has been up a while has its connect path compiled; the first thousand
    // handshakes of a fresh JVM mostly measure the JIT compiler.
    gen.connectIdle(t.proto(), t.key().equals("peerbook") ? peers.subList(0, Math.min(1000, peers.size()))
        : freshPeers(Math.min(1000, peers.size()), peers.get(0).port()), o.idleConcurrency());
    gen.closeIdle(o.idleConcurrency());
    t.gc().run();
    java.util.Map<String, long[]> histogram0 = t.jvmPids().size() == 1 ? ProcStats.classHistogram(t.jvmPids().get(0)) : null;
    long rss0 = ProcStats.rssKiB(t.pids());
    long heap0 = t.heapKiB().getAsLong();
    long redis0 = redis == null ? 0 : redisUsedMemory(redis);
    double cpu0 = ProcStats.cpuSeconds(t.pids());
    double redisCpu0 = redis == null ? 0 : ProcStats.cpuSeconds(redis.pid());
    double self0 = LoadGen.selfCpuSeconds();
    double secs = gen.connectIdle(t.proto(), peers, o.idleConcurrency());
    double serverCores = (ProcStats.cpuSeconds(t.pids()) - cpu0) / secs;
    double genCores = (LoadGen.selfCpuSeconds() - self0) / secs;
    double redisCores = redis == null ? 0 : (ProcStats.cpuSeconds(redis.pid()) - redisCpu0) / secs;
    long rssPeak = ProcStats.rssKiB(t.pids());
    t.gc().run();
    long rss1 = ProcStats.rssKiB(t.pids());
    long heap1 = t.heapKiB().getAsLong();
    long redis1 = redis == null ? 0 : redisUsedMemory(redis);
    JsonArray classes = t.jvmPids().size() == 1 ? classesPerConnection(t.jvmPids().get(0), histogram0, peers.size()) : null;
    gen.closeIdle(o.idleConcurrency());
    int n = peers.size();
    boolean jvm = !t.jvmPids().isEmpty();
    double rssPer = (rss1 - rss0) / (double) n;
    double heapPer = heap0 < 0 ? 0 : (heap1 - heap0) / (double) n;
    // A JVM's pre-touched heap does not show growth in RSS: its live heap is added. V8's heap is part of RSS already.
    double total = jvm && pretouched ? rssPer + heapPer : rssPer;
    JsonObject r = new JsonObject().put("kib_per_conn", total).put("heap_in_rss", !(jvm && pretouched)).put("connections", n).put("concurrency", o.idleConcurrency())
        .put("connect_seconds", secs).put("connects_per_s", n / secs)
        .put("server_cpu_cores", serverCores).put("loadgen_cpu_cores", genCores)
        .put("redis_cpu_cores", redis == null ? null : redisCores)
        .put("rss_before_mib", rss0 / 1024.0).put("rss_after_mib", rss1 / 1024.0).put("rss_peak_mib", rssPeak / 1024.0)
        .put("rss_kib_per_conn", (rss1 - rss0) / (double) n)
        .put("heap_kib_per_conn", heap0 < 0 ? null : heapPer)
        .put("redis_bytes_per_conn", redis == null ? null : (redis1 - redis0) / (double) n)
        .put("heap_classes_per_conn", classes);
    say(String.format("%s idle: %d connections in %.2f s (%.0f/s; server %.2f cores, Redis %.2f, load generator %.2f), "
            + "%.1f KiB/conn (RSS %+.1f, heap %s)", t.key(), n, secs, n / secs, serverCores, redisCores, genCores, total, rssPer,
        heap0 < 0 ? "n/a" : String.format("%+.1f", (heap1 - heap0) / (double) n)));
    return r;
  }

  /** The classes whose live bytes grew most with the idle connections, per connection. */
  private static JsonArray classesPerConnection(long pid, java.util.Map<String, long[]> before, int n) {
    java.util.Map<String, long[]> after = ProcStats.classHistogram(pid);
    List<JsonObject> rows = new ArrayList<>();
    after.forEach((cls, v) -> {
      long[] b = before.getOrDefault(cls, new long[2]);
      double bytes = (v[1] - b[1]) / (double) n;
      if (bytes >= 16) {
        rows.add(new JsonObject().put("class", cls).put("instances_per_conn", (v[0] - b[0]) / (double) n)
            .put("bytes_per_conn", bytes));
      }
    });
    rows.sort((x, y) -> Double.compare(y.getDouble("bytes_per_conn"), x.getDouble("bytes_per_conn")));
    return new JsonArray(rows.subList(0, Math.min(25, rows.size())));
  }

  /** A second round of the idle connects with JFR on (peerbook only): where the connect path spends its CPU. */
  private JsonObject profileConnects(Target t, List<Peer> peers) {
    long pid = t.jvmPids().get(0);
    Path f = work.resolve("profile-connect-" + t.key() + "-" + pid + ".jfr");
    ProcStats.jcmd(pid, "JFR.start", "name=connect", "settings=" + jfcFile(), "filename=" + f);
    double secs = gen.connectIdle(t.proto(), peers, o.idleConcurrency());
    ProcStats.jcmd(pid, "JFR.stop", "name=connect");
    gen.closeIdle(o.idleConcurrency());
    say(String.format("%s connects profiled: %d in %.2f s (%.0f/s)", t.key(), peers.size(), secs, peers.size() / secs));
    return HotMethods.summarize(f).put("run", new JsonObject().put("pairs", 0).put("connects_per_s", peers.size() / secs)
        .put("msgs_per_s", 0.0));
  }

  private long redisUsedMemory(Servers.Proc redis) {
    String info = ProcStats.run("redis-cli", "-p", Integer.toString(redisPort), "INFO", "memory");
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    return 0;
  }

  private List<Peer[]> peerbookPairs(int n, int portA, int portB) {
    List<Peer[]> pairs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // One user per pair: a user's presence events reach only its own peers, as in real use.
      String email = "pair" + i + "@bench.example";
      pairs.add(new Peer[] {new Peer(email, "a" + i, Peer.randomFingerprint(), portA),
          new Peer(email, "b" + i, Peer.randomFingerprint(), portB)});
    }
    return pairs;
  }

  /** Ids never used before on that server, so an old socket still closing cannot clash with a new one. */
  private List<Peer[]> freshPairs(String prefix, int n, int port) {
    int run = ++runNo;
    List<Peer[]> pairs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pairs.add(new Peer[] {new Peer(null, prefix + run + "a" + i, Peer.randomFingerprint(), port),
          new Peer(null, prefix + run + "b" + i, Peer.randomFingerprint(), port)});
    }
    return pairs;
  }

  private List<Peer> freshPeers(int n, int port) {
    int run = ++runNo;
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peers.add(new Peer(null, "idle" + run + "x" + i, Peer.randomFingerprint(), port));
    }
    return peers;
  }

  // --- plumbing ---

  private Servers.Proc track(Servers.Proc p) {
    running.add(p);
    return p;
  }

  /** Stops every process started since Redis (which stays for the next target). */
  private synchronized void stopServers() {
    for (int i = running.size() - 1; i >= 1; i--) {
      running.remove(i).close();
    }
  }

  private synchronized void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    running.clear();
  }

  private static int max(List<Integer> xs) {
    return xs.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String line(String what, JsonObject r) {
    return String.format("%s P=%-3d %8.0f msg/s  p50 %6.2f  p90 %6.2f  p99 %6.2f  max %7.2f ms  "
            + "server %.4f CPU-s/1000 (%.2f cores, %.0f%% sys, %.2f ctx sw/msg)  RSS %.0f MiB  loadgen %.2f cores  errors %d",
        what, r.getInteger("pairs"), r.getDouble("msgs_per_s"), r.getDouble("p50_ms"), r.getDouble("p90_ms"),
        r.getDouble("p99_ms"), r.getDouble("max_ms"),
        r.getDouble("server_cpu_s_per_1000") == null ? Double.NaN : r.getDouble("server_cpu_s_per_1000"),
        r.getDouble("server_cpu_cores"),
        r.getDouble("server_system_share") == null ? Double.NaN : 100 * r.getDouble("server_system_share"),
        r.getDouble("server_ctx_switches_per_msg") == null ? Double.NaN : r.getDouble("server_ctx_switches_per_msg"),
        r.getDouble("server_rss_mib"), r.getDouble("loadgen_cpu_cores"),
        r.getLong("errors"));
  }

  static void say(String s) {
    System.out.println(s);
    System.out.flush();
  }

  static JsonArray loadAverage() {
    String[] f = ProcStats.read(Path.of("/proc/loadavg")).trim().split("\\s+");
    return new JsonArray().add(Double.parseDouble(f[0])).add(Double.parseDouble(f[1])).add(Double.parseDouble(f[2]));
  }

  private JsonObject machine() {
    String cpu = "?";
    for (String line : ProcStats.read(Path.of("/proc/cpuinfo")).split("\n")) {
      if (line.startsWith("model name")) {
        cpu = line.substring(line.indexOf(':') + 1).trim();
        break;
      }
    }
    long memKiB = 0;
    for (String line : ProcStats.read(Path.of("/proc/meminfo")).split("\n")) {
      if (line.startsWith("MemTotal:")) {
        memKiB = Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    String commit = ProcStats.tryRun("git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
    // The last commit that changed what runs: benchmark-only commits on top do not change peerbook.
    String sources = ProcStats.tryRun("git", "-C", root.toString(), "log", "-1", "--format=%h", "--", "src", "pom.xml",
        "cluster.xml");
    String dirty = ProcStats.tryRun("git", "-C", root.toString(), "status", "--porcelain", "--", "src", "pom.xml");
    return new JsonObject().put("nproc", Runtime.getRuntime().availableProcessors()).put("cpu", cpu)
        .put("memory_gib", memKiB / 1048576.0)
        .put("kernel", ProcStats.read(Path.of("/proc/sys/kernel/osrelease")).trim())
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("node", ProcStats.tryRun("node", "--version"))
        .put("redis", ProcStats.tryRun("redis-server", "--version"))
        .put("vertx", mavenVersion("io.vertx", "vertx-core"))
        .put("hdrhistogram", mavenVersion("org.hdrhistogram", "HdrHistogram"))
        .put("peer", peerVersion())
        .put("peerbook_commit", commit == null ? "?" : commit + (sources == null || sources.equals(commit) ? ""
            : ", peerbook's sources as of " + sources) + (dirty == null || dirty.isEmpty() ? "" : " (modified)"));
  }

  private static String mavenVersion(String group, String artifact) {
    try (InputStream in = Bench.class.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact
        + "/pom.properties")) {
      if (in == null) {
        return "?";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }

  private String peerVersion() {
    try {
      return new JsonObject(Files.readString(root.resolve("bench/node_modules/peer/package.json"))).getString("version");
    } catch (IOException e) {
      return "?";
    }
  }
}
