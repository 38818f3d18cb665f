package io.peerbook;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real WebRTC through peerbook: the /demo page (built on peerbook.js) in headless Chromium, two or three pages as
 * devices of one user, real RTCPeerConnections on loopback with candidates trickled through peerbook.
 */
class WebRtcEndToEndTest {
  private static final String EMAIL = "webrtc@example.com";
  private static final String TOKEN = "t";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static Chromium chromium;
  private final List<BrowserContext> contexts = new ArrayList<>();
  private TestNode node;

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
  }

  @AfterEach
  void stop() {
    contexts.forEach(BrowserContext::close);
    node.close();
  }

  @Test
  @DisplayName("two tabs connect through peerbook: the data channel opens with trickled candidates, a message goes both ways, each side shows the fingerprint it verified; the second device is reached after its peer_update")
  void dataChannelThroughPeerbook() {
    Page alpha = device("alpha");
    approve(alpha, "alpha");
    assertThat(alpha.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Connect to beta"))).hasCount(0);

    // beta comes online later: alpha hears the peer_update and offers a way to call it
    Page beta = device("beta");
    String betaFp = approve(beta, "beta");
    alpha.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Connect to beta")).click();

    assertThat(alpha.locator("#verified")).hasText("verified fingerprint " + betaFp);
    assertThat(beta.locator("#verified")).hasText(Pattern.compile("verified fingerprint [0-9A-F:]+"));
    // The demo's offer and answer hold no candidate, so the channel opened on candidates trickled through peerbook
    // (one side's may be enough for ICE, so only their sum is sure to be above zero).
    int trickled = Integer.parseInt(alpha.locator("#candidates").textContent())
        + Integer.parseInt(beta.locator("#candidates").textContent());
    assertTrue(trickled > 0, "no candidate was trickled through peerbook");

    say(alpha, "hello beta");
    assertThat(beta.locator("#log")).containsText("alpha: hello beta");
    say(beta, "hello alpha");
    assertThat(alpha.locator("#log")).containsText("beta: hello alpha");
    alpha.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("demo-alpha.png")).setFullPage(true));
  }

  @Test
  @DisplayName("an offer signed by another certificate than the one peerbook vouches for is refused by the answering side")
  void forgedFingerprintIsRefused() {
    Page beta = device("beta");
    approve(beta, "beta");
    // gamma is approved with its own certificate, but offers from a third one
    Page gamma = device("gamma");
    approve(gamma, "gamma");
    Object outcome = gamma.evaluate("""
        async () => {
          const { Peerbook, loadCertificate } = await import("/peerbook.js");
          const approved = await loadCertificate({ key: "certificate:gamma" });
          const forged = await RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" });
          const pb = new Peerbook({ url: `ws://${location.host}/ws`, email: "%s", name: "gamma",
                                    fingerprint: approved.fingerprint, deviceKey: approved.deviceKey });
          await new Promise((resolve) => {
            pb.addEventListener("status", ({ detail }) => detail.state === "approved" && resolve());
            pb.connect();
          });
          const pc = new RTCPeerConnection({ certificates: [forged] });
          pc.createDataChannel("chat");
          await pc.setLocalDescription(await pc.createOffer());
          pb.sendOffer("beta", pc.localDescription);
          return "sent";
        }
        """.formatted(EMAIL));
    assertEquals("sent", outcome);
    assertThat(beta.locator("#verified")).hasText(Pattern.compile("^refused gamma: .*is not the one peerbook vouches for"));
    assertThat(beta.locator("#log")).containsText("refused gamma: fingerprint mismatch");
  }

  @Test
  @DisplayName("peerbook.js checks fingerprints in peerbook's form, whatever case and algorithm word the SDP uses")
  void fingerprintHelpers() {
    Page page = device("helpers");
    Object result = page.evaluate("""
        async () => {
          const { sdpFingerprint, checkFingerprint, certificateFingerprint } = await import("/peerbook.js");
          const cert = await RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" });
          const pc = new RTCPeerConnection({ certificates: [cert] });
          pc.createDataChannel("x");
          const offer = await pc.createOffer();
          const fp = certificateFingerprint(cert);
          let refused = false;
          try { checkFingerprint(offer, "00:" + fp.slice(3)); } catch (e) { refused = e.name === "FingerprintMismatch"; }
          return { same: sdpFingerprint(offer.sdp) === fp, lower: checkFingerprint(offer, fp.toLowerCase()) === offer,
                   refused, form: /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fp) };
        }
        """);
    assertEquals(Map.of("same", true, "lower", true, "refused", true, "form", true), result);
  }

  /** A tab on /demo that joined as this device of the user and waits for approval. */
  private Page device(String name) {
    BrowserContext context = chromium.browser.newContext(new Browser.NewContextOptions().setViewportSize(1000, 900));
    context.grantPermissions(List.of("camera", "microphone"));
    contexts.add(context);
    Page page = context.newPage();
    page.navigate("http://127.0.0.1:" + node.port + "/demo");
    page.getByLabel("Email").fill(EMAIL);
    page.getByLabel("Device name").fill(name);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join")).click();
    assertThat(page.locator("#status")).hasText("waiting");
    return page;
  }

  /** The user approves the waiting device (through the admin API, as its request shows it: fingerprint and key). */
  private String approve(Page page, String name) {
    String fp = page.locator("#fingerprint").textContent();
    assertTrue(fp.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), fp);
    assertEquals(fp, Admin.approveWaiting(node.port, TOKEN, EMAIL, name).getString("fingerprint"));
    assertThat(page.locator("#status")).hasText("approved");
    return fp;
  }

  private static void say(Page page, String text) {
    page.getByLabel("Message").fill(text);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Send")).click();
  }
}
