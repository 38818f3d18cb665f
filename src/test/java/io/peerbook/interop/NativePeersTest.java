package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Kind;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.regex.Pattern;

import static io.peerbook.interop.NativePeer.assertChat;

/**
 * The pion example and the aiortc example as two devices of one user: real WebRTC stacks in other languages, their
 * signaling through a real peerbook node, their data channel on loopback.
 */
class NativePeersTest {
  @RegisterExtension
  final NodeAndDevices user = NodeAndDevices.of("native@example.com");

  @ParameterizedTest(name = "{0} calls {1}")
  @CsvSource({"PION, AIORTC", "AIORTC, PION"})
  @DisplayName("one example calls the other once both are approved: each side verifies the fingerprint peerbook vouches for, and a message goes each way")
  void oneCallsTheOther(Kind caller, Kind callee) {
    NativePeer answering = user.devices().approved(callee, "callee");
    NativePeer calling = user.devices().approved(caller, "caller", "call=callee");
    assertChat(calling, answering);
  }

  @Test
  @DisplayName("a pion device reconnects by itself after its node restarts, is approved again from the book, and can be called")
  void pionReconnectsAfterRestart() {
    NativePeer pion = user.devices().approved(Kind.PION, "pion");
    int before = pion.process.mark();
    user.restart();
    pion.process.await(Pattern.compile("connection lost .*; retrying in"), before, LoggedProcess.WAIT_SECONDS);
    pion.process.await(Pattern.compile("^\\S+ status approved$"), before, LoggedProcess.WAIT_SECONDS);

    NativePeer python = user.devices().approved(Kind.AIORTC, "python", "call=pion");
    assertChat(python, pion);
  }
}
