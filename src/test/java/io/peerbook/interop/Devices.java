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

  /** Runs the example once to make a certificate and device key in a folder of their own, and returns them. */
  NativePeer identity(Kind kind, String name) {
    NativePeer peer = NativePeer.start(kind, port, home.resolve(name), email, name, "identity");
    started.add(peer);
    assertEquals(0, peer.process.awaitExit(LoggedProcess.WAIT_SECONDS), peer.process.output());
    return peer;
  }

  /** The certificate file of the device started under this name. */
  Path certificate(String name) {
    return home.resolve(name).resolve(NativePeer.CERTIFICATE);
  }

  @Override
  public void close() {
    started.forEach(NativePeer::close);
  }
}
