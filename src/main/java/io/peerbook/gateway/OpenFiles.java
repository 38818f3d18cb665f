package io.peerbook.gateway;

import com.sun.management.UnixOperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How many sockets this process can really hold: each takes a file descriptor, and the process may open only so many
 * ({@code ulimit -n}). Past that the accept loop fails with "Too many open files" stack traces and nothing answers
 * the client; within it, a full node answers 503 and the client tries another. So the node's socket cap is
 * {@code max_connections} or what the descriptors allow once the plain HTTP connections ({@code max_http_connections})
 * and a reserve have theirs, whichever is less, and the log says so once.
 */
final class OpenFiles {
  /** Descriptors kept for everything else: Redis and Hazelcast connections, jars, logs. */
  static final long RESERVE = 256;
  private static final Logger LOG = LoggerFactory.getLogger(OpenFiles.class);

  private OpenFiles() {
  }

  /**
   * The socket cap for {@code configured}, given this process's descriptor limit (none known: as configured) and the
   * plain HTTP connections it may hold beside them.
   */
  static int socketCap(int configured, int httpConnections) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof UnixOperatingSystemMXBean unix)) {
      return configured;
    }
    int cap = socketCap(configured, unix.getMaxFileDescriptorCount() - httpConnections);
    if (cap < configured) {
      LOG.warn("max_connections is {}, but this process may open only {} files: beside {} plain HTTP connections "
              + "(max_http_connections) it takes at most {} sockets and answers 503 past that; raise the open-file limit "
              + "(docs/operations.md, \"Open files\") or lower max_connections", configured,
          unix.getMaxFileDescriptorCount(), httpConnections, cap);
    }
    return cap;
  }

  /** The cap for {@code configured} when {@code descriptors} are left for sockets and the reserve. */
  static int socketCap(int configured, long descriptors) {
    return (int) Math.max(1, Math.min(configured, descriptors - RESERVE));
  }
}
