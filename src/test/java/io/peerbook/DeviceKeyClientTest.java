package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * peerbook.js's device key in headless Chromium: made once with WebCrypto, non-extractable, kept in IndexedDB next to
 * the certificate, and its proof of every connection, checked by the real server (a WebSocket route that only passes
 * the frames on records what the client sends, and drops the connection for a reconnect). DeviceKeyBrowserTest covers
 * the demo with the approval page.
 */
class DeviceKeyClientTest {
  private static final String ADMIN = "t";
  private static Chromium chromium;
  private TestNode node;
  private BrowserContext browser;
  private Page page;

  @BeforeAll
  static void launch() {
    chromium = Chromium.launch(Chromium.INSECURE_HOST_ARGS);
  }

  @AfterAll
  static void quit() {
    chromium.close();
  }

  private void start(Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.put("admin_token", ADMIN);
    node = TestNode.start(all);
    // The host page is /demo, whose CSP forbids eval; Playwright's waitForFunction needs it.
    browser = chromium.browser.newContext(new Browser.NewContextOptions().setBypassCSP(true));
    page = browser.newPage();
  }

  private void start() {
    start(Map.of());
  }

  /** Opens the page that hosts the client; WebSocket routes apply only to pages loaded after them. */
  private void open() {
    page.navigate("http://127.0.0.1:" + node.port + "/demo");
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("the device key is made once and kept next to the certificate: P-256, private half not extractable, the same key and key id after a reload; the key id is SHA-256 of the SPKI, 16 hex digits in groups of four")
  void keyIsMadeOnceAndKept() throws GeneralSecurityException {
    start();
    open();
    JsonObject first = loadKey("certificate:laptop");
    assertEquals(false, first.getBoolean("extractable"));
    assertEquals("InvalidAccessError", first.getString("exported"), "the private key could be exported");
    assertEquals("P-256", first.getString("curve"));
    assertEquals("sign", first.getString("usages"));
    String spki = first.getString("spki");
    assertTrue(spki.matches("[A-Za-z0-9_-]+"), "not base64url without padding: " + spki);
    PublicKey key = publicKey(spki);
    assertEquals(256, ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize());
    assertEquals(keyId(spki), first.getString("keyId"));

    page.reload();
    JsonObject again = loadKey("certificate:laptop");
    assertEquals(first.getString("spki"), again.getString("spki"));
    assertEquals(first.getString("keyId"), again.getString("keyId"));
    assertEquals(first.getString("fingerprint"), again.getString("fingerprint"));
    assertNotEquals(first.getString("keyId"), loadKey("certificate:phone").getString("keyId"), "two devices, one key");
  }

  @Test
  @DisplayName("two loads of one new device at the same moment, as two tabs make them, end up with one certificate and one key")
  void concurrentMakersKeepOneIdentity() {
    start();
    open();
    // Each load opens its own connection to the database, as a tab does; both read before either has stored anything,
    // so each makes its own, and one must give way.
    JsonArray made = new JsonArray((List<?>) page.evaluate("""
        async () => {
          const { loadCertificate } = await import("/peerbook.js");
          const [a, b] = await Promise.all([loadCertificate({ key: "certificate:race" }),
                                            loadCertificate({ key: "certificate:race" })]);
          return [[a.fingerprint, a.deviceKey.keyId], [b.fingerprint, b.deviceKey.keyId]];
        }
        """));
    assertEquals(made.getJsonArray(0), made.getJsonArray(1));
    assertEquals(made.getJsonArray(0), new JsonArray(List.of(loadKey("certificate:race").getString("fingerprint"),
        loadKey("certificate:race").getString("keyId"))));
  }

  @Test
  @DisplayName("peerbook.js sends its key and answers the server's challenge with a P1363 signature that the server accepts for the contract's message (email lower-case, name as sent, fingerprint canonical); a reconnect proves again, to a new challenge")
  void provesEveryConnection() {
    start();
    List<Relayed> relayed = relay();
    open();
    JsonObject device = loadKey("certificate:Laptop Ü");
    Admin.put(node.port, ADMIN, "alice@example.com", "Laptop Ü", new JsonObject()
        .put("fingerprint", device.getString("fingerprint")).put("key", device.getString("spki")));
    page.evaluate("""
        async () => {
          const { Peerbook, loadCertificate } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key: "certificate:Laptop Ü" });
          window.states = [];
          // The fingerprint in the SDP form, lower-case: the proof must sign the canonical form.
          window.pb = new Peerbook({ url: `ws://${location.host}/ws`, email: " Alice@Example.COM ", name: "Laptop Ü",
            fingerprint: "sha-256 " + fingerprint.toLowerCase(), deviceKey, minDelay: 10, maxDelay: 10 });
          pb.addEventListener("status", ({ detail }) => states.push(detail.state));
          pb.connect();
        }
        """);
    // The server approves only a connection whose proof verifies; the device is approved with this key.
    page.waitForFunction("() => states.filter((s) => s === 'approved').length === 1");
    assertEquals(1, relayed.size());
    Relayed first = relayed.get(0);
    assertEquals(device.getString("spki"), query(first.url()).get("key"));
    assertEquals(64, first.signature().length, "not a P1363 signature (r‖s)");
    assertEquals(keyId(device.getString("spki")), page.evaluate("() => pb.keyId"));

    first.drop();
    page.waitForFunction("() => states.filter((s) => s === 'approved').length === 2");
    assertEquals(2, relayed.size());
    assertEquals(device.getString("spki"), query(relayed.get(1).url()).get("key"));
    assertEquals(64, relayed.get(1).signature().length);
    assertNotEquals(first.challenge(), relayed.get(1).challenge());
    assertEquals(0, Admin.book(node.port, ADMIN, "alice@example.com").getJsonArray("pending").size(),
        "a connection made a request");
  }

  @Test
  @DisplayName("a proof the server refuses (a signature by another key than the one sent: 401, then close 4401) ends in state refused with the server's text, not in waiting, and nothing is recorded")
  void refusedProof() {
    start();
    open();
    page.evaluate("""
        async () => {
          const { Peerbook, loadCertificate, loadDeviceKey } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key: "certificate:laptop" });
          // It sends its own public key but signs with another private key.
          const other = await loadDeviceKey({ key: "another-device-key" });
          window.states = [];
          window.pb = new Peerbook({ url: `ws://${location.host}/ws`, email: "alice@example.com", name: "laptop",
            fingerprint, deviceKey: { ...deviceKey, privateKey: other.privateKey }, minDelay: 10, maxDelay: 10 });
          pb.addEventListener("status", ({ detail }) => states.push(detail));
          pb.connect();
        }
        """);
    page.waitForFunction("() => states.some((s) => s.state === 'refused')");
    assertRefused("^(the )?device key (was )?not proven.*");
    assertEquals(0, Admin.book(node.port, ADMIN, "alice@example.com").getJsonArray("pending").size());
  }

  @Test
  @DisplayName("a client without a key sends no key and meets a server that requires one (401, close 4401) as refused, with the server's text")
  void keylessClientWhereKeysAreRequired() {
    start(Map.of("device_keys", "required"));
    List<String> urls = new CopyOnWriteArrayList<>();
    page.onWebSocket(ws -> urls.add(ws.url()));
    open();
    page.evaluate("""
        async () => {
          const { Peerbook, certificateFingerprint } = await import("/peerbook.js");
          const certificate = await RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" });
          window.pb = new Peerbook({ url: `ws://${location.host}/ws`, email: "alice@example.com", name: "old",
            fingerprint: certificateFingerprint(certificate) });
          window.states = [];
          pb.addEventListener("status", ({ detail }) => states.push(detail));
          pb.connect();
        }
        """);
    page.waitForFunction("() => states.some((s) => s.state === 'refused')");
    assertRefused("^(a )?device key (is )?required.*");
    assertEquals(null, page.evaluate("() => pb.keyId"));
    assertEquals(1, urls.size(), urls.toString());
    assertFalse(query(urls.get(0)).containsKey("key"), urls.get(0));
    assertEquals(0, Admin.book(node.port, ADMIN, "alice@example.com").getJsonArray("pending").size());
  }

  @Test
  @DisplayName("a page over plain http on a name other than localhost has no WebCrypto: no device key, the demo says why and connects without one")
  void noKeyWithoutSecureContext() {
    start();
    List<String> urls = new CopyOnWriteArrayList<>();
    page.onWebSocket(ws -> urls.add(ws.url()));
    page.navigate("http://" + Chromium.INSECURE_HOST + ":" + node.port + "/demo");
    assertEquals(false, page.evaluate("() => isSecureContext"));
    page.getByLabel("Email").fill("alice@example.com");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
    assertThat(page.locator("#status")).hasText("waiting");
    assertThat(page.locator("#key-id")).hasText("none: device keys need https (or localhost)");
    assertEquals(1, urls.size(), urls.toString());
    assertFalse(query(urls.get(0)).containsKey("key"), urls.get(0));
  }

  /** One connection the page made, as the relay saw it: the server's challenge and the client's signature. */
  private record Relayed(String url, String challenge, byte[] signature, WebSocketRoute page, WebSocketRoute server) {
    /** Drops the connection as a node going away does: the page sees 1001 and the server's socket closes. */
    void drop() {
      page.close(new WebSocketRoute.CloseOptions().setCode(1001).setReason("node shutting down"));
      server.close();
    }
  }

  /**
   * Passes every /ws frame between the page and the real server unchanged, and records each connection's challenge
   * and signature once the client has answered it.
   */
  private List<Relayed> relay() {
    List<Relayed> relayed = new CopyOnWriteArrayList<>();
    page.routeWebSocket(url -> url.contains("/ws?"), ws -> {
      WebSocketRoute server = ws.connectToServer();
      String[] challenge = new String[1];
      server.onMessage(frame -> {
        String c = new JsonObject(frame.text()).getString("challenge");
        if (c != null) {
          challenge[0] = c;
        }
        ws.send(frame.text());
      });
      ws.onMessage(frame -> {
        JsonObject message = new JsonObject(frame.text());
        if ("prove".equals(message.getString("command"))) {
          relayed.add(new Relayed(ws.url(), challenge[0], Base64.getUrlDecoder().decode(message.getString("signature")),
              ws, server));
        }
        server.send(frame.text());
      });
    });
    return relayed;
  }

  /** The client's last status: refused, 401, and the server's own words (its status text or its close reason). */
  private void assertRefused(String serverText) {
    @SuppressWarnings("unchecked")
    Map<String, Object> last = (Map<String, Object>) page.evaluate("() => states.at(-1)");
    assertEquals("refused", last.get("state"), last.toString());
    assertEquals(401, last.get("code"), last.toString());
    assertTrue(String.valueOf(last.get("text")).matches(serverText), last.toString());
    assertEquals("refused", page.evaluate("() => pb.state"));
  }

  private static PublicKey publicKey(String spki) throws GeneralSecurityException {
    return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getUrlDecoder().decode(spki)));
  }

  private static String keyId(String spki) {
    try {
      String hex = HexFormat.of().withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(spki)));
      return String.join("-", hex.substring(0, 4), hex.substring(4, 8), hex.substring(8, 12), hex.substring(12, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> query(String url) {
    Map<String, String> query = new HashMap<>();
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return query;
  }

  /** This device's key as peerbook.js loads it (with the certificate it is kept next to), and what the page may do with it. */
  @SuppressWarnings("unchecked")
  private JsonObject loadKey(String key) {
    return new JsonObject((Map<String, Object>) page.evaluate("""
        async (key) => {
          const { loadCertificate } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key });
          let exported = "exported";
          try { await crypto.subtle.exportKey("pkcs8", deviceKey.privateKey); } catch (e) { exported = e.name; }
          const { privateKey } = deviceKey;
          return { fingerprint, spki: deviceKey.spki, keyId: deviceKey.keyId, extractable: privateKey.extractable,
                   curve: privateKey.algorithm.namedCurve, usages: privateKey.usages.join(), exported };
        }
        """, key));
  }
}
