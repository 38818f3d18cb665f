package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Kind;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An approved pion device that presents another certificate in DTLS than the one its book entry names (what a
 * device does that took an approved device's name and fingerprint, which are public): the other side checks the
 * description against the fingerprint peerbook stamped on it, and refuses before any DTLS handshake.
 */
class ForgedCertificateTest {
  private static final String EMAIL = "forged@example.com";
  private static final String TOKEN = "t";
  @TempDir
  Path home;
  private TestNode node;
  private Devices devices;
  private NativePeer forged;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
    devices = new Devices(node.port, TOKEN, EMAIL, home);
    forged = devices.identity(Kind.PION, "forged");
  }

  @AfterEach
  void stop() {
    devices.close();
    node.close();
  }

  @Test
  @DisplayName("a pion device offering with another certificate than its approved one is refused by the pion device it calls")
  void offerRefusedByPion() {
    NativePeer honest = devices.approved(Kind.PION, "honest");
    NativePeer mallory = mallory("call=honest");
    assertRefused(honest, mallory);
  }

  @Test
  @DisplayName("a pion device offering with another certificate than its approved one is refused by the aiortc device it calls")
  void offerRefusedByAiortc() {
    NativePeer honest = devices.approved(Kind.AIORTC, "honest");
    NativePeer mallory = mallory("call=honest");
    assertRefused(honest, mallory);
  }

  @Test
  @DisplayName("a pion device answering with another certificate than its approved one is refused by the pion device that called it")
  void answerRefusedByPion() {
    NativePeer mallory = mallory();
    NativePeer honest = devices.approved(Kind.PION, "honest", "call=mallory");
    assertRefused(honest, mallory);
  }

  /** Approved with its own certificate's fingerprint, presenting the forged certificate in DTLS. */
  private NativePeer mallory(String... options) {
    List<String> all = new ArrayList<>(List.of("dtls-cert=" + devices.certificate("forged")));
    all.addAll(List.of(options));
    return devices.approved(Kind.PION, "mallory", all.toArray(String[]::new));
  }

  private void assertRefused(NativePeer honest, NativePeer mallory) {
    assertEquals("DTLS fingerprint " + forged.fingerprint + " is not the one peerbook vouches for ("
        + mallory.fingerprint + ")", honest.awaitRefused("mallory"));
    assertFalse(honest.process.output().contains("connected to mallory"), honest.process.output());
  }
}
