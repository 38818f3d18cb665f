package io.peerbook.gateway;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Map;

/**
 * Dispatches a parsed message to the handler of its command. A peer waiting for approval may only ping; signaling
 * checks its own fields first, so that a malformed signal is told what is wrong before it is told it may not send.
 */
final class Commands {
  private final Map<Inbound.Command, CommandHandler> handlers = new EnumMap<>(Inbound.Command.class);

  Commands(GatewayContext ctx) {
    handlers.put(Inbound.Command.PING,
        (s, m) -> s.answer(m.id(), new JsonObject().put("pong", System.currentTimeMillis())));
    handlers.put(Inbound.Command.GET_LIST, (s, m) -> Bus.request(ctx.vertx().eventBus(), Address.DIRECTORY_LIST,
        listQuery(s, m.message())).transform(ar -> ar.succeeded()
        ? s.answer(m.id(), ar.result())
        : s.sendError(m.id(), null, Bus.code(ar.cause()), Bus.text(ar.cause()))));
    handlers.put(Inbound.Command.SET_PROPERTIES, new PropertiesHandler(ctx));
    handlers.put(Inbound.Command.ICE_SERVERS, (s, m) -> s.answer(m.id(), new JsonObject().put("ice_servers",
        ctx.ice().forPeer(s.email(), s.nameKey(), System.currentTimeMillis() / 1000))));
    handlers.put(Inbound.Command.SIGNAL, new SignalHandler(ctx));
    handlers.put(Inbound.Command.PROVE, (s, m) -> s.sendError(m.id(), null, Codes.BAD_REQUEST,
        s.key() == null ? "this connection has no device key to prove" : "the device key is already proven"));
    handlers.put(Inbound.Command.UNKNOWN, (s, m) -> s.sendError(m.id(), null, Codes.BAD_REQUEST, "unknown command"));
  }

  Future<Void> dispatch(PeerSession session, Inbound message) {
    Inbound.Command command = message.command();
    if (command != Inbound.Command.PING && command != Inbound.Command.SIGNAL && command != Inbound.Command.PROVE
        && !session.approved()) {
      return session.sendError(message.id(), null, Codes.UNAUTHORIZED, Admission.NOT_APPROVED);
    }
    return handlers.get(command).handle(session, message);
  }

  private static JsonObject listQuery(PeerSession s, JsonObject message) {
    JsonObject query = new JsonObject().put("email", s.email());
    if (message.containsKey("filter")) {
      query.put("filter", message.getValue("filter"));
    }
    return query;
  }
}
