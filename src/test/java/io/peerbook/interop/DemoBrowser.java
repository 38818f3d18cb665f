package io.peerbook.interop;

import com.microsoft.playwright.BrowserContext;
import io.peerbook.support.Chromium;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Headless Chromium for a test class (registered with {@code @RegisterExtension} on a static field), set up for
 * WebRTC on loopback, with a fresh browser context for each test, so each test's tabs have their own storage and
 * certificates.
 */
final class DemoBrowser implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private Chromium chromium;
  private BrowserContext context;

  @Override
  public void beforeAll(ExtensionContext extension) {
    chromium = Chromium.launch(Chromium.WEBRTC_ARGS);
  }

  @Override
  public void beforeEach(ExtensionContext extension) {
    context = chromium.browser.newContext();
    // With these granted, Chromium gathers candidates on every interface, loopback included.
    context.grantPermissions(List.of("camera", "microphone"));
  }

  /** A tab on the node's /demo page, joined as device {@code name}, waiting for approval. */
  DemoTab join(int port, String email, String name) {
    return DemoTab.join(context, port, email, name);
  }

  @Override
  public void afterEach(ExtensionContext extension) {
    context.close();
  }

  @Override
  public void afterAll(ExtensionContext extension) {
    chromium.close();
  }
}
