package io.peerbook.interop;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.peerbook.support.Admin;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tab on peerbook's /demo page, the app built on peerbook.js, joined as a device of the user: the browser end of
 * the interop tests. It checks every description against the fingerprint peerbook stamped on it, as peerbook.js
 * tells apps to.
 */
final class DemoTab {
  final String name;
  final String fingerprint;
  private final Page page;

  private DemoTab(String name, Page page, String fingerprint) {
    this.name = name;
    this.page = page;
    this.fingerprint = fingerprint;
  }

  /** Opens /demo and joins as device {@code name}; returns once the page waits for approval. */
  static DemoTab join(BrowserContext context, int port, String email, String name) {
    Page page = context.newPage();
    page.navigate("http://127.0.0.1:" + port + "/demo");
    page.getByLabel("Email").fill(email);
    page.getByLabel("Device name").fill(name);
    button(page, "Join").click();
    assertThat(page.locator("#status")).hasText("waiting");
    return new DemoTab(name, page, page.locator("#fingerprint").textContent());
  }

  /** The user approves the waiting tab as its request shows it (admin API); the page turns approved. */
  void approve(int port, String adminToken, String email) {
    assertEquals(fingerprint, Admin.approveWaiting(port, adminToken, email, name).getString("fingerprint"));
    assertThat(page.locator("#status")).hasText("approved");
  }

  void connectTo(String device) {
    button(page, "Connect to " + device).click();
  }

  /** The data channel to {@code device} is open, after the page verified this fingerprint. */
  void assertConnected(String device, String deviceFingerprint) {
    assertThat(page.locator("#log")).containsText("connected to " + device);
    assertThat(page.locator("#verified")).hasText("verified fingerprint " + deviceFingerprint);
  }

  /** The page refused {@code device}'s description and shows why. */
  void assertRefused(String device, String reason) {
    assertThat(page.locator("#verified")).hasText("refused " + device + ": " + reason);
  }

  void say(String text) {
    page.getByLabel("Message").fill(text);
    button(page, "Send").click();
  }

  void assertReceived(String device, String text) {
    assertThat(page.locator("#log")).containsText(device + ": " + text);
  }

  private static com.microsoft.playwright.Locator button(Page page, String name) {
    return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name));
  }
}
