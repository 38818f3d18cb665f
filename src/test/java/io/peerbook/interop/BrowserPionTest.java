package io.peerbook.interop;

import io.peerbook.interop.Devices.Impostor;
import io.peerbook.interop.NativePeer.Kind;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Chromium running peerbook.js (the /demo page) and the pion example as two devices of one user, through a real
 * peerbook node: two WebRTC stacks that share nothing but the protocol.
 */
class BrowserPionTest {
  @RegisterExtension
  static final DemoBrowser BROWSER = new DemoBrowser();
  @RegisterExtension
  final NodeAndDevices user = NodeAndDevices.of("interop@example.com");

  @Test
  @DisplayName("the browser calls the pion device: each verifies the other's fingerprint, and a message goes each way")
  void browserCallsPion() {
    NativePeer pion = user.devices().approved(Kind.PION, "pion");
    DemoTab tab = approvedTab();
    tab.connectTo("pion");
    assertChat(tab, pion);
  }

  @Test
  @DisplayName("the pion device calls the browser: each verifies the other's fingerprint, and a message goes each way")
  void pionCallsBrowser() {
    DemoTab tab = approvedTab();
    NativePeer pion = user.devices().approved(Kind.PION, "pion", "call=browser");
    assertChat(tab, pion);
  }

  @Test
  @DisplayName("a pion device offering with another certificate than its approved one is refused by the browser")
  void impostorRefusedByBrowser() {
    DemoTab tab = approvedTab();
    Impostor mallory = user.devices().impostor("mallory", "call=browser");
    tab.assertRefused("mallory", mallory.refusal());
  }

  private DemoTab approvedTab() {
    DemoTab tab = BROWSER.join(user.port(), user.email, "browser");
    tab.approve(user.port(), NodeAndDevices.ADMIN_TOKEN, user.email);
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
