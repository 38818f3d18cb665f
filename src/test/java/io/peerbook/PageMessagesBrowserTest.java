package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Chromium;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the pages say stays true: the message after a change goes once the live lists change (and a reload does not
 * bring it back), and a spent link's page points to the start page for a new link, with the mail interval.
 */
class PageMessagesBrowserTest {
  private static Chromium chromium;
  private static TestNode node;
  private BrowserContext context;
  private Page page;

  @BeforeAll
  static void launch() {
    PlaywrightAssertions.setDefaultAssertionTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    chromium = Chromium.launch();
    node = TestNode.start(Map.of("max_requests_per_address", 10_000));
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

  private Locator card(String section, String name) {
    return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(section))
        .getByRole(AriaRole.LISTITEM).filter(new Locator.FilterOptions()
            .setHas(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name).setExact(true))));
  }

  private static Locator button(Locator scope, String name) {
    return scope.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
  }
}
