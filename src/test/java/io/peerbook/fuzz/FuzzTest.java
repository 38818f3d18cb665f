package io.peerbook.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.peerbook.gateway.NodeConnections;
import io.peerbook.mailer.MailerVerticle;
import io.peerbook.support.Admin;
import io.peerbook.support.Await;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RawHandshake;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.net.HttpCookie;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Throws random and mutated inputs at a running node: messages and raw frames on /ws, query strings, admin API calls,
 * form posts. Then checks that nothing was logged as an unexpected error, no event-bus handler or socket was left
 * behind, the heap is back to where it was, and well-formed peers connected all along are still served.
 *
 * <p>The normal run is short and seed-fixed. The long run: {@code mvn test -Dtest=FuzzTest -Dfuzz.long=true}
 * (250,000 inputs, a new seed each time, printed); {@code -Dfuzz.seed=N} replays a seed, {@code -Dfuzz.inputs=N}
 * sets the count. A warm-up round of a tenth of the inputs comes first, so that the heap baseline is taken with
 * pools, caches and JIT warm.
 */
class FuzzTest {
  private static final boolean LONG = Boolean.getBoolean("fuzz.long");
  private static final long SEED = Long.getLong("fuzz.seed", LONG ? System.nanoTime() : 0x5EED_F00DL);
  private static final int INPUTS = Integer.getInteger("fuzz.inputs", LONG ? 250_000 : 20_000);
  /** What the heap may keep after the run over its baseline: far less than any per-input leak would keep. */
  private static final long HEAP_TOLERANCE = (LONG ? 48 : 24) * 1024 * 1024;
  private static final String FP = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
  private static final String STEADY = "steady@peerbook.test";
  private static final String FUZZER = "fuzzer@peerbook.test";
  private static final String PAGE_USER = "page@peerbook.test";
  private static final Pattern LINK = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/approve/[A-Za-z0-9_-]+");

  private FuzzNode node;
  private Vertx steadyVertx;
  private PeerClient alpha;
  private PeerClient beta;
  private String steadyAlphaFp;
  private String session;
  private String csrf;
  private int idleConnections;

