package io.peerbook.interop;

import com.microsoft.playwright.BrowserContext;
import io.peerbook.interop.NativePeer.Kind;
import io.peerbook.support.Chromium;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Chromium running peerbook.js (the /demo page) and the pion example as two devices of one user, through a real
 * peerbook node: two WebRTC stacks that share nothing but the protocol.
 */
class BrowserPionTest {
  private static final String EMAIL = "interop@example.com";
  private static final String TOKEN = "t";
  private static Chromium chromium;
  @TempDir
  Path home;
  private TestNode node;
  private Devices devices;
  private BrowserContext context;

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
    devices = new Devices(node.port, TOKEN, EMAIL, home);
    context = chromium.browser.newContext();
    // With these granted, Chromium gathers on every interface, loopback included.
    context.grantPermissions(List.of("camera", "microphone"));
  }

  @AfterEach
  void stop() {
    context.close();
    devices.close();
    node.close();
  }

  @Test
  @DisplayName("the browser calls the pion device: each verifies the other's fingerprint, and a message goes each way")
  void browserCallsPion() {
    NativePeer pion = devices.approved(Kind.PION, "pion");
    DemoTab tab = approvedTab();
    tab.connectTo("pion");
    assertChat(tab, pion);
  }

  @Test
  @DisplayName("the pion device calls the browser: each verifies the other's fingerprint, and a message goes each way")
  void pionCallsBrowser() {
    DemoTab tab = approvedTab();
    NativePeer pion = devices.approved(Kind.PION, "pion", "call=browser");
    assertChat(tab, pion);
  }

  @Test
  @DisplayName("a pion device offering with another certificate than its approved one is refused by the browser")
  void forgedPionRefusedByBrowser() {
    DemoTab tab = approvedTab();
    NativePeer forged = devices.identity(Kind.PION, "forged");
    NativePeer mallory = devices.approved(Kind.PION, "mallory", "call=browser",
        "dtls-cert=" + devices.certificate("forged"));
    tab.assertRefused("mallory", "DTLS fingerprint " + forged.fingerprint + " is not the one peerbook vouches for ("
        + mallory.fingerprint + ")");
  }

  private DemoTab approvedTab() {
    DemoTab tab = DemoTab.join(context, node.port, EMAIL, "browser");
    tab.approve(node.port, TOKEN, EMAIL);
    return tab;
  }

  private static void assertChat(DemoTab tab, NativePeer pion) {
    tab.assertConnected("pion", pion.fingerprint);
    assertEquals(tab.fingerprint, pion.awaitConnected("browser").fingerprint());
    tab.say("hello pion");
    pion.awaitMessage("browser", "hello pion");
    pion.say("hello browser");
    tab.assertReceived("pion", "hello browser");
  }
}
