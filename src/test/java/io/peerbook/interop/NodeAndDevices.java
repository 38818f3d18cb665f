package io.peerbook.interop;

import io.peerbook.support.TestNode;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A peerbook node of a test's own, admin API on, and the native devices of one user against it, their identity
 * files in a fresh folder. Registered with {@code @RegisterExtension}: the node starts before each test (or when the
 * test calls {@link #start(Map)}, for a node that needs something started first), and devices, node and folder go
 * after it.
 */
final class NodeAndDevices implements BeforeEachCallback, AfterEachCallback {
  static final String ADMIN_TOKEN = "t";
  final String email;
  private final boolean startEarly;
  private TestNode node;
  private Map<String, Object> config;
  private Devices devices;
  private Path home;

  private NodeAndDevices(String email, boolean startEarly) {
    this.email = email;
    this.startEarly = startEarly;
  }

  /** A node started before each test. */
  static NodeAndDevices of(String email) {
    return new NodeAndDevices(email, true);
  }

  /** A node the test starts itself, with {@link #start(Map)}. */
  static NodeAndDevices startedByTest(String email) {
    return new NodeAndDevices(email, false);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    home = Files.createTempDirectory("peerbook-interop");
    if (startEarly) {
      start(Map.of());
    }
  }

  /** Starts the node with these configuration keys (as in conf/config.json) besides the admin token. */
  void start(Map<String, Object> overrides) {
    config = new HashMap<>(overrides);
    config.put("admin_token", ADMIN_TOKEN);
    node = TestNode.start(config);
    devices = new Devices(node.port, ADMIN_TOKEN, email, home);
  }

  /**
   * Stops the node and starts another one on the same port and Redis prefix, as a restarted server: the devices
   * find it where they left it, and the book is still there.
   */
  void restart() {
    config.put("http_port", node.port);
    config.put("redis_prefix", node.config.getString("redis_prefix"));
    node.close();
    node = TestNode.start(config);
  }

  TestNode node() {
    return node;
  }

  /** The node's port, also after a restart (a restarted TestNode's own port field names the port it was offered). */
  int port() {
    return node.config.getInteger("http_port");
  }

  Devices devices() {
    return devices;
  }

  Path home() {
    return home;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    if (devices != null) {
      devices.close();
    }
    if (node != null) {
      node.close();
    }
    try (Stream<Path> files = Files.walk(home)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
