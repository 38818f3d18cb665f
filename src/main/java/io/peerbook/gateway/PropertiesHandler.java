package io.peerbook.gateway;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** {@code set_properties}: merges the sender's app properties; the directory checks them. */
final class PropertiesHandler implements CommandHandler {
  private final GatewayContext ctx;

  PropertiesHandler(GatewayContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<Void> handle(PeerSession s, Inbound m) {
    if (!(m.message().getValue("properties") instanceof JsonObject props)) {
      return s.sendError(m.id(), null, Codes.BAD_REQUEST, "properties must be an object");
    }
    JsonObject body = new JsonObject().put("email", s.email()).put("name", s.name()).put("fingerprint", s.fingerprint())
        .put("properties", props);
    return Bus.request(ctx.vertx().eventBus(), Address.DIRECTORY_SET_PROPERTIES, body).transform(ar -> ar.succeeded()
        ? s.answer(m.id(), new JsonObject().put("code", Codes.OK))
        : s.sendError(m.id(), null, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }
}
