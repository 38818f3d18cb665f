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
 * {@code max_connections} or what the descriptors allow, whichever is less, and the log says so once.
 */
final class OpenFiles {
  /** Descriptors kept for everything else: Redis and Hazelcast connections, the page's HTTP, jars, logs. */
  static final long RESERVE = 256;
  private static final Logger LOG = LoggerFactory.getLogger(OpenFiles.class);

  private OpenFiles() {
  }

  /** The socket cap for {@code configured}, given this process's descriptor limit (none known: as configured). */
  static int socketCap(int configured) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof UnixOperatingSystemMXBean unix)) {
      return configured;
    }
    int cap = socketCap(configured, unix.getMaxFileDescriptorCount());
    if (cap < configured) {
      LOG.warn("max_connections is {}, but this process may open only {} files: it takes at most {} sockets and "
              + "answers 503 past that; raise the open-file limit (docs/operations.md, \"Open files\") or lower "
              + "max_connections", configured, unix.getMaxFileDescriptorCount(), cap);
    }
    return cap;
  }

  static int socketCap(int configured, long maxDescriptors) {
    return (int) Math.max(1, Math.min(configured, maxDescriptors - RESERVE));
  }
}
