package io.peerbook.directory;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.redis.Keys;
import io.peerbook.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.List;
import java.util.function.Function;

/**
 * The book in Redis: authorizes connecting peers, keeps presence, lists, pending requests, approvals, renames,
 * removals and app properties, and publishes every change on {@link Address#BOOK_EVENTS}.
 */
public final class DirectoryVerticle extends VerticleBase {
  private Redis redis;
  private NodeMembership nodes;
  private Presence presence;

  @Override
  public Future<?> start() {
    PeerbookConfig cfg = PeerbookConfig.from(config());
    redis = RedisClients.create(vertx, cfg.redisUrl());
    Keys keys = new Keys(cfg.redisPrefix());
    nodes = new NodeMembership(vertx, redis, keys, cfg.nodeId(), node -> presence.reapNode(node));
    BookAccess shared = new BookAccess(vertx, cfg, redis, keys, nodes) {
    };
    presence = new Presence(shared);
    BookReads reads = new BookReads(shared);
    BookChanges changes = new BookChanges(shared);
    return Future.all(List.of(
        on(Address.DIRECTORY_CONNECT, presence::connect),
        on(Address.DIRECTORY_DISCONNECT, presence::disconnect),
        on(Address.DIRECTORY_LIST, reads::list),
        on(Address.DIRECTORY_BOOK, reads::book),
        on(Address.DIRECTORY_ROUTE, reads::route),
        on(Address.DIRECTORY_SET_PROPERTIES, changes::setProperties),
        on(Address.DIRECTORY_APPROVE, changes::approve),
        on(Address.DIRECTORY_REJECT, changes::reject),
        on(Address.DIRECTORY_REMOVE, changes::remove),
        on(Address.DIRECTORY_RENAME, changes::rename),
        on(Address.DIRECTORY_PUT_PEER, changes::putPeer),
        on(Address.DIRECTORY_READY, body -> redis.send(Request.cmd(Command.PING)).map(r -> new JsonObject()))))
        .compose(v -> nodes.start());
  }

  @Override
  public Future<?> stop() {
    return nodes.stop().eventually(() -> redis.close());
  }

  private Future<Void> on(Address address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().<JsonObject>consumer(address.address(),
        msg -> Bus.reply(msg, Bus.guard(() -> handler.apply(msg.body())))).completion();
  }
}
