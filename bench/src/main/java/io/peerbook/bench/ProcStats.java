package io.peerbook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the kernel and the JVM say about a server process: CPU time, resident memory, heap after a collection. */
final class ProcStats {
  /** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux we run on, asked once anyway. */
  static final long CLK_TCK = clockTicks();
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private ProcStats() {
  }

  /** User plus system CPU seconds the process has used so far (all its threads). */
  static double cpuSeconds(long pid) {
    double[] us = userSystem(pid);
    return us[0] + us[1];
  }

  /** {user, system} CPU seconds so far: a relay that spends its time in system calls shows it here. */
  static double[] userSystem(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name may hold spaces; the fields after its closing parenthesis start with the state (field 3).
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    long utime = Long.parseLong(f[11]);
    long stime = Long.parseLong(f[12]);
    return new double[] {utime / (double) CLK_TCK, stime / (double) CLK_TCK};
  }

  static double systemSeconds(List<Long> pids) {
    return pids.stream().mapToDouble(p -> userSystem(p)[1]).sum();
  }

  static double cpuSeconds(List<Long> pids) {
    return pids.stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  /**
   * Context switches of all the process's threads so far (voluntary and not): each hand-off of a message from one
   * thread to another costs a wake-up, which on a virtual machine is dear.
   */
  static long contextSwitches(long pid) {
    long sum = 0;
    java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
    if (tasks == null) {
      return 0;
    }
    for (java.io.File t : tasks) {
      try {
        for (String line : Files.readAllLines(t.toPath().resolve("status"))) {
          if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
            sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException e) {
        // a thread that ended meanwhile
      }
    }
    return sum;
  }

  static long contextSwitches(List<Long> pids) {
    return pids.stream().mapToLong(ProcStats::contextSwitches).sum();
  }

  /** Resident set size in KiB (VmRSS of /proc/<pid>/status). */
  static long rssKiB(long pid) {
    for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  static long rssKiB(List<Long> pids) {
    return pids.stream().mapToLong(ProcStats::rssKiB).sum();
  }

  /** A full collection in a JVM, through jcmd (System.gc in the target); returns once it is done. */
  static void jvmGc(long pid) {
    jcmd(pid, "GC.run");
  }

  /** Heap in use in a JVM, in KiB, as GC.heap_info reports it. */
  static long jvmHeapUsedKiB(long pid) {
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    if (!m.find()) {
      throw new IllegalStateException("no heap figure from jcmd " + pid);
    }
    return Long.parseLong(m.group(1));
  }

  /** Bytes per class of the live heap (GC.class_histogram runs a full GC first), for a before/after comparison. */
  static java.util.Map<String, long[]> classHistogram(long pid) {
    java.util.Map<String, long[]> out = new java.util.HashMap<>();
    for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return out;
  }

  static String jcmd(long pid, String... command) {
    String[] cmd = new String[command.length + 2];
    cmd[0] = "jcmd";
    cmd[1] = Long.toString(pid);
    System.arraycopy(command, 0, cmd, 2, command.length);
    return run(cmd);
  }

  /** Runs a short command and returns what it printed; fails when it fails. */
  static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The same command, or null when it is missing or fails (used for version strings in the report). */
  static String tryRun(String... cmd) {
    try {
      return run(cmd).trim();
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  private static long clockTicks() {
    String out = tryRun("getconf", "CLK_TCK");
    return out == null ? 100 : Long.parseLong(out);
  }
}
