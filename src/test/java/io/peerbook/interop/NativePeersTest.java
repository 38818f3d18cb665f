package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Kind;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

import static io.peerbook.interop.NativePeer.assertChat;

/**
 * The pion example and the aiortc example as two devices of one user: real WebRTC stacks in other languages, their
 * signaling through a real peerbook node, their data channel on loopback.
 */
class NativePeersTest {
  private static final String EMAIL = "native@example.com";
  private static final String TOKEN = "t";
  @TempDir
  Path home;
  private TestNode node;
  private Devices devices;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
    devices = new Devices(node.port, TOKEN, EMAIL, home);
  }

  @AfterEach
  void stop() {
    devices.close();
    node.close();
  }

  @Test
  @DisplayName("pion calls aiortc once both are approved: each side verifies the fingerprint peerbook vouches for, and a message goes each way")
  void pionCallsAiortc() {
    NativePeer python = devices.approved(Kind.AIORTC, "python");
    NativePeer pion = devices.approved(Kind.PION, "pion", "call=python");
    assertChat(pion, python);
  }

  @Test
  @DisplayName("aiortc calls pion once both are approved: each side verifies the fingerprint peerbook vouches for, and a message goes each way")
  void aiortcCallsPion() {
    NativePeer pion = devices.approved(Kind.PION, "pion");
    NativePeer python = devices.approved(Kind.AIORTC, "python", "call=pion");
    assertChat(python, pion);
  }

  @Test
  @DisplayName("a pion device reconnects by itself after its node restarts, is approved again from the book, and can be called")
  void pionReconnectsAfterRestart() {
    NativePeer pion = devices.approved(Kind.PION, "pion");
    int port = node.port;
    String prefix = node.config.getString("redis_prefix");
    node.close();
    pion.process.await(Pattern.compile("connection lost .*; retrying in"));
    int before = pion.process.mark();
    node = TestNode.start(Map.of("admin_token", TOKEN, "http_port", port, "redis_prefix", prefix));
    pion.process.await(Pattern.compile("^\\S+ status approved$"), before, LoggedProcess.WAIT_SECONDS);

    NativePeer python = devices.approved(Kind.AIORTC, "python", "call=pion");
    assertChat(python, pion);
  }
}
