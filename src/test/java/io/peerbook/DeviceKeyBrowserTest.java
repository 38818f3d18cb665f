package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocket;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device keys end to end with real keys (issue 13's tests): /demo in headless Chromium makes its non-extractable
 * WebCrypto key and proves it to the real server; the user compares its key id with the mailed approval page and
 * decides there with real clicks. Java peers (PeerClient) play the connections that are not the device.
 * Screenshots of the key cases go to {@code target/screenshots/}.
 */
class DeviceKeyBrowserTest {
  private static final String ADMIN = "t";
  private static final String EMAIL = "keys@example.com";
  private static final Pattern KEY_ID = Pattern.compile("^[0-9A-F]{4}(-[0-9A-F]{4}){3}$");
  private static final Path SHOTS = Path.of("target", "screenshots");

  private static Chromium chromium;
  private TestNode node;
  private BrowserContext context;

  @BeforeAll
  static void launch() {
    PlaywrightAssertions.setDefaultAssertionTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
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
    context = chromium.browser.newContext(new Browser.NewContextOptions().setViewportSize(1000, 800));
    context.setDefaultTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
  }

  @AfterEach
  void stop() {
    if (context != null) {
      context.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a /demo device makes its key; the mail and the page show the key id the tab shows; approved on the page it turns approved, a reload proves the key again and is approved without a new request, and the book holds its key")
  void browserDeviceIsApprovedOnThePage() {
    start(Map.of());
    Page tab = demo("127.0.0.1");
    join(tab, "laptop");
    assertThat(tab.locator("#status")).hasText("waiting");
    String keyId = tab.locator("#key-id").textContent();
    assertTrue(KEY_ID.matcher(keyId).matches(), keyId);
    String fingerprint = tab.locator("#fingerprint").textContent();

    MimeMessage mail = node.awaitMailTo(EMAIL);
    assertTrue(TestNode.text(mail).contains("key id " + keyId), TestNode.text(mail));
    assertTrue(TestNode.html(mail).contains(keyId), TestNode.html(mail));
    Page devices = signIn(mail);
    Locator request = card(devices, "Waiting for approval", "laptop");
    assertThat(fact(request, "Key id")).hasText(keyId);
    assertThat(fact(request, "Fingerprint")).hasText(fingerprint);
    assertEquals(0, request.locator(".tag").count(), "a new device carries no change mark");

    button(request, "Approve").click();
    assertThat(devices.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions().setHasText("Approved laptop.")))
        .isVisible();
    assertThat(tab.locator("#status")).hasText("approved");
    Locator approved = card(devices, "Approved devices", "laptop");
    assertThat(fact(approved, "Key id")).hasText(keyId);
    assertThat(approved).containsText("Online now");

    // A reload is a new connection: it proves the same key and is the approved device, with no request.
    int mails = node.mail.getReceivedMessages().length;
    tab.reload();
    assertThat(tab.locator("#status")).hasText("approved");
    assertThat(tab.locator("#key-id")).hasText(keyId);
    JsonObject book = Admin.book(node.port, ADMIN, EMAIL);
    assertEquals(0, book.getJsonArray("pending").size(), book.encode());
    JsonObject entry = book.getJsonArray("approved").getJsonObject(0);
    assertEquals(keyId, entry.getString("key_id"));
    assertEquals(spki(tab, "laptop"), entry.getString("key"));
    assertTrue(entry.getBoolean("online"), entry.encode());
    assertEquals(mails, node.mail.getReceivedMessages().length, "the reload made a request");
    shot(devices, "14-key-approved");
  }

  @Test
  @DisplayName("a Java connection with the tab's name and fingerprint but no key gets 401 (and again on a second try) and shows on the page as 'Key differs' with no key; the tab stays approved and online: no 4409, its socket still gets what is meant for it and nothing else, the other peers hear nothing; Reject tells only the impostor")
  void fingerprintAloneIsAKeyDiffersRequest() {
    start(Map.of());
    String deskFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, EMAIL, "desk", deskFp, "server");
    PeerClient desk = node.connect(EMAIL, "desk", deskFp);
    desk.expectCode(200);

    Page tab = demo("127.0.0.1");
    List<String> received = new CopyOnWriteArrayList<>();
    WebSocket socket = tab.waitForWebSocket(() -> join(tab, "laptop"));
    socket.onFrameReceived(f -> received.add(f.text()));
    assertThat(tab.locator("#status")).hasText("waiting");
    String keyId = tab.locator("#key-id").textContent();
    String fingerprint = tab.locator("#fingerprint").textContent();
    Page devices = signIn(node.awaitMailTo(EMAIL));
    button(card(devices, "Waiting for approval", "laptop"), "Approve").click();
    assertThat(tab.locator("#status")).hasText("approved");
    assertEquals("approved", desk.next(m -> m.containsKey("peer_update")).getJsonObject("peer_update").getString("event"));
    assertThat(card(devices, "Approved devices", "laptop")).containsText("Online now");
    // The tab has its list (what it asks for once approved): from here on it asks nothing, so it is told nothing.
    assertThat(tab.locator("#peers")).containsText("desk");

    int before = received.size();
    PeerClient first = node.connect(EMAIL, "laptop", fingerprint);
    first.expectCode(401);
    // Trying again replaces the first try's waiting socket, and only that one: the device has the key.
    PeerClient impostor = node.connect(EMAIL, "laptop", fingerprint);
    impostor.expectCode(401);
    assertEquals(4409, first.awaitClose());
    Locator request = card(devices, "Waiting for approval", "laptop");
    assertThat(request.locator(".tag")).hasText("Key differs");
    assertThat(fact(request, "Key id")).hasText("none: this request has no device key");
    assertThat(fact(request, "Replaces key")).hasText(keyId);
    assertThat(fact(request, "Fingerprint")).hasText(fingerprint);
    assertThat(request).containsText("this request has no key");
    assertThat(request).containsText("approving it lets a connection without the device's key act as laptop");
    shot(devices, "15-key-differs");

    // What is meant for the device still reaches the tab's socket, and nothing came to it before that.
    JsonObject meant = new JsonObject().put("target", "laptop").put("candidate", (Object) null);
    socket.waitForFrameReceived(new WebSocket.WaitForFrameReceivedOptions()
        .setPredicate(f -> f.text().contains("\"candidate\"")), () -> desk.send(meant));
    assertEquals(1, received.size() - before, "the tab was told something: " + received.subList(before, received.size()));
    assertFalse(socket.isClosed(), "the tab's socket was closed");
    assertThat(tab.locator("#status")).hasText("approved");
    desk.expectNothingBeforePong();
    impostor.expectNothingBeforePong();
    assertThat(card(devices, "Approved devices", "laptop")).containsText("Online now");
    JsonObject entry = Admin.book(node.port, ADMIN, EMAIL).getJsonArray("approved").stream().map(JsonObject.class::cast)
        .filter(e -> "laptop".equals(e.getString("name"))).findFirst().orElseThrow();
    assertEquals(keyId, entry.getString("key_id"));
    assertTrue(entry.getBoolean("online"), entry.encode());

    // The user rejects it: the impostor is told, the device is not.
    button(request, "Reject").click();
    impostor.expectCode(403);
    assertEquals(4403, impostor.awaitClose());
    assertThat(tab.locator("#status")).hasText("approved");
    assertFalse(socket.isClosed());
  }

  @Test
  @DisplayName("a device approved without a key (admin PUT of the tab's fingerprint) that connects from the page with its key shows as 'Adds a device key' with the tab's key id; its keyless connection stays until the user approves, then the key is bound and the keyless one gets 401 and 4401")
  void keylessDeviceAddsItsKeyOnThePage() {
    start(Map.of());
    Page tab = demo("127.0.0.1");
    JsonObject identity = identity(tab, "phone");
    String fingerprint = identity.getString("fingerprint");
    Admin.provision(node.port, ADMIN, EMAIL, "phone", fingerprint, null);
    PeerClient keyless = node.connect(EMAIL, "phone", fingerprint);
    keyless.expectCode(200);

    join(tab, "phone");
    assertThat(tab.locator("#status")).hasText("waiting");
    String keyId = tab.locator("#key-id").textContent();
    assertEquals(identity.getString("keyId"), keyId);
    MimeMessage mail = node.awaitMailTo(EMAIL);
    assertTrue(TestNode.text(mail).contains("ADDS A DEVICE KEY"), TestNode.text(mail));
    Page devices = signIn(mail);
    Locator request = card(devices, "Waiting for approval", "phone");
    assertThat(request.locator(".tag")).hasText("Adds a device key");
    assertThat(fact(request, "Key id")).hasText(keyId);
    assertThat(fact(request, "Fingerprint")).hasText(fingerprint);
    assertThat(request).containsText("phone is approved without a device key");
    assertEquals(0, fact(request, "Replaces key").count());
    assertThat(fact(card(devices, "Approved devices", "phone"), "Key id"))
        .hasText("none: connects with its fingerprint alone");
    keyless.expectNothingBeforePong();
    shot(devices, "16-adds-key");

    button(request, "Approve").click();
    assertThat(tab.locator("#status")).hasText("approved");
    assertEquals(401, keyless.next(m -> m.containsKey("code")).getInteger("code"));
    assertEquals(4401, keyless.awaitClose());
    assertThat(fact(card(devices, "Approved devices", "phone"), "Key id")).hasText(keyId);
    JsonObject entry = Admin.book(node.port, ADMIN, EMAIL).getJsonArray("approved").getJsonObject(0);
    assertEquals(identity.getString("spki"), entry.getString("key"));
    assertEquals(keyId, entry.getString("key_id"));
    node.connect(EMAIL, "phone", fingerprint).expectCode(401);
  }

  @Test
  @DisplayName("with device_keys required, the demo on a page without WebCrypto is refused with the server's text and nothing is recorded; on 127.0.0.1 it proves its key, waits, and is approved")
  void requiredMode() {
    start(Map.of("device_keys", "required"));
    Page insecure = demo(Chromium.INSECURE_HOST);
    assertEquals(false, insecure.evaluate("() => isSecureContext"));
    join(insecure, "old");
    assertThat(insecure.locator("#status")).hasText("refused");
    // The server's words: its 401 says "a device key is required: …", its close 4401 "device key required".
    assertThat(insecure.locator("#said")).hasText(Pattern.compile("^the server says: “(a )?device key (is )?required.*”$"));
    assertThat(insecure.locator("#key-id")).hasText("none: device keys need https (or localhost)");
    JsonArray pending = Admin.book(node.port, ADMIN, EMAIL).getJsonArray("pending");
    assertEquals(0, pending.size(), pending.encode());

    Page secure = demo("127.0.0.1");
    join(secure, "new");
    assertThat(secure.locator("#status")).hasText("waiting");
    JsonObject request = Admin.approveWaiting(node.port, ADMIN, EMAIL, "new");
    assertEquals(secure.locator("#key-id").textContent(), request.getString("key_id"));
    assertThat(secure.locator("#status")).hasText("approved");
  }

  // --- helpers ---

  /** A tab on /demo served from {@code host}. */
  private Page demo(String host) {
    Page tab = context.newPage();
    tab.navigate("http://" + host + ":" + node.port + "/demo");
    return tab;
  }

  private static void join(Page tab, String name) {
    tab.getByLabel("Email").fill(EMAIL);
    tab.getByLabel("Device name").fill(name);
    tab.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
  }

  /** The certificate and device key the demo uses for {@code name}, as peerbook.js keeps them in this browser. */
  @SuppressWarnings("unchecked")
  private static JsonObject identity(Page tab, String name) {
    return new JsonObject((Map<String, Object>) tab.evaluate("""
        async (name) => {
          const { loadCertificate } = await import("/peerbook.js");
          const { fingerprint, deviceKey } = await loadCertificate({ key: "certificate:" + name });
          return { fingerprint, spki: deviceKey.spki, keyId: deviceKey.keyId };
        }
        """, name));
  }

  private static String spki(Page tab, String name) {
    return identity(tab, name).getString("spki");
  }

  /** Opens the mailed link in a tab of the same browser and continues to "Your devices", live. */
  private Page signIn(MimeMessage mail) {
    Page devices = context.newPage();
    devices.navigate(TestNode.link(mail));
    button(devices.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(devices.getByText("Live: new requests")).isVisible();
    return devices;
  }

  private static Locator card(Page page, String section, String name) {
    return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(section))
        .getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions()
            .setHas(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setExact(true))));
  }

  /** The value of one of a card's facts, by its term. */
  private static Locator fact(Locator card, String term) {
    return card.locator("dt").filter(new Locator.FilterOptions().setHasText(Pattern.compile("^" + term + "$")))
        .locator("xpath=following-sibling::dd[1]");
  }

  private static Locator button(Locator scope, String name) {
    return scope.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
  }

  /** Headless Chromium draws only the front tab of a window: the page comes to the front first. */
  private static void shot(Page page, String name) {
    page.bringToFront();
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
  }
}
