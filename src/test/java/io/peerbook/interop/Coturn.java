package io.peerbook.interop;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's coturn on loopback, the TURN server people run: it checks TURN REST credentials (coturn's
 * {@code use-auth-secret}) against its static secret. {@code --allow-loopback-peers} because both peers and the
 * relay are on 127.0.0.1 here (without it, CREATE_PERMISSION to a loopback peer gets 403).
 */
final class Coturn implements AutoCloseable {
  private static final Path EXECUTABLE = Path.of("/usr/bin/turnserver");
  final int port;
  private final LoggedProcess process;

  private Coturn(int port, LoggedProcess process) {
    this.port = port;
    this.process = process;
  }

  static Coturn start(Path home, String secret) {
    assertTrue(Files.isExecutable(EXECUTABLE), EXECUTABLE + " is missing: install Debian's coturn package (.ci/run does)");
    int port = freeUdpPort();
    // Its database and pid file in the test's folder: nothing is written under /var.
    Coturn turn = new Coturn(port, LoggedProcess.start("turnserver", home, List.of(EXECUTABLE.toString(), "-n",
        "--log-file=stdout", "--simple-log", "--no-cli", "--no-tls", "--no-dtls",
        "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=" + port,
        "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=example.test", "--allow-loopback-peers",
        "--userdb=" + home.resolve("turndb"), "--pidfile=" + home.resolve("turnserver.pid"))));
    turn.awaitBinding();
    return turn;
  }

  /** The URL peerbook hands out in ice_servers. */
  String url() {
    return "turn:127.0.0.1:" + port;
  }

  /** Waits until the server answers a STUN Binding request: then it listens and serves. */
  private void awaitBinding() {
    byte[] request = ByteBuffer.allocate(20).putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442)
        .put(transactionId()).array();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LoggedProcess.WAIT_SECONDS);
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(200);
      byte[] answer = new byte[1024];
      while (System.nanoTime() < deadline) {
        socket.send(new DatagramPacket(request, request.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        try {
          DatagramPacket reply = new DatagramPacket(answer, answer.length);
          socket.receive(reply);
          // a Binding success response (0x0101) for our transaction
          if (answer[0] == 0x01 && answer[1] == 0x01 && Arrays.equals(answer, 8, 20, request, 8, 20)) {
            return;
          }
        } catch (SocketTimeoutException e) {
          // not serving yet: ask again
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    fail("turnserver does not answer STUN on " + port + "; it printed:\n" + process.output());
  }

  private static byte[] transactionId() {
    byte[] id = new byte[12];
    new SecureRandom().nextBytes(id);
    return id;
  }

  private static int freeUdpPort() {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
