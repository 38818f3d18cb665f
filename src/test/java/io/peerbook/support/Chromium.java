package io.peerbook.support;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's Chromium, headless, driven by Playwright with nothing downloaded. A machine without it fails the browser
 * tests rather than skipping them: {@code .ci/run} installs the {@code chromium} package.
 */
public final class Chromium implements AutoCloseable {
  public static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
  /** Tests run as root on a closed network: no sandbox, no GPU, and nothing that phones home. */
  private static final List<String> ARGS = List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync");

  private final Playwright playwright;
  public final Browser browser;

  private Chromium(Playwright playwright, Browser browser) {
    this.playwright = playwright;
    this.browser = browser;
  }

  /**
   * For WebRTC between two pages on loopback: host candidates as plain IPs (not mDNS names) and loopback allowed.
   * Chromium keeps only the last --disable-features switch and Playwright 1.49 passes its own, so its list is
   * repeated here with ours added.
   */
  public static final List<String> WEBRTC_ARGS = List.of("--allow-loopback-in-peer-connection",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
      "--disable-features=ImprovedCookieControls,LazyFrameLoading,GlobalMediaControls,DestroyProfileOnBrowserClose,"
          + "MediaRouter,DialMediaRouteProvider,AcceptCHFrame,AutoExpandDetailsElement,"
          + "CertificateTransparencyComponentUpdater,AvoidUnnecessaryBeforeUnloadCheckSync,Translate,HttpsUpgrades,"
          + "PaintHolding,ThirdPartyStoragePartitioning,LensOverlay,PlzDedicatedWorker,WebRtcHideLocalIpsWithMdns");

  /**
   * A name other than localhost that {@link #INSECURE_HOST_ARGS} map to 127.0.0.1: a page served from it over plain
   * http is no secure context, so it has no WebCrypto (no device key) and no Web Locks.
   */
  public static final String INSECURE_HOST = "insecure.test";
  public static final List<String> INSECURE_HOST_ARGS = List.of("--host-resolver-rules=MAP " + INSECURE_HOST + " 127.0.0.1");

  public static Chromium launch() {
    return launch(List.of());
  }

  public static Chromium launch(List<String> extraArgs) {
    List<String> args = new java.util.ArrayList<>(ARGS);
    args.addAll(extraArgs);
    assertTrue(Files.isExecutable(EXECUTABLE), EXECUTABLE + " is missing: install Debian's chromium package (.ci/run does)");
    Playwright playwright = Playwright.create(new Playwright.CreateOptions()
        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    try {
      return new Chromium(playwright, playwright.chromium().launch(new BrowserType.LaunchOptions()
          .setExecutablePath(EXECUTABLE).setHeadless(true).setArgs(args)));
    } catch (RuntimeException e) {
      playwright.close();
      throw e;
    }
  }

  @Override
  public void close() {
    browser.close();
    playwright.close();
  }
}
