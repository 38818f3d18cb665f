package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Connected;
import io.peerbook.interop.NativePeer.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.peerbook.interop.NativePeer.assertChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TURN credentials from peerbook's ice_servers against a real coturn: until now they were only checked by
 * recomputing the HMAC. Both devices gather relay candidates only (relay-only ICE), so nothing connects unless coturn
 * takes the credentials.
 */
class TurnRelayTest {
  private static final String SECRET = "coturn-static-auth-secret";
  @RegisterExtension
  final NodeAndDevices user = NodeAndDevices.startedByTest("relay@example.com");
  private Coturn turn;

  @AfterEach
  void stopTurn() {
    if (turn != null) {
      turn.close();
    }
  }

  @Test
  @DisplayName("with peerbook's TURN credentials, pion and aiortc on relay-only ICE connect through coturn: the selected pair is relay at both ends (the far end's relay address may first be seen as peer-reflexive)")
  void relayOnlyThroughCoturn() {
    start(SECRET);
    NativePeer python = user.devices().approved(Kind.AIORTC, "python", "relay");
    NativePeer pion = user.devices().approved(Kind.PION, "pion", "relay", "call=python");
    assertChat(pion, python);
    // Each end sends from its relay candidate, so the path goes through coturn both ways. An end may see the other's
    // relay address first in a connectivity check, before the trickled candidate: it then calls it peer-reflexive.
    Connected atPion = pion.awaitConnected("python");
    Connected atPython = python.awaitConnected("pion");
    assertEquals(python.fingerprint, atPion.fingerprint());
    assertEquals(pion.fingerprint, atPython.fingerprint());
    assertEquals("relay", atPion.localType(), atPion.toString());
    assertEquals("relay", atPython.localType(), atPython.toString());
    assertTrue(Set.of("relay", "prflx").contains(atPion.remoteType()), atPion.toString());
    assertTrue(Set.of("relay", "prflx").contains(atPython.remoteType()), atPython.toString());
  }

  @Test
  @DisplayName("credentials signed with another secret than coturn's get no relay candidate")
  void wrongSecretGetsNoRelay() {
    start("not-" + SECRET);
    NativePeer python = user.devices().approved(Kind.AIORTC, "python", "relay");
    NativePeer pion = user.devices().approved(Kind.PION, "pion", "relay", "call=python");
    assertEquals(0, pion.awaitRelayCandidates());
    // aioice fails the whole gathering when the TURN server refuses: it says so, with coturn's answer.
    python.process.await(Pattern.compile("gathering failed: .*\\(401 - Unauthorized\\)"));
  }

  /** coturn with {@link #SECRET}, and a node that hands out TURN credentials for it signed with {@code secret}. */
  private void start(String secret) {
    turn = Coturn.start(user.home(), SECRET);
    user.start(Map.of("turn_urls", turn.url(), "turn_secret", secret));
  }
}
