package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.MailChecks;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
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
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The front door in Debian's Chromium: the way back to "Your devices" without a device waiting (start page, mail,
 * link, Continue, then Rename and Remove), a forged form from another site, the demo pointer, and the 429 page; and
 * the page's messages that stay true: the message after a change goes once the live lists change, and a spent link's
 * page points to the front door. Screenshots go to {@code target/screenshots/}.
 */
class FrontDoorBrowserTest {
  private static final String ADMIN = "t";
  private static final Path SHOTS = Path.of("target", "screenshots");

  private static Chromium chromium;
  private static TestNode node;
  private BrowserContext context;
  private Page page;

  @BeforeAll
  static void launch() {
    PlaywrightAssertions.setDefaultAssertionTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    chromium = Chromium.launch();
    node = TestNode.start(Map.of("admin_token", ADMIN, "max_requests_per_address", 10_000));
  }

  @AfterAll
  static void shutDown() {
    if (node != null) {
      node.close();
    }
    if (chromium != null) {
      chromium.close();
    }
  }

  @BeforeEach
  void openBrowser() {
    context = chromium.browser.newContext(new Browser.NewContextOptions().setViewportSize(1000, 800));
    context.setDefaultTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    page = context.newPage();
  }

  @AfterEach
  void closeBrowser() {
    context.close();
  }