  @AfterEach
  void stop() throws Exception {
    if (alpha != null) {
      alpha.close();
      beta.close();
    }
    if (steadyVertx != null) {
      steadyVertx.close().await(10, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("random and mutated frames, query strings, admin API bodies and form posts: no unexpected error logged, no handler or socket leaked, heap back to baseline, well-formed peers still served")
  void fuzz() throws Exception {
    System.out.printf("fuzz: seed %d, %d inputs (replay: -Dfuzz.seed=%d -Dfuzz.inputs=%d)%n", SEED, INPUTS, SEED, INPUTS);
    node = FuzzNode.start();
    steadyPeers();
    pageSession();
    // The steady peers' sockets, and the keep-alive connection PageClient's JDK client keeps in its pool.
    Await.until(node.vertx, 30, () -> node.metrics.webSockets() == 2, () -> "set-up sockets did not settle");
    idleConnections = node.metrics.connections();

    round(Math.max(1_000, INPUTS / 10), SEED ^ 0x9E3779B97F4A7C15L);
    Baseline before = quiesce("the warm-up");
    Mutator m = new Mutator(SEED);
    try (LogCapture log = LogCapture.open()) {
      Stats stats = round(INPUTS, SEED);
      Baseline after = quiesce("the fuzz");
      System.out.printf("fuzz: %s; heap %d KiB before, %d KiB after%n", stats, before.heap / 1024, after.heap / 1024);

      System.out.println("fuzz: node warnings: " + LogCapture.describe(log.matching(ClientVertx::notOurs)).lines()
          .limit(20).toList());
      assertEquals(List.of(), log.failures().stream().filter(ClientVertx::notOurs)
          .map(e -> LogCapture.describe(List.of(e))).toList(), "unexpected errors were logged");
      assertEquals(0, stats.http5xx, "answers 500-599 other than 503");
      assertEquals(List.of(), stats.hung, "well-formed requests left without an answer");
      assertEquals(before.handlers, after.handlers, "event-bus handlers left behind");
      assertTrue(after.heap - before.heap < HEAP_TOLERANCE, "the heap grew by "
          + (after.heap - before.heap) / 1024 + " KiB (tolerance " + HEAP_TOLERANCE / 1024 + " KiB)");
    }
    steadyPeersStillServed(m);
  }

  // --- the inputs ---

  record Stats(int sent, int frames, int messages, int queries, int admin, int forms, int reconnects, int unanswered,
               int http5xx, List<String> hung, long ms) {
  }

  private Stats round(int n, long seed) throws Exception {
    long t0 = System.nanoTime();
    Mutator m = new Mutator(seed);
    Vertx clients = ClientVertx.create();
    try {
      List<SocketFuzz.Identity> ids = List.of(new SocketFuzz.Identity(FUZZER, "P0", fuzzerFp(0)),
          new SocketFuzz.Identity(FUZZER, "P1", fuzzerFp(1)), new SocketFuzz.Identity(FUZZER, "P2", fuzzerFp(2)));
      SocketFuzz sockets = new SocketFuzz(clients, m, node.port, ids);
      RawFuzz raw = new RawFuzz(clients, m, node.port,
          "email=QUERY%40fuzz.test&name=Dev&fingerprint=" + FP.replace(":", "") + "&kind=client");
      HttpFuzz http = new HttpFuzz(clients, m, node.port, session, csrf);
      int messages = 0;
      int frames = 0;
      int queries = 0;
      int admin = 0;
      int forms = 0;
      // Interleaved in slices, so that every kind of input meets the state every other kind left behind.
      for (int slice = 0; slice < 10; slice++) {
        messages += sockets.run(n * 55 / 1000);
        frames += raw.frames(n * 15 / 1000, "email=" + FUZZER + "&name=P" + m.nextInt(3) + "&fingerprint=" + fuzzerFp(0));
        queries += raw.queries(n * 10 / 1000);
        admin += http.admin(n * 12 / 1000);
        forms += http.forms(n * 8 / 1000);
      }
      sockets.close();
      raw.close();
      http.close();
      return new Stats(messages + frames + queries + admin + forms, frames, messages, queries, admin, forms,
          sockets.reconnects, raw.unanswered + http.unanswered, http.statuses5xx, http.unansweredValid(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    } finally {
      // Not awaited: a failure above must not be hidden by a slow close of what it left behind.
      clients.close();
    }
  }

  private static String fuzzerFp(int i) {
    return FP.substring(0, FP.length() - 2) + "0" + i;
  }

  // --- what must hold ---

  record Baseline(Map<String, Integer> handlers, long heap) {
  }

  /** Waits until only the steady peers' sockets remain and no reply is outstanding, then measures the heap. */
  private Baseline quiesce(String after) {
    Await.until(node.vertx, 30, () -> node.metrics.connections() <= idleConnections && node.metrics.webSockets() == 2
            && NodeConnections.count(node.vertx) == 2 && !node.metrics.handlers().containsKey("__vertx.reply.*"),
        () -> "after " + after + ": " + node.metrics.connections() + " TCP connections, " + node.metrics.webSockets()
            + " WebSockets, " + NodeConnections.count(node.vertx) + " gateway sockets (expected at most " + idleConnections
            + " TCP connections, 2 WebSockets and 2 gateway sockets), handlers "
            + node.metrics.handlers());
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return new Baseline(node.metrics.handlers(), ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }

  private void steadyPeers() {
    steadyVertx = Vertx.vertx();
    steadyAlphaFp = FP.substring(0, FP.length() - 2) + "A1";
    Admin.provision(node.port, FuzzNode.TOKEN, STEADY, "Alpha", steadyAlphaFp, "client");
    Admin.provision(node.port, FuzzNode.TOKEN, STEADY, "Beta", FP.substring(0, FP.length() - 2) + "B2", "server");
    for (int i = 0; i < 3; i++) {
      Admin.provision(node.port, FuzzNode.TOKEN, FUZZER, "P" + i, fuzzerFp(i), null);
    }
    alpha = PeerClient.connect(steadyVertx, node.port, STEADY, "Alpha", steadyAlphaFp, null);
    alpha.expectCode(200);
    beta = PeerClient.connect(steadyVertx, node.port, STEADY, "Beta", FP.substring(0, FP.length() - 2) + "B2", null);
    beta.expectCode(200);
    assertEquals("online", alpha.nextUpdate().getString("event"));
  }

  /** A real page session for the form posts: a few devices ask, the link goes to the log, Continue opens it. */
  private void pageSession() {
    Logger mailer = (Logger) LoggerFactory.getLogger(MailerVerticle.class);
    Level was = mailer.getLevel();
    mailer.setLevel(Level.INFO);
    String link;
    try (LogCapture log = LogCapture.open()) {
      for (int i = 0; i < 5; i++) {
        RawHandshake.open(node.port, PeerClient.query(PAGE_USER, "Dev" + i, FP, null), Map.of());
      }
      Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> !log.matching(e -> LINK.matcher(e.getFormattedMessage())
          .find()).isEmpty(), () -> "no approval link logged");
      Matcher found = LINK.matcher(log.matching(e -> LINK.matcher(e.getFormattedMessage()).find()).get(0)
          .getFormattedMessage());
      assertTrue(found.find());
      link = found.group();
    } finally {
      mailer.setLevel(was);
    }
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(link);
    csrf = PageClient.hidden(page, "csrf");
    session = browser.cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("pb_session"))
        .map(HttpCookie::getValue).findFirst().orElseThrow();
  }

  private void steadyPeersStillServed(Mutator m) {
    alpha.send(new JsonObject().put("target", "Beta").put("offer", new JsonObject().put("sdp", "v=0 after")));
    JsonObject offer = beta.next();
    assertEquals("Alpha", offer.getString("source"), offer.encode());
    assertEquals(new JsonObject().put("sdp", "v=0 after"), offer.getJsonObject("offer"));
    beta.send(new JsonObject().put("target", "Alpha").put("fingerprint", steadyAlphaFp).put("answer", "fine"));
    assertEquals("fine", alpha.next().getString("answer"));
    JsonObject list = alpha.request(new JsonObject().put("command", "get_list"));
    assertEquals(2, list.getJsonArray("list").size(), list.encode());
    assertTrue(list.getJsonArray("list").stream().allMatch(e -> ((JsonObject) e).getBoolean("online")), list.encode());

    String gammaFp = FP.substring(0, FP.length() - 2) + "C3";
    Admin.provision(node.port, FuzzNode.TOKEN, STEADY, "Gamma", gammaFp, null);
    assertEquals("approved", alpha.nextUpdate().getString("event"));
    try (PeerClient gamma = PeerClient.connect(steadyVertx, node.port, STEADY, "Gamma", gammaFp, null)) {
      gamma.expectCode(200);
      assertEquals("online", alpha.nextUpdate().getString("event"));
    }
    assertEquals(401, new JsonObject(RawHandshake.open(node.port, PeerClient.query("new" + m.nextInt(1000)
        + "@peerbook.test", "Fresh", FP, null), Map.of()).body()).getInteger("code"));
  }
}
