package io.peerbook.interop;

import io.peerbook.interop.Devices.Impostor;
import io.peerbook.interop.NativePeer.Kind;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An approved pion device that presents another certificate in DTLS than the one its book entry names: the other
 * side checks the description against the fingerprint peerbook stamped on it, and refuses before any DTLS handshake.
 * (With the check taken out, the same devices connect: the DTLS stacks only compare the certificate with the
 * description.)
 */
class ForgedCertificateTest {
  @RegisterExtension
  final NodeAndDevices user = NodeAndDevices.of("forged@example.com");

  @ParameterizedTest(name = "refused by {0}")
  @EnumSource(Kind.class)
  @DisplayName("a pion device offering with another certificate than its approved one is refused by the device it calls")
  void offerRefused(Kind callee) {
    NativePeer honest = user.devices().approved(callee, "honest");
    Impostor mallory = user.devices().impostor("mallory", "call=honest");
    assertRefused(honest, mallory);
  }

  @Test
  @DisplayName("a pion device answering with another certificate than its approved one is refused by the pion device that called it")
  void answerRefusedByPion() {
    Impostor mallory = user.devices().impostor("mallory");
    NativePeer honest = user.devices().approved(Kind.PION, "honest", "call=mallory");
    assertRefused(honest, mallory);
  }

  private static void assertRefused(NativePeer honest, Impostor mallory) {
    assertEquals(mallory.refusal(), honest.awaitRefused("mallory"));
    assertFalse(honest.process.output().contains("connected to mallory"), honest.process.output());
  }
}