  @Test
  @DisplayName("start page, Email me a link, the mailed link, Continue: Your devices lists the user's devices, and Rename and Remove work (the connected peer is told)")
  void wayBackToYourDevices() {
    String email = "back@example.com";
    String deskFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Desk", deskFp, "server");
    Admin.provision(node.port, ADMIN, email, "Lost phone", phoneFp, "client");
    PeerClient desk = node.connect(email, "Desk", deskFp);
    desk.expectCode(200);

    page.navigate(base() + "/");
    assertThat(heading("Welcome to peerbook")).isVisible();
    assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Open the demo"))).isVisible();
    shot("11-front-door");
    page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Your email address")).fill(email);
    button(page.getByRole(AriaRole.MAIN), "Email me a link").click();
    assertThat(heading("Check your mail")).isVisible();
    assertThat(page.getByRole(AriaRole.MAIN)).containsText("works once, for 15 minutes");
    shot("12-check-your-mail");

    MimeMessage mail = node.awaitMailTo(email);
    page.navigate(TestNode.link(mail));
    assertThat(heading("Review your devices")).isVisible();
    assertThat(page.getByRole(AriaRole.MAIN)).containsText("No device is waiting right now");
    button(page.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(heading("Your devices")).isVisible();
    assertThat(page.getByText("Live: new requests")).isVisible();
    assertThat(approvedCard("Desk")).containsText("Online now");
    assertThat(approvedCard("Lost phone")).containsText(phoneFp);

    Locator deskCard = approvedCard("Desk");
    deskCard.getByRole(AriaRole.TEXTBOX, new Locator.GetByRoleOptions().setName("New name for Desk")).fill("Den");
    button(deskCard, "Rename").click();
    assertThat(page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions().setHasText("Renamed to Den."))).isVisible();
    assertEquals("Den", desk.next(m -> m.containsKey("peer_update")).getJsonObject("peer_update").getString("name"));

    button(approvedCard("Lost phone"), "Remove").click();
    assertThat(heading("Remove Lost phone?")).isVisible();
    button(page.getByRole(AriaRole.MAIN), "Remove").click();
    assertThat(page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions().setHasText("Removed Lost phone."))).isVisible();
    assertEquals(0, approvedCard("Lost phone").count());
    JsonArray approved = Admin.book(node.port, ADMIN, email).getJsonArray("approved");
    assertEquals(List.of("Den"), approved.stream().map(o -> ((JsonObject) o).getString("name")).toList());
  }

  @Test
  @DisplayName("a form on another site posting an address to the front door gets 403 and mails nothing")
  void forgedFormIsRefused() {
    String email = "forged-door@example.com";
    Admin.provision(node.port, ADMIN, email, "Laptop", Fingerprints.random(), null);
    page.navigate(base() + "/"); // the browser holds the front door's cookie; the other site cannot read the token
    String target = base() + "/";
    String evil = "<!doctype html><form id=f method=post action=\"" + target + "\">"
        + "<input name=email value=\"" + email + "\"><input name=door_csrf value=guess></form>"
        + "<script>document.getElementById('f').submit()</script>";
    HttpServer attacker = PeerClient.await(node.vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "text/html").end(evil)).listen(0, "127.0.0.1"));
    try {
      Response forged = page.waitForResponse(r -> r.url().equals(target) && "POST".equals(r.request().method()),
          () -> page.navigate("http://127.0.0.1:" + attacker.actualPort() + "/"));
      assertEquals(403, forged.status());
      assertThat(heading("Please use the form on the start page")).isVisible();
    } finally {
      PeerClient.await(attacker.close());
    }
    // A real request for another user is the barrier: it is mailed after anything the forged one could have caused.
    String barrier = "forged-door-barrier@example.com";
    Admin.provision(node.port, ADMIN, barrier, "Laptop", Fingerprints.random(), null);
    page.navigate(base() + "/");
    page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Your email address")).fill(barrier);
    button(page.getByRole(AriaRole.MAIN), "Email me a link").click();
    assertThat(heading("Check your mail")).isVisible();
    node.awaitMailTo(barrier);
    MailChecks.assertNothingMailed(node, email);
  }

  @Test
  @DisplayName("the start page's pointer opens the demo")
  void pointsToTheDemo() {
    page.navigate(base() + "/");
    page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Open the demo")).click();
    assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("peerbook demo"))).isVisible();
  }

  @Test
  @DisplayName("over the per-address cap the answer is 429 and a page that says when to try again")
  void capPage() {
    try (TestNode capped = TestNode.start(Map.of("max_requests_per_address", 1))) {
      String door = "http://127.0.0.1:" + capped.port + "/";
      for (int i = 0; i < 2; i++) {
        page.navigate(door);
        page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Your email address")).fill("cap" + i + "@example.com");
        Response r = page.waitForResponse(x -> x.url().equals(door) && "POST".equals(x.request().method()),
            () -> button(page.getByRole(AriaRole.MAIN), "Email me a link").click());
        assertEquals(i == 0 ? 200 : 429, r.status());
      }
      assertThat(heading("Too many requests")).isVisible();
      assertThat(page.getByRole(AriaRole.MAIN)).containsText(java.util.regex.Pattern.compile(
          "Try again after \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(in \\d+ minutes?\\)"));
      shot("13-too-many");
    }
  }

  @Test
  @DisplayName("\"Approved Phone.\" shows after Approve and goes when a later change reaches the live lists; a reload does not bring it back")
  void bannerGoesWhenTheListsChange() {
    String email = "banner@example.com";
    PeerClient phone = node.connect(email, "Phone", Fingerprints.random());
    phone.expectCode(401);
    page.navigate(TestNode.link(node.awaitMailTo(email)));
    button(page.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(page.getByText("Live: new requests")).isVisible();

    button(card("Waiting for approval", "Phone"), "Approve").click();
    Locator banner = page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions().setHasText("Approved Phone."));
    assertThat(banner).isVisible();
    phone.expectCode(200);
    assertThat(page.getByText("Live: new requests")).isVisible();
    assertEquals("http://127.0.0.1:" + node.port + "/manage", page.url(), "the message stays in the address");

    PeerClient tablet = node.connect(email, "Tablet", Fingerprints.random());
    tablet.expectCode(401);
    assertThat(card("Waiting for approval", "Tablet")).isVisible();
    assertThat(banner).hasCount(0);
    assertThat(page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions()
        .setHasText("Tablet asks to join your devices."))).hasCount(1);

    page.reload();
    assertThat(card("Approved devices", "Phone")).isVisible();
    assertThat(banner).hasCount(0);
  }

  @Test
  @DisplayName("a spent link's page says how to get a new link truthfully and leads to the start page")
  void spentLinkLeadsToTheStartPage() {
    String email = "spent-front@example.com";
    node.connect(email, "Laptop", Fingerprints.random()).expectCode(401);
    String link = TestNode.link(node.awaitMailTo(email));
    page.navigate(link);
    button(page.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(page.getByText("Live: new requests")).isVisible();

    Response gone = page.navigate(link);
    assertEquals(410, gone.status());
    Locator main = page.getByRole(AriaRole.MAIN);
    assertThat(main).containsText("at most once every 5 minutes");
    assertThat(main).not().containsText("when you connect again");
    main.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("ask for one on the start page")).click();
    assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Email me a link"))).isVisible();
  }

  @Test
  @DisplayName("the front door shows peerbook's icon: the tab fetches /static/favicon.svg (200), nothing answers 404 and the console shows no error; the landing page of a link and Your devices name the same icon")
  void iconAndNoMissingFiles() {
    List<String> errors = new CopyOnWriteArrayList<>();
    List<String> failed = new CopyOnWriteArrayList<>();
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type())) {
        errors.add(m.text() + " at " + m.location());
      }
    });
    context.onResponse(r -> {
      if (r.status() >= 400) {
        failed.add(r.status() + " " + r.url());
      }
    });
    // Without a <link rel=icon> Chromium asks for /favicon.ico on its own (a 404), and a CSP without img-src blocks
    // the icon: either way the page never fetches it.
    Response icon;
    try {
      icon = page.waitForResponse(r -> r.url().contains("favicon"), () -> page.navigate(base() + "/"));
    } catch (TimeoutError e) {
      throw new AssertionError("the front door did not fetch its icon", e);
    }
    assertEquals(base() + "/static/favicon.svg", icon.url());
    assertEquals(200, icon.status());
    assertEquals("image/svg+xml", icon.headerValue("content-type").split(";")[0]);
    assertThat(heading("Welcome to peerbook")).isVisible();

    String email = "icon@example.com";
    node.connect(email, "Laptop", Fingerprints.random()).expectCode(401);
    page.navigate(TestNode.link(node.awaitMailTo(email)));
    assertThat(page.locator("head link[rel=icon]")).hasAttribute("href", "/static/favicon.svg");
    button(page.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(heading("Your devices")).isVisible();
    assertThat(page.locator("head link[rel=icon]")).hasAttribute("href", "/static/favicon.svg");
    assertEquals(List.of(), failed);
    assertEquals(List.of(), errors);
  }

  // --- helpers ---

  private static String base() {
    return "http://127.0.0.1:" + node.port;
  }

  private Locator heading(String name) {
    return page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setLevel(1));
  }

  private Locator approvedCard(String name) {
    return card("Approved devices", name);
  }

  private Locator card(String section, String name) {
    return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(section))
        .getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions()
            .setHas(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setExact(true))));
  }

  private static Locator button(Locator scope, String name) {
    return scope.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
  }

  private void shot(String name) {
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
  }
}
