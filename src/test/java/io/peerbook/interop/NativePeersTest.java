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
    call(caller, callee);
  }

  @Test
  @DisplayName("a pion device reconnects by itself after its node restarts, is approved again from the book, and can be called")
  void pionReconnectsAfterRestart() {
    NativePeer pion = user.devices().approved(Kind.PION, "pion");
    int before = pion.process.mark();
    user.restart();
    pion.process.await(Pattern.compile("connection lost .*; retrying in"), before, LoggedProcess.WAIT_SECONDS);
    pion.process.await(NativePeer.APPROVED, before, LoggedProcess.WAIT_SECONDS);

    NativePeer python = user.devices().approved(Kind.AIORTC, "python", "call=pion");
    assertChat(python, pion);
  }

  @ParameterizedTest(name = "{0} calls {1}")
  @CsvSource({"PION, AIORTC", "AIORTC, PION"})
  @DisplayName("a data channel outlives a restart of the node: both devices reconnect, the caller does not call again, and messages still go both ways")
  void connectionOutlivesRestart(Kind caller, Kind callee) {
    Call call = call(caller, callee);
    NativePeer calling = call.caller();
    NativePeer answering = call.callee();
    int calleeMark = answering.process.mark();
    int callerMark = calling.process.mark();
    // The caller comes back after the callee, so that it finds the callee online on its return: it would call then.
    calling.process.freeze();
    user.restart();
    answering.process.await(NativePeer.APPROVED, calleeMark, LoggedProcess.WAIT_SECONDS);
    calling.process.thaw();
    calling.process.await(NativePeer.APPROVED, callerMark, LoggedProcess.WAIT_SECONDS);
    calling.process.await(Pattern.compile("still connected to callee: no new call$"), callerMark, LoggedProcess.WAIT_SECONDS);

    answering.say("still here");
    calling.awaitMessage("callee", "still here");
    calling.say("so am I");
    answering.awaitMessage("caller", "so am I");
  }

  /** A callee, and a caller that calls it once both are approved: each verified the other, a line went each way. */
  private Call call(Kind caller, Kind callee) {
    NativePeer answering = user.devices().approved(callee, "callee");
    NativePeer calling = user.devices().approved(caller, "caller", "call=callee");
    assertChat(calling, answering);
    return new Call(calling, answering);
  }

  private record Call(NativePeer caller, NativePeer callee) {
  }
}
