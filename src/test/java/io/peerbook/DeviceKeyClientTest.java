package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * peerbook.js's device key in headless Chromium: made once with WebCrypto, non-extractable, kept in IndexedDB next to
 * the certificate, and its proof of a connection. The server's side of device keys is not here yet, so the
 * challenge step is played by a stand-in (Playwright's WebSocket routing inside the browser) that checks the proof in
 * Java, as the server will; the tests against the real server are listed in docs/client.md's "Device keys".
 */
class DeviceKeyClientTest {
  /** A name that is not localhost: a page served from it over plain http is no secure context, so has no WebCrypto. */
  private static final String INSECURE_HOST = "insecure.test";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static Chromium chromium;
  private final List<Proof> proofs = new CopyOnWriteArrayList<>();
  private final List<WebSocketRoute> sockets = new CopyOnWriteArrayList<>();
  private TestNode node;
  private BrowserContext browser;
  private Page page;

  /** One answer to a challenge, as the stand-in received and checked it. */
  private record Proof(Map<String, String> query, String challenge, byte[] signature, boolean valid) {
  }

  @BeforeAll
  static void launch() {
    chromium = Chromium.launch(List.of("--host-resolver-rules=MAP " + INSECURE_HOST + " 127.0.0.1"));
  }

  @AfterAll
  static void quit() {
    chromium.close();
  }

  @BeforeEach
  void start() {
    node = TestNode.start();
    // The host page is /demo, whose CSP forbids eval; Playwright's waitForFunction needs it.
    browser = chromium.browser.newContext(new Browser.NewContextOptions().setBypassCSP(true));
    page = browser.newPage();
  }

  /** Opens the page that hosts the client; WebSocket routes apply only to pages loaded after them. */
  private void open() {
    page.navigate("http://127.0.0.1:" + node.port + "/demo");
  }

  @AfterEach
  void stop() {
    browser.close();
    node.close();
  }

  @Test
  @DisplayName("the device key is made once and kept next to the certificate: P-256, private half not extractable, the same key and key id after a reload; the key id is SHA-256 of the SPKI, 16 hex digits in groups of four")
  void keyIsMadeOnceAndKept() throws GeneralSecurityException {
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
  @DisplayName("peerbook.js sends its key and answers the challenge with a P1363 signature of the contract's message (email lower-case, name as sent, fingerprint canonical); every reconnect proves again")
  void provesEveryConnection() {
    standIn((socket, proof) -> socket.send(status(proof.valid() ? 200 : 401, proof.valid() ? "approved" : "bad proof")));
    open();
    String spki = (String) page.evaluate("""
        async () => {
          const { Peerbook, loadCertificate } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key: "certificate:Laptop Ü" });
          window.states = [];
          // The fingerprint in the SDP form, lower-case: the proof must sign the canonical form.
          window.pb = new Peerbook({ url: `ws://${location.host}/ws`, email: " Alice@Example.COM ", name: "Laptop Ü",
            fingerprint: "sha-256 " + fingerprint.toLowerCase(), deviceKey, minDelay: 10, maxDelay: 10 });
          pb.addEventListener("status", ({ detail }) => states.push(detail.state));
          pb.connect();
          return deviceKey.spki;
        }
        """);
    // The stand-in answers 200 to a proof that verifies, 401 to one that does not.
    page.waitForFunction("() => states.filter((s) => s === 'approved' || s === 'waiting').length === 1");
    assertEquals(1, proofs.size());
    assertTrue(proofs.get(0).valid(), "the first proof does not verify");
    assertEquals(64, proofs.get(0).signature().length, "not a P1363 signature (r‖s)");
    assertEquals(spki, proofs.get(0).query().get("key"));
    assertEquals(page.evaluate("() => pb.keyId"), keyId(spki));

    sockets.get(0).close(new WebSocketRoute.CloseOptions().setCode(1001).setReason("node shutting down"));
    page.waitForFunction("() => states.filter((s) => s === 'approved' || s === 'waiting').length === 2");
    assertEquals(2, proofs.size());
    assertTrue(proofs.get(1).valid(), "the proof after the reconnect does not verify");
    assertEquals(spki, proofs.get(1).query().get("key"));
    assertNotEquals(proofs.get(0).challenge(), proofs.get(1).challenge());
  }

  @Test
  @DisplayName("a proof the server refuses (401, then close 4401) ends in state refused with the server's text, not in waiting")
  void refusedProof() {
    standIn((socket, proof) -> {
      socket.send(status(401, "the device key's proof is wrong"));
      socket.close(new WebSocketRoute.CloseOptions().setCode(4401).setReason("the device key's proof is wrong"));
    });
    open();
    page.evaluate("""
        async () => {
          const { Peerbook, loadCertificate } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key: "certificate:laptop" });
          window.states = [];
          window.pb = new Peerbook({ url: `ws://${location.host}/ws`, email: "alice@example.com", name: "laptop",
            fingerprint, deviceKey, minDelay: 10, maxDelay: 10 });
          pb.addEventListener("status", ({ detail }) => states.push(detail));
          pb.connect();
        }
        """);
    page.waitForFunction("() => states.some((s) => s.state === 'refused')");
    assertEquals(1, proofs.size());
    assertEquals(Map.of("state", "refused", "code", 401, "text", "the device key's proof is wrong"),
        page.evaluate("() => states.at(-1)"));
    assertEquals("refused", page.evaluate("() => pb.state"));
  }

  @Test
  @DisplayName("a client without a key sends no key and meets a server that requires one (401, close 4401) as refused")
  void keylessClientWhereKeysAreRequired() {
    page.routeWebSocket(url -> url.contains("/ws?"), socket -> {
      sockets.add(socket);
      socket.send(status(401, "a device key is required"));
      socket.close(new WebSocketRoute.CloseOptions().setCode(4401).setReason("a device key is required"));
    });
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
    assertEquals(Map.of("state", "refused", "code", 401, "text", "a device key is required"),
        page.evaluate("() => states.at(-1)"));
    assertEquals(null, page.evaluate("() => pb.keyId"));
    assertFalse(query(sockets.get(0).url()).containsKey("key"), sockets.get(0).url());
  }

  @Test
  @DisplayName("a page over plain http on a name other than localhost has no WebCrypto: no device key, the demo says why and connects without one")
  void noKeyWithoutSecureContext() {
    List<String> urls = new CopyOnWriteArrayList<>();
    page.onWebSocket(ws -> urls.add(ws.url()));
    page.navigate("http://" + INSECURE_HOST + ":" + node.port + "/demo");
    assertEquals(false, page.evaluate("() => isSecureContext"));
    page.getByLabel("Email").fill("alice@example.com");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
    assertThat(page.locator("#status")).hasText("waiting");
    assertThat(page.locator("#key-id")).hasText("none: device keys need https (or localhost)");
    assertEquals(1, urls.size(), urls.toString());
    assertFalse(query(urls.get(0)).containsKey("key"), urls.get(0));
  }

  /**
   * The contract's proof step for every /ws the page opens: a fresh challenge first, then the `prove` answer checked
   * against the `key` of the URL; {@code then} answers as the server would.
   */
  private void standIn(BiConsumer<WebSocketRoute, Proof> then) {
    page.routeWebSocket(url -> url.contains("/ws?"), socket -> {
      sockets.add(socket);
      byte[] random = new byte[32];
      RANDOM.nextBytes(random);
      String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Map<String, String> query = query(socket.url());
      socket.onMessage(frame -> {
        JsonObject message = new JsonObject(frame.text());
        if ("prove".equals(message.getString("command"))) {
          byte[] signature = Base64.getUrlDecoder().decode(message.getString("signature"));
          Proof proof = new Proof(query, challenge, signature, verifies(query, challenge, signature));
          proofs.add(proof);
          then.accept(socket, proof);
        }
      });
      socket.send(new JsonObject().put("challenge", challenge).encode());
    });
  }

  /** The contract's check, as a server in Java makes it: "SHA256withECDSAinP1363Format" over the documented lines. */
  private static boolean verifies(Map<String, String> query, String challenge, byte[] signature) {
    String message = String.join("\n", "peerbook-device-proof", challenge,
        query.get("email").trim().toLowerCase(Locale.ROOT), query.get("name"), canonical(query.get("fingerprint")));
    try {
      Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
      verifier.initVerify(publicKey(query.get("key")));
      verifier.update(message.getBytes(StandardCharsets.UTF_8));
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** {@code AB:CD:…} from any accepted form ({@code sha-256 ab:cd…}, bare hex). */
  private static String canonical(String fingerprint) {
    String hex = fingerprint.replaceFirst("^\\S+\\s+", "").replace(":", "").toUpperCase(Locale.ROOT);
    return String.join(":", hex.split("(?<=\\G..)"));
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

  private static String status(int code, String text) {
    return new JsonObject().put("code", code).put("text", text).encode();
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
