package io.peerbook.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * One message from a peer, parsed once: its command, its {@code id} and {@code target} (echoed in a reply), the whole
 * object, or the {@code problem} that makes it malformed (then the rest is what could be read). Plain signaling is
 * read without a JSON tree ({@code scan}; {@code message} is then null).
 */
record Inbound(Command command, Object id, String target, JsonObject message, String problem, SignalScan scan) {

  /** The commands a peer may send; a message without one is signaling. */
  enum Command {
    PING("ping"), PROVE("prove"), GET_LIST("get_list"), SET_PROPERTIES("set_properties"), ICE_SERVERS("ice_servers"),
    SIGNAL(null), UNKNOWN(null);

    private final String wire;

    Command(String wire) {
      this.wire = wire;
    }

    static Command of(String name) {
      for (Command c : values()) {
        if (c.wire != null && c.wire.equals(name)) {
          return c;
        }
      }
      return UNKNOWN;
    }
  }

  static Inbound parse(String text) {
    SignalScan scan = SignalScan.of(text);
    if (scan != null) {
      return new Inbound(Command.SIGNAL, scan.id(), scan.target(), null, null, scan);
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(text);
    } catch (DecodeException e) {
      return malformed(null, null, "not JSON");
    }
    if (!(parsed instanceof JsonObject msg)) {
      return malformed(null, null, "a message must be a JSON object");
    }
    Object id = msg.getValue("id");
    String target = msg.getValue("target") instanceof String t ? t : null;
    if (id != null && !(id instanceof String || id instanceof Number)) {
      return malformed(null, target, "id must be a string or a number");
    }
    Object command = msg.getValue("command");
    if (command == null) {
      return new Inbound(Command.SIGNAL, id, target, msg, null, null);
    }
    if (!(command instanceof String c)) {
      return malformed(id, target, "command must be a string");
    }
    return new Inbound(Command.of(c), id, target, msg, null, null);
  }

  static Inbound binary() {
    return malformed(null, null, "binary frames are not accepted");
  }

  private static Inbound malformed(Object id, String target, String problem) {
    return new Inbound(null, id, target, null, problem, null);
  }

  boolean malformed() {
    return problem != null;
  }
}
