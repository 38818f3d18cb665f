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
  @DisplayName("with peerbook's TURN credentials, two pion peers on relay-only ICE connect through coturn: each end's selected candidate is its relay candidate (the far end's relay address may first be seen as peer-reflexive)")
  void relayOnlyThroughCoturn() {
    start(SECRET);
    // Two pion peers: pion keeps to relay-only ICE; aioice (aiortc) gathers only relay candidates but may still
    // answer a check from its host socket, so its selected pair can be host/relay.
    NativePeer callee = user.devices().approved(Kind.PION, "left", "relay");
    NativePeer caller = user.devices().approved(Kind.PION, "right", "relay", "call=left");
    assertChat(caller, callee);
    Connected atCaller = caller.awaitConnected("left");
    Connected atCallee = callee.awaitConnected("right");
    assertEquals(callee.fingerprint, atCaller.fingerprint());
    assertEquals(caller.fingerprint, atCallee.fingerprint());
    assertEquals("relay", atCaller.localType(), atCaller.toString());
    assertEquals("relay", atCallee.localType(), atCallee.toString());
    assertTrue(Set.of("relay", "prflx").contains(atCaller.remoteType()), atCaller.toString());
    assertTrue(Set.of("relay", "prflx").contains(atCallee.remoteType()), atCallee.toString());
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
