package io.peerbook.interop;

import io.peerbook.support.Admin;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One of the examples (examples/pion, examples/python) running as a device of a user, against a test node. Its
 * certificate and device key files live in a folder of its own, so a device started again from the same folder is
 * the same device. Tests read what it does from the lines it prints, as its user would.
 */
final class NativePeer implements AutoCloseable {
  /** Debian's Python, which sees Debian's aiortc (a python3 earlier on the PATH may not). */
  private static final String PYTHON = "/usr/bin/python3";
  /** The certificate file in a device's folder. */
  static final String CERTIFICATE = "certificate.pem";
  /** The line a device prints when peerbook approves its connection. */
  static final Pattern APPROVED = Pattern.compile("^\\S+ status approved$");
  private static Path pionBinary;

  enum Kind {
    PION("-"), AIORTC("--");

    private final String dash;

    Kind(String dash) {
      this.dash = dash;
    }
  }

  /** The open data channel's line: the fingerprint that was verified and the selected pair's candidate types. */
  record Connected(String fingerprint, String localType, String remoteType) {
  }

  final String name;
  final String fingerprint;
  /** The device key as /ws's {@code key} (SPKI, base64url), or null for a device that connects without one. */
  final String key;
  final LoggedProcess process;

  private NativePeer(String name, LoggedProcess process, boolean withKey) {
    this.name = name;
    this.process = process;
    this.fingerprint = process.await(Pattern.compile("^fingerprint (\\S+)$")).group(1);
    this.key = withKey ? process.await(Pattern.compile("^device key ([A-Za-z0-9_-]+)$")).group(1) : null;
  }

  /**
   * Starts the example as device {@code name} of {@code email}, against the node listening on {@code port}.
   * {@code options} are its flags without dashes, a value after {@code =}: {@code "call=browser"}, {@code "echo"}.
   */
  static NativePeer start(Kind kind, int port, Path home, String email, String name, String... options) {
    List<String> command = new ArrayList<>(kind == Kind.PION ? List.of(pion().toString())
        : List.of(PYTHON, Path.of("examples", "python", "peer.py").toAbsolutePath().toString()));
    add(command, kind, "url=ws://127.0.0.1:" + port + "/ws");
    add(command, kind, "email=" + email);
    add(command, kind, "name=" + name);
    add(command, kind, "cert=" + CERTIFICATE);
    add(command, kind, "device-key=device-key.pem");
    // Both ends run on this machine, which may have no interface but loopback.
    add(command, kind, "loopback");
    boolean withKey = true;
    for (String option : options) {
      add(command, kind, option);
      withKey &= !option.equals("no-key");
    }
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    LoggedProcess process = LoggedProcess.start(kind + " " + name, home, command);
    try {
      return new NativePeer(name, process, withKey);
    } catch (RuntimeException | Error e) {
      process.close(); // it printed no identity: nobody else will stop it
      throw e;
    }
  }

  private static void add(List<String> command, Kind kind, String option) {
    String[] flag = option.split("=", 2);
    command.add(kind.dash + flag[0]);
    if (flag.length == 2) {
      command.add(flag[1]);
    }
  }

  /**
   * The pion example, built once per run with its own build script (Debian's Go packages, GOPATH mode, no module
   * proxy), as its README tells a user to build it.
   */
  static synchronized Path pion() {
    if (pionBinary == null) {
      Path binary = Path.of("target", "interop", "peerbook-pion").toAbsolutePath();
      try (LoggedProcess build = LoggedProcess.start("examples/pion/build.sh", Path.of("."),
          List.of("examples/pion/build.sh", binary.toString()))) {
        assertEquals(0, build.awaitExit(300), "the pion example does not build (.ci/run installs golang-go and"
            + " Debian's pion packages):\n" + build.output());
      }
      pionBinary = binary;
    }
    return pionBinary;
  }

  /**
   * The user approves the device while it waits on its socket: the admin API puts it in the book with the
   * fingerprint and device key it printed, and the same socket gets its 200.
   */
  void approveWhenWaiting(int port, String adminToken, String email) {
    process.await(Pattern.compile("^\\S+ status waiting"));
    Admin.put(port, adminToken, email, name, bookEntry());
    process.await(APPROVED);
  }

  /**
   * The body of an admin PUT for this device. The key goes with it: a server with device keys binds it, so that
   * the device, which proves its key, is the one approved; a server without them keeps it as a property.
   */
  JsonObject bookEntry() {
    JsonObject entry = new JsonObject().put("fingerprint", fingerprint);
    return key == null ? entry : entry.put("key", key);
  }

  /** Waits for the data channel to {@code remote} to open and returns what this side verified and selected. */
  Connected awaitConnected(String remote) {
    Matcher m = process.await(Pattern.compile("connected to " + Pattern.quote(remote)
        + ", fingerprint verified (\\S+) \\(local (\\w+), remote (\\w+)\\)$"));
    return new Connected(m.group(1), m.group(2), m.group(3));
  }

  /** Waits for a chat message from {@code remote}, printed on stdout as {@code <remote>: <text>}. */
  void awaitMessage(String remote, String text) {
    process.await(Pattern.compile("^" + Pattern.quote(remote + ": " + text) + "$"));
  }

  /** Waits for this side to refuse {@code remote}'s description and returns the reason it printed. */
  String awaitRefused(String remote) {
    return process.await(Pattern.compile("refused " + Pattern.quote(remote) + ": (.*)$")).group(1);
  }

  /** Waits for candidate gathering to end and returns how many relay candidates there were. */
  int awaitRelayCandidates() {
    return Integer.parseInt(process.await(Pattern.compile("gathered \\d+ candidates: .*relay (\\d+)$")).group(1));
  }

  /** The caller reaches the callee: each verified the other's fingerprint, and a line goes each way. */
  static void assertChat(NativePeer caller, NativePeer callee) {
    assertEquals(callee.fingerprint, caller.awaitConnected(callee.name).fingerprint());
    assertEquals(caller.fingerprint, callee.awaitConnected(caller.name).fingerprint());
    caller.say("hello " + callee.name);
    callee.awaitMessage(caller.name, "hello " + callee.name);
    callee.say("hello " + caller.name);
    caller.awaitMessage(callee.name, "hello " + caller.name);
  }

  /** Sends a line of chat (the example reads its stdin). */
  void say(String text) {
    process.writeLine(text);
  }

  @Override
  public void close() {
    process.close();
  }
}
