package io.peerbook.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.peerbook.Peerbook;
import io.peerbook.cluster.ClusterView;
import io.peerbook.cluster.Clustering;
import io.peerbook.config.PeerbookConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One peerbook node for a test: its own Vert.x, its own key prefix in the shared Redis (so tests never see each
 * other's books), a GreenMail SMTP server in-process, and an HTTP port of its own.
 */
public final class TestNode implements AutoCloseable {
  private static final Pattern LINK = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/approve/[A-Za-z0-9_-]+");
  public final Vertx vertx;
  public final GreenMail mail;
  public final int port;
  public final JsonObject config;
  private final Peerbook peerbook;
  /** False for a Vert.x handed in by the test (VertxExtension closes it), true for one this node built. */
  private final boolean ownsVertx;
  private final List<PeerClient> clients = new CopyOnWriteArrayList<>();

  private TestNode(Vertx vertx, boolean ownsVertx, GreenMail mail, int port, JsonObject config, Peerbook peerbook) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.mail = mail;
    this.port = port;
    this.config = config;
    this.peerbook = peerbook;
  }

  public static TestNode start() {
    return start(Map.of());
  }

  /** Starts a node with the shared Redis; {@code overrides} are configuration keys as in conf/config.json. */
  public static TestNode start(Map<String, Object> overrides) {
    return start(TestRedis.shared().url(), overrides);
  }

  /**
   * A node on a Vert.x the caller owns (one injected by VertxExtension, which closes it after the test): closing the
   * node stops its verticles and mail server, and leaves that Vert.x running.
   */
  public static TestNode start(Vertx vertx, Map<String, Object> overrides) {
    return start(vertx, TestRedis.shared().url(), overrides);
  }

  public static TestNode start(Vertx vertx, String redisUrl, Map<String, Object> overrides) {
    return start(vertx, redisUrl, overrides, null);
  }

  /** This node's id (its cluster member id when clustered). */
  public String nodeId() {
    return peerbook.nodeId();
  }

  /**
   * A clustered node: Hazelcast on 127.0.0.1 with TCP-IP discovery of {@code members}, the cluster name and the Redis
   * prefix of the overrides (give every node of one cluster the same ones).
   */
  public static TestNode startClustered(Map<String, Object> overrides) {
    return startClustered(TestRedis.shared().url(), overrides);
  }

  public static TestNode startClustered(String redisUrl, Map<String, Object> overrides) {
    return start(redisUrl, overrides, view -> view);
  }

  /**
   * A clustered node whose verticles see the cluster through {@code view}: for a partition, which cannot be made
   * on loopback without root, a wrapper that hides members from this node while they live on.
   */
  public static TestNode startClustered(Map<String, Object> overrides, UnaryOperator<ClusterView> view) {
    return start(TestRedis.shared().url(), overrides, view);
  }

  public static TestNode start(String redisUrl, Map<String, Object> overrides) {
    return start(null, redisUrl, overrides, null);
  }

  private static TestNode start(String redisUrl, Map<String, Object> overrides, UnaryOperator<ClusterView> view) {
    return start(null, redisUrl, overrides, view);
  }

  /**
   * @param given the Vert.x to deploy on, or null for one of the node's own (with metrics on, as Main builds it)
   * @param view null for an unclustered node, else how its verticles see its cluster
   */
  private static TestNode start(Vertx given, String redisUrl, Map<String, Object> overrides,
                                UnaryOperator<ClusterView> view) {
    boolean clustered = view != null;
    int smtpPort = TestRedis.freePort();
    GreenMail mail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.start();
    int port = TestRedis.freePort();
    JsonObject config = PeerbookConfig.defaults()
        .put("http_host", "127.0.0.1").put("http_port", port).put("public_url", "http://127.0.0.1:" + port)
        .put("redis_url", redisUrl).put("redis_prefix", "test-" + UUID.randomUUID() + ":")
        .put("smtp_host", "127.0.0.1").put("smtp_port", smtpPort).put("smtp_starttls", "DISABLED")
        .put("mail_from", "peerbook@test.example")
        .put("node_id", UUID.randomUUID().toString())
        // One instance of each verticle, whatever the machine's cores (the gateway's default follows them): a test
        // that counts consumers, requests or batches must count the same on CI's 2 cores as on a 16-core laptop.
        // MultiInstanceTest and RelayAcrossGatewaysTest ask for two; JarIT and ClusterIT run the jar's defaults.
        .put("instances", new JsonObject().put("gateway", 1).put("directory", 1).put("mailer", 1).put("relay", 1));
    overrides.forEach(config::put);
    Vertx vertx;
    Peerbook peerbook;
    if (clustered) {
      // As Main does: the verticles read clustered=true too (a node's heartbeat names its cluster).
      config.put("clustered", true);
      Clustering.Joined joined = slow(Clustering.start(PeerbookConfig.from(config)));
      vertx = joined.vertx();
      peerbook = slow(Peerbook.deploy(vertx, config, view.apply(joined.view())));
    } else {
      vertx = given != null ? given : Vertx.vertx(io.peerbook.metrics.Meters.vertxOptions());
      peerbook = slow(Peerbook.deploy(vertx, config));
    }
    return new TestNode(vertx, given == null, mail, port, config, peerbook);
  }

  /** Awaits a start-up step, which may take a while for a cluster member on a busy machine. */
  private static <T> T slow(Future<T> f) {
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("start-up took more than 60 s", e);
    }
  }

  /** Closes the peers connected through {@link #connect}: a node kept for several tests starts each one clean. */
  public void closeClients() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (RuntimeException e) {
        // already closed by the server
      }
    });
    clients.clear();
  }

  /** Connects a peer; the client is closed with the node. */
  public PeerClient connect(String email, String name, String fingerprint, String kind) {
    PeerClient c = PeerClient.connect(vertx, port, email, name, fingerprint, kind);
    clients.add(c);
    return c;
  }

  /** {@link #connect} for a test that goes on from the event loop; the client is closed with the node. */
  public Future<PeerClient> connectAsync(String email, String name, String fingerprint) {
    return PeerClient.connectAsync(vertx, port, email, name, fingerprint, null).onSuccess(clients::add);
  }

  /** Connects a peer that sends {@code key} as its device key (the server's challenge is its first message). */
  public PeerClient connectWithKey(String email, String name, String fingerprint, String key) {
    PeerClient c = PeerClient.connectQuery(vertx, port, PeerClient.query(email, name, fingerprint, null)
        + "&key=" + key, email, name, fingerprint);
    clients.add(c);
    return c;
  }

  /** Connects with a device key and proves it (in P1363 form); the status is the next message. */
  public PeerClient connectProven(String email, String name, String fingerprint, DeviceKeys key) {
    PeerClient c = connectWithKey(email, name, fingerprint, key.spki());
    key.prove(c, email, name, fingerprint, false);
    return c;
  }

  public PeerClient connect(String email, String name, String fingerprint) {
    return connect(email, name, fingerprint, null);
  }

  /**
   * The gateway instance holding each online peer of a user (by lower-case name), read from the presence records in
   * Redis: where the tests check that sockets are spread over gateway instances.
   */
  public Map<String, String> gatewaysOf(String email) {
    Redis redis = Redis.createClient(vertx, config.getString("redis_url"));
    try {
      Response online = redis.send(Request.cmd(Command.HGETALL)
          .arg(config.getString("redis_prefix") + "{" + email + "}:online")).await();
      Map<String, String> gateways = new HashMap<>();
      online.getKeys().forEach(k -> gateways.put(k, new JsonObject(online.get(k).toString()).getString("gateway")));
      return gateways;
    } finally {
      redis.close();
    }
  }

  /** Waits for the n-th mail (counting from 1) and returns it. */
  public MimeMessage awaitMail(int n) {
    assertTrue(mail.waitForIncomingEmail(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS), n),
        "expected " + n + " mail(s), got " + mail.getReceivedMessages().length);
    return mail.getReceivedMessages()[n - 1];
  }

  /** The latest mail to this address, waiting for one: for tests that share a node between users. */
  public MimeMessage awaitMailTo(String email) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (true) {
      MimeMessage[] all = mail.getReceivedMessages();
      for (int i = all.length - 1; i >= 0; i--) {
        if (isTo(all[i], email)) {
          return all[i];
        }
      }
      assertTrue(System.nanoTime() < deadline, "no mail to " + email);
      mail.waitForIncomingEmail(200, all.length + 1);
    }
  }

  private static boolean isTo(MimeMessage m, String email) {
    try {
      for (jakarta.mail.Address a : m.getAllRecipients()) {
        if (a.toString().equalsIgnoreCase(email)) {
          return true;
        }
      }
      return false;
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The approval link in a mail's text part. */
  public static String link(MimeMessage message) {
    Matcher m = LINK.matcher(text(message));
    assertTrue(m.find(), "no link in the mail");
    return m.group();
  }

  /** The text/plain part of a mail. */
  public static String text(MimeMessage message) {
    return part(message, "text/plain");
  }

  public static String html(MimeMessage message) {
    return part(message, "text/html");
  }

  private static String part(MimeMessage message, String type) {
    try {
      Object content = message.getContent();
      if (content instanceof String s) {
        return message.isMimeType(type) ? s : "";
      }
      return find((MimeMultipart) content, type);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String find(MimeMultipart multipart, String type) throws Exception {
    for (int i = 0; i < multipart.getCount(); i++) {
      var p = multipart.getBodyPart(i);
      if (p.isMimeType(type)) {
        return p.getContent().toString();
      }
      if (p.getContent() instanceof MimeMultipart nested) {
        String s = find(nested, type);
        if (!s.isEmpty()) {
          return s;
        }
      }
    }
    return "";
  }

  /** Stops the verticles (gateway first, as a SIGTERM would) but keeps Vert.x and the mail server. */
  public void stopVerticles() {
    peerbook.stop().await();
  }

  @Override
  public void close() {
    closeClients();
    try {
      peerbook.stop().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing Vert.x (here or by its owner) undeploys what is left
    }
    if (ownsVertx) {
      vertx.close().await();
    }
    mail.stop();
  }
}
