package io.peerbook;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The approval page in a real browser (Debian's Chromium), from the mail GreenMail caught to the socket waiting for
 * the decision. Elements are found the way a person or a screen reader finds them: by role and accessible name.
 * Each state is saved as a screenshot under {@code target/screenshots/}.
 */
class ApprovalPageBrowserTest {
  private static final String ADMIN = "t";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final HttpClient SCANNER = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Chromium chromium;
  private static TestNode node;
  private BrowserContext context;
  private Page page;

  @BeforeAll
  static void launch() {
    PlaywrightAssertions.setDefaultAssertionTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    chromium = Chromium.launch();
    // One node for the class; every test has a user of its own, so their books and mails never meet.
    node = TestNode.start(Map.of("admin_token", ADMIN));
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
    context = newContext();
    page = context.newPage();
  }

  @AfterEach
  void closeBrowser() {
    context.close();
  }

  @Test
  @DisplayName("the mailed link, Continue, then Approve: the waiting socket turns 200 and the device is listed as online")
  void approve() {
    String email = "approve@example.com";
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(email, "Laptop", fp, "client");
    page.navigate(link(email));
    assertThat(heading("Review your devices")).isVisible();
    assertThat(page.getByRole(AriaRole.MAIN)).containsText(email);
    assertThat(page.getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions().setHasText("Laptop"))).isVisible();
    assertEquals(0, button(page.getByRole(AriaRole.MAIN), "Approve").count(), "nothing can be approved before Continue");
    shot("01-landing");

    continueToDevices();
    Locator request = pendingCard("Laptop");
    assertThat(request).containsText(fp);
    assertThat(request).containsText("client");
    assertThat(request).containsText("127.0.0.1");
    shot("02-waiting");

    button(request, "Approve").click();
    assertNotice("Approved Laptop.");
    laptop.expectCode(200);
    assertThat(approvedCard("Laptop")).containsText("Online now");
    assertThat(section("Waiting for approval")).containsText("No device is waiting");
    assertEquals("Laptop", Admin.book(node.port, ADMIN, email).getJsonArray("approved").getJsonObject(0).getString("name"));
    shot("03-approved");
  }

  @Test
  @DisplayName("Reject: the waiting socket gets 403 and is closed with 4403, and the request leaves the list")
  void reject() {
    String email = "reject@example.com";
    PeerClient phone = waiting(email, "Phone", Fingerprints.random(), null);
    signIn(email);

    button(pendingCard("Phone"), "Reject").click();
    assertNotice("Rejected Phone.");
    phone.expectCode(403);
    assertEquals(4403, phone.awaitClose());
    assertThat(section("Waiting for approval")).containsText("No device is waiting");
    assertThat(section("Approved devices")).containsText("No approved device yet");
    assertTrue(Admin.book(node.port, ADMIN, email).getJsonArray("pending").isEmpty());
    shot("04-rejected-empty");
  }

  @Test
  @DisplayName("Remove asks first (Cancel keeps the device); confirmed, the connected peer gets 401 and is closed with 4401")
  void removeConnectedPeer() {
    String email = "remove@example.com";
    String deskFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Desk", deskFp, "server");
    PeerClient desk = node.connect(email, "Desk", deskFp);
    desk.expectCode(200);
    waiting(email, "Phone", Fingerprints.random(), null);
    signIn(email);

    button(approvedCard("Desk"), "Remove").click();
    assertThat(heading("Remove Desk?")).isVisible();
    assertThat(page.getByRole(AriaRole.MAIN)).containsText("disconnected at once");
    shot("05-confirm-remove");
    page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Cancel")).click();
    assertThat(approvedCard("Desk")).containsText("Online now");
    desk.expectNothingBeforePong();

    button(approvedCard("Desk"), "Remove").click();
    button(page.getByRole(AriaRole.MAIN), "Remove").click();
    assertNotice("Removed Desk.");
    desk.expectCode(401);
    assertEquals(4401, desk.awaitClose());
    assertThat(section("Approved devices")).containsText("No approved device yet");
    assertTrue(Admin.book(node.port, ADMIN, email).getJsonArray("approved").isEmpty());
  }

  @Test
  @DisplayName("Rename: the new name is on the page, in get_list and in the peer_update the other peers get")
  void rename() {
    String email = "rename@example.com";
    String deskFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Desk", deskFp, null);
    Admin.provision(node.port, ADMIN, email, "Phone", phoneFp, null);
    PeerClient desk = node.connect(email, "Desk", deskFp);
    desk.expectCode(200);
    PeerClient phone = node.connect(email, "Phone", phoneFp);
    phone.expectCode(200);
    waiting(email, "Tablet", Fingerprints.random(), null);
    signIn(email);

    Locator card = approvedCard("Desk");
    card.getByRole(AriaRole.TEXTBOX, new Locator.GetByRoleOptions().setName("New name for Desk")).fill("Den");
    button(card, "Rename").click();
    assertNotice("Renamed to Den.");
    assertThat(approvedCard("Den")).containsText(deskFp);
    assertEquals(0, approvedCard("Desk").count());

    JsonObject update = renamed(phone);
    assertEquals("Den", update.getString("name"));
    assertEquals("Desk", update.getString("old_name"));
    JsonArray list = phone.request(new JsonObject().put("command", "get_list")).getJsonArray("list");
    assertEquals(List.of("Den", "Phone"), list.stream().map(o -> ((JsonObject) o).getString("name")).sorted().toList());
    assertEquals("Den", renamed(desk).getString("name"), "the renamed peer learns its new name");
  }

  @Test
  @DisplayName("a changed fingerprint is shown with the one it replaces; approving it turns the new socket 200 and closes the old one with 4401")
  void changedFingerprint() {
    String email = "changed@example.com";
    String oldFp = Fingerprints.random();
    String newFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Laptop", oldFp, "client");
    PeerClient old = node.connect(email, "Laptop", oldFp);
    old.expectCode(200);
    PeerClient fresh = waiting(email, "Laptop", newFp, "client");
    signIn(email);

    Locator request = pendingCard("Laptop");
    assertThat(request).containsText("New fingerprint");
    assertThat(request).containsText("Approving this request replaces it");
    assertThat(request.getByRole(AriaRole.DEFINITION).filter(new Locator.FilterOptions().setHasText(newFp))).isVisible();
    assertThat(request.getByRole(AriaRole.DEFINITION).filter(new Locator.FilterOptions().setHasText(oldFp))).isVisible();
    shot("06-changed-fingerprint");

    button(request, "Approve").click();
    assertNotice("Approved Laptop.");
    fresh.expectCode(200);
    old.expectCode(401);
    assertEquals(4401, old.awaitClose());
    Locator approved = approvedCard("Laptop");
    assertThat(approved).containsText(newFp);
    assertThat(approved).not().containsText(oldFp);
  }

  @Test
  @DisplayName("while the page is open, a new request appears and a peer's online and offline changes show, without a reload; other users' devices never do")
  void liveUpdates() {
    String email = "live@example.com";
    String deskFp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Desk", deskFp, "server");
    waiting(email, "Phone", Fingerprints.random(), "client");
    signIn(email);
    assertThat(approvedCard("Desk")).containsText("Offline");
    page.evaluate("() => { window.sameDocument = true; }");
    // A second listener on the same stream records every event the page is sent.
    page.evaluate("() => new Promise(opened => { window.heard = []; const s = new EventSource('/manage/events');"
        + " s.addEventListener('book', m => window.heard.push(JSON.parse(m.data).name)); s.onopen = opened; })");

    waiting("someone.else@example.com", "Intruder", Fingerprints.random(), null);
    PeerClient tablet = waiting(email, "Tablet", Fingerprints.random(), "client");
    assertThat(pendingCard("Tablet")).isVisible();
    assertThat(page.getByRole(AriaRole.MAIN)).not().containsText("Intruder");
    page.waitForFunction("() => window.heard.includes('Tablet')");
    assertEquals(List.of("Tablet"), page.evaluate("() => window.heard"), "the stream carried another user's event");
    assertThat(page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions()
        .setHasText("Tablet asks to join your devices."))).hasCount(1);

    PeerClient desk = node.connect(email, "Desk", deskFp);
    desk.expectCode(200);
    assertThat(approvedCard("Desk")).containsText("Online now");
    shot("07-live");
    page.setViewportSize(390, 844);
    shot("08-live-phone");
    page.setViewportSize(1000, 800);

    desk.close();
    assertThat(approvedCard("Desk")).containsText("Offline");
    assertEquals(true, page.evaluate("() => window.sameDocument === true"), "the page was reloaded");
    tablet.expectNothingBeforePong();
    assertEquals(401, scan("http://127.0.0.1:" + node.port + "/manage/events").statusCode(), "the stream without a session");
  }

  @Test
  @DisplayName("an expired link answers 410 with a page that says to connect the device again, and no Continue")
  void expiredLink() {
    try (TestNode shortLived = TestNode.start(Map.of("link_ttl", 1))) {
      String email = "expired@example.com";
      shortLived.connect(email, "Laptop", Fingerprints.random()).expectCode(401);
      String link = TestNode.link(shortLived.awaitMailTo(email));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (scan(link).statusCode() != 410) {
        if (System.nanoTime() > deadline) {
          fail("the link still works after its 1 s lifetime");
        }
        PeerClient.await(shortLived.vertx.timer(100));
      }
      assertGone(page, page.navigate(link));
      shot("09-expired");
    }
  }

  @Test
  @DisplayName("a spent link answers 410 in another browser and in the same one, with no Continue")
  void spentLink() {
    String email = "spent@example.com";
    waiting(email, "Laptop", Fingerprints.random(), null);
    String link = link(email);
    page.navigate(link);
    continueToDevices();

    try (BrowserContext other = newContext()) {
      Page elsewhere = other.newPage();
      assertGone(elsewhere, elsewhere.navigate(link));
    }
    assertGone(page, page.navigate(link));
  }

  @Test
  @DisplayName("a mail scanner's plain GETs of the link change nothing; the person can still Continue and approve")
  void mailScannerChangesNothing() {
    String email = "scanner@example.com";
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(email, "Laptop", fp, null);
    String link = link(email);
    JsonObject before = Admin.book(node.port, ADMIN, email);

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = scan(link);
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains(">Continue</button>"), r.body());
    }
    assertEquals(before, Admin.book(node.port, ADMIN, email), "a GET of the link changed the book");
    laptop.expectNothingBeforePong();

    page.navigate(link);
    continueToDevices();
    button(pendingCard("Laptop"), "Approve").click();
    laptop.expectCode(200);
  }

  @Test
  @DisplayName("a form on another origin posting to the page, or a POST without the token, gets 403 and changes nothing")
  void forgedPostsAreRefused() {
    String email = "forged@example.com";
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(email, "Laptop", fp, null);
    signIn(email);
    JsonObject before = Admin.book(node.port, ADMIN, email);

    // Another port of the same host is the same site: the SameSite cookie goes along, only the token is missing.
    String target = "http://127.0.0.1:" + node.port + "/manage/approve";
    String evil = "<!doctype html><form id=f method=post action=\"" + target + "\">"
        + "<input name=name value=Laptop><input name=fingerprint value=\"" + fp + "\"></form>"
        + "<script>document.getElementById('f').submit()</script>";
    HttpServer attacker = PeerClient.await(node.vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "text/html").end(evil)).listen(0, "127.0.0.1"));
    try {
      Response forged = page.waitForResponse(target, () -> page.navigate("http://127.0.0.1:" + attacker.actualPort() + "/"));
      assertEquals(403, forged.status());
      assertThat(heading("This form is out of date")).isVisible();
      shot("10-forged-post");
    } finally {
      PeerClient.await(attacker.close());
    }

    APIResponse noToken = page.request().post(target, RequestOptions.create()
        .setForm(FormData.create().set("name", "Laptop").set("fingerprint", fp)).setMaxRedirects(0));
    assertEquals(403, noToken.status());

    assertEquals(before, Admin.book(node.port, ADMIN, email), "a forged POST changed the book");
    laptop.expectNothingBeforePong();
    page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Back to your devices")).click();
    assertThat(button(pendingCard("Laptop"), "Approve")).isVisible();
  }

  // --- helpers ---

  private static BrowserContext newContext() {
    BrowserContext c = chromium.browser.newContext(new Browser.NewContextOptions().setViewportSize(1000, 800));
    c.setDefaultTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    return c;
  }

  private PeerClient waiting(String email, String name, String fingerprint, String kind) {
    PeerClient c = node.connect(email, name, fingerprint, kind);
    c.expectCode(401);
    return c;
  }

  private static JsonObject renamed(PeerClient peer) {
    return peer.next(m -> m.containsKey("peer_update") && "renamed".equals(m.getJsonObject("peer_update").getString("event")))
        .getJsonObject("peer_update");
  }

  private String link(String email) {
    return TestNode.link(node.awaitMailTo(email));
  }

  /** Opens the user's mailed link and continues to the management view, live. */
  private void signIn(String email) {
    page.navigate(link(email));
    continueToDevices();
  }

  private void continueToDevices() {
    button(page.getByRole(AriaRole.MAIN), "Continue").click();
    assertThat(heading("Your devices")).isVisible();
    assertThat(page.getByText("Live: new requests")).isVisible();
  }

  private Locator heading(String name) {
    return page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setLevel(1));
  }

  private Locator section(String name) {
    return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(name));
  }

  private Locator pendingCard(String name) {
    return card(section("Waiting for approval"), name);
  }

  private Locator approvedCard(String name) {
    return card(section("Approved devices"), name);
  }

  private Locator card(Locator section, String name) {
    return section.getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions()
        .setHas(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setExact(true))));
  }

  private static Locator button(Locator scope, String name) {
    return scope.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
  }

  /** The message a change leaves on the page, announced as a status. */
  private void assertNotice(String text) {
    assertThat(page.getByRole(AriaRole.STATUS).filter(new Locator.FilterOptions().setHasText(text))).isVisible();
  }

  private static void assertGone(Page p, Response r) {
    assertEquals(410, r.status());
    assertThat(p.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("This link no longer works"))).isVisible();
    Locator main = p.getByRole(AriaRole.MAIN);
    assertThat(main).containsText(Pattern.compile("connect the device again", Pattern.CASE_INSENSITIVE));
    assertEquals(0, button(main, "Continue").count());
  }

  /** A GET as a mail scanner makes it: no cookies, no script. */
  private static HttpResponse<String> scan(String url) {
    try {
      return SCANNER.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private void shot(String name) {
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
  }
}
