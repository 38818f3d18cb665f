package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example of docs/client.md, copied as it stands into a page of another origin (only the server's address
 * changed), connects two devices through a running peerbook: what the docs promise a developer.
 */
class ClientExampleTest {
  private Chromium chromium;
  private BrowserContext context;
  private TestNode node;
  private String appOrigin;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", "t"));
    chromium = Chromium.launch(Chromium.WEBRTC_ARGS);
    context = chromium.browser.newContext(new Browser.NewContextOptions());
    context.grantPermissions(List.of("camera", "microphone"));
  }

  @AfterEach
  void stop() {
    context.close();
    chromium.close();
    node.close();
  }

  @Test
  @DisplayName("the example page of docs/client.md, served from another origin, connects two devices (two tabs of one browser, each with its device key) through peerbook")
  void docsExampleWorks() throws Exception {
    Matcher block = Pattern.compile("```html\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("docs", "client.md")));
    assertTrue(block.find(), "no html example in docs/client.md");
    String html = block.group(1)
        .replace("https://peerbook.example.com/peerbook.js", "http://127.0.0.1:" + node.port + "/peerbook.js")
        .replace("wss://peerbook.example.com/ws", "ws://127.0.0.1:" + node.port + "/ws");
    // The app's own origin, another port: the page imports peerbook.js and opens /ws across origins.
    HttpServer app = node.vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "text/html; charset=utf-8").end(html))
        .listen(0, "127.0.0.1").await();
    appOrigin = "http://127.0.0.1:" + app.actualPort();

    Page laptop = device("laptop");
    Page phone = device("phone");
    laptop.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Call the other device")).click();

    assertThat(laptop.locator("#log")).containsText("connected to phone, fingerprint verified");
    assertThat(phone.locator("#log")).containsText("connected to laptop, fingerprint verified");
    assertThat(laptop.locator("#log")).containsText("phone: hello from phone");
    assertThat(phone.locator("#log")).containsText("laptop: hello from laptop");
  }

  /** Opens the example as this device; the user approves it (admin API) with the fingerprint its certificate has. */
  private Page device(String name) {
    Page page = context.newPage();
    page.navigate(appOrigin + "/example.html?name=" + name);
    assertThat(page.locator("#log")).containsText("status: waiting");
    assertThat(page.locator("#log")).containsText(Pattern.compile("key id: [0-9A-F]{4}(-[0-9A-F]{4}){3}"));
    String fingerprint = (String) page.evaluate("async (name) => (await (await import('http://127.0.0.1:"
        + node.port + "/peerbook.js')).loadCertificate({ key: 'certificate:' + name })).fingerprint", name);
    assertEquals(fingerprint, Admin.approveWaiting(node.port, "t", "alice@example.com", name).getString("fingerprint"));
    assertThat(page.locator("#log")).containsText("status: approved");
    return page;
  }
}
