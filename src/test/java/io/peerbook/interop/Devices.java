package io.peerbook.interop;

import io.peerbook.interop.NativePeer.Kind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The native devices of one user that a test starts against one node, each approved by the user while it waits
 * (through the admin API), each with its identity files in a folder of its own. Closing stops them all.
 */
final class Devices implements AutoCloseable {
  private final int port;
  private final String adminToken;
  private final String email;
  private final Path home;
  private final List<NativePeer> started = new ArrayList<>();

  /** {@code port} is the node's, fixed: a node restarted on the same port serves the same devices. */
  Devices(int port, String adminToken, String email, Path home) {
    this.port = port;
    this.adminToken = adminToken;
    this.email = email;
    this.home = home;
  }

  /** Starts a device and approves it once it waits on its socket. */
  NativePeer approved(Kind kind, String name, String... options) {
    NativePeer peer = NativePeer.start(kind, port, home.resolve(name), email, name, options);
    started.add(peer);
    peer.approveWhenWaiting(port, adminToken, email);
    return peer;
  }

  /**
   * A pion device approved with its own certificate that presents another one in DTLS: what a device does that took
   * an approved device's name and fingerprint (both public). The other certificate is made in a folder of its own.
   */
  Impostor impostor(String name, String... options) {
    Path folder = home.resolve(name + "-other");
    NativePeer other = NativePeer.start(Kind.PION, port, folder, email, name, "identity");
    started.add(other);
    assertEquals(0, other.process.awaitExit(LoggedProcess.WAIT_SECONDS), other.process.output());
    List<String> all = new ArrayList<>(List.of("dtls-cert=" + folder.resolve(NativePeer.CERTIFICATE)));
    all.addAll(List.of(options));
    return new Impostor(approved(Kind.PION, name, all.toArray(String[]::new)), other.fingerprint);
  }

  /** An approved device and the fingerprint of the certificate it presents instead of its own. */
  record Impostor(NativePeer peer, String presented) {
    /** Why the other side refuses it, in the words of the examples and of peerbook.js. */
    String refusal() {
      return "DTLS fingerprint " + presented + " is not the one peerbook vouches for (" + peer.fingerprint + ")";
    }
  }

  @Override
  public void close() {
    started.forEach(NativePeer::close);
  }
}
