package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /demo as its own text describes it: tabs of ONE browser profile (one Playwright context, so one IndexedDB, one set
 * of Web Locks, one sessionStorage per tab), each tab a device of its own. WebRtcEndToEndTest covers one context per
 * device.
 */
class DemoPageTest {
  private static final String EMAIL = "tabs@example.com";
  private static final String TOKEN = "t";
  private static final Pattern KEY_ID = Pattern.compile("^[0-9A-F]{4}(-[0-9A-F]{4}){3}$");
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static Chromium chromium;
  private final List<String> consoleErrors = new CopyOnWriteArrayList<>();
  private TestNode node;
  private BrowserContext browser;

  @BeforeAll
  static void launch() {
    chromium = Chromium.launch(Chromium.WEBRTC_ARGS);
  }

  @AfterAll
  static void quit() {
    chromium.close();
  }

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
    browser = chromium.browser.newContext(new Browser.NewContextOptions().setViewportSize(1000, 900));
    browser.grantPermissions(List.of("camera", "microphone"));
    browser.onConsoleMessage(m -> {
      if (m.type().equals("error")) {
        consoleErrors.add(m.text() + " at " + m.location());
      }
    });
  }

  @AfterEach
  void stop() {
    browser.close();
    node.close();
  }

  @Test
  @DisplayName("two tabs of one browser are two devices: the second starts with the email and a name of its own, both are approved from the mailed link, the data channel opens and a message goes both ways; no console error (favicon included)")
  void twoTabsOfOneBrowser() {
    Page alpha = tab();
    alpha.getByLabel("Email").fill(EMAIL);
    join(alpha);
    Page beta = tab();
    assertThat(beta.getByLabel("Email")).hasValue(EMAIL);
    assertNotEquals(alpha.getByLabel("Device name").inputValue(), beta.getByLabel("Device name").inputValue());
    join(beta);
    assertNotEquals(alpha.locator("#fingerprint").textContent(), beta.locator("#fingerprint").textContent());
    assertNotEquals(alpha.locator("#key-id").textContent(), beta.locator("#key-id").textContent());
    // What the server said, in its words (not a fixed "check your mail").
    assertThat(alpha.locator("#said")).hasText(Pattern.compile("^the server says: “waiting for approval.+”$"));

    // The user opens the mailed link in a third tab of the same browser and approves both.
    Page mail = browser.newPage();
    mail.navigate(TestNode.link(node.awaitMailTo(EMAIL)));
    mail.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Continue")).click();
    for (Page device : List.of(alpha, beta)) {
      mail.getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions().setHasText(name(device)))
          .getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve").setExact(true)).click();
      assertThat(device.locator("#status")).hasText("approved");
    }

    alpha.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Connect to " + name(beta))).click();
    assertThat(alpha.locator("#verified")).hasText("verified fingerprint " + beta.locator("#fingerprint").textContent());
    assertThat(beta.locator("#verified")).hasText("verified fingerprint " + alpha.locator("#fingerprint").textContent());
    say(alpha, "hello from the first tab");
    assertThat(beta.locator("#log")).containsText(name(alpha) + ": hello from the first tab");
    say(beta, "hello from the second tab");
    assertThat(alpha.locator("#log")).containsText(name(beta) + ": hello from the second tab");
    shot(alpha, "demo-two-tabs.png");
    assertEquals(List.of(), consoleErrors);
  }

  @Test
  @DisplayName("a reloaded tab is the same device: it joins again by itself with its name, fingerprint and key id, approved without a new request")
  void reloadKeepsTheDevice() {
    Page page = tab();
    page.getByLabel("Email").fill(EMAIL);
    page.getByLabel("Device name").fill("laptop");
    join(page);
    String fingerprint = approve(page);
    String keyId = page.locator("#key-id").textContent();
    assertTrue(KEY_ID.matcher(keyId).matches(), keyId);

    page.reload();
    assertThat(page.locator("#status")).hasText("approved");
    assertThat(page.getByLabel("Device name")).hasValue("laptop");
    assertThat(page.locator("#fingerprint")).hasText(fingerprint);
    assertThat(page.locator("#key-id")).hasText(keyId);
    JsonObject book = Admin.book(node.port, TOKEN, EMAIL);
    assertEquals(1, book.getJsonArray("approved").size(), book.encode());
    assertEquals(0, book.getJsonArray("pending").size(), book.encode());
  }

  @Test
  @DisplayName("a second tab cannot take the name another tab of the browser holds: it says so and offers another name, and the first tab stays approved")
  void oneNamePerBrowser() {
    Page first = tab();
    first.getByLabel("Email").fill(EMAIL);
    first.getByLabel("Device name").fill("laptop");
    join(first);
    approve(first);

    // Under the same name the second tab would load the same certificate and replace the first (4409).
    Page second = tab();
    second.getByLabel("Device name").fill("Laptop");
    second.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
    assertThat(second.locator("#said")).containsText("another tab of this browser is already device “Laptop”");
    assertThat(second.locator("#status")).hasText("not connected");
    String offered = name(second);
    assertTrue(offered.startsWith("tab-"), offered);

    join(second);
    assertThat(first.locator("#status")).hasText("approved");
    JsonObject book = Admin.book(node.port, TOKEN, EMAIL);
    assertEquals(List.of("laptop"), book.getJsonArray("approved").stream()
        .map(p -> ((JsonObject) p).getString("name")).toList(), book.encode());
    assertEquals(List.of(offered), book.getJsonArray("pending").stream()
        .map(p -> ((JsonObject) p).getString("name")).toList(), book.encode());
  }

  @Test
  @DisplayName("on a 360 px wide phone nothing overflows to the right: fingerprint, key id, the server's text, the verified line and a long chat line wrap")
  void narrowScreen() {
    Page alpha = tab();
    alpha.getByLabel("Email").fill(EMAIL);
    join(alpha);
    Page beta = tab();
    join(beta);
    approve(alpha);
    approve(beta);
    alpha.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Connect to " + name(beta))).click();
    assertThat(alpha.locator("#verified")).hasText(Pattern.compile("^verified fingerprint "));
    say(alpha, "x".repeat(300));
    assertThat(beta.locator("#log")).containsText("x".repeat(300));

    for (Page page : List.of(alpha, beta)) {
      page.setViewportSize(360, 740);
      assertEquals(true, page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"),
          "the page is wider than 360 px");
    }
    shot(beta, "demo-360px.png");
  }

  /** A new tab of the shared browser on /demo. */
  private Page tab() {
    Page page = browser.newPage();
    page.navigate("http://127.0.0.1:" + node.port + "/demo");
    return page;
  }

  /** Presses Join as the form stands and waits for the device's request to be recorded. */
  private static void join(Page page) {
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
    assertThat(page.locator("#status")).hasText("waiting");
  }

  /** The user approves the waiting tab (admin API, with the fingerprint the tab shows); returns that fingerprint. */
  private String approve(Page page) {
    String fingerprint = page.locator("#fingerprint").textContent();
    assertEquals(fingerprint, Admin.approveWaiting(node.port, TOKEN, EMAIL, name(page)).getString("fingerprint"));
    assertThat(page.locator("#status")).hasText("approved");
    return fingerprint;
  }

  /**
   * Pages of one context are tabs of one window, and headless Chromium draws only the front one: a screenshot of
   * another never gets its frame and times out (what made "two tabs of one profile" look hung). So: front first.
   */
  private static void shot(Page page, String file) {
    page.bringToFront();
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(file)).setFullPage(true));
  }

  private static String name(Page page) {
    return page.getByLabel("Device name").inputValue();
  }

  private static void say(Page page, String text) {
    page.getByLabel("Message").fill(text);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Send")).click();
  }
}
