package io.peerbook.directory;

import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.redis.Keys;
import io.peerbook.redis.Pipelines;
import io.peerbook.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.List;

/**
 * The book in Redis: authorizes connecting peers, keeps presence, lists, pending requests, approvals, renames,
 * removals and app properties, and publishes every change on {@link Address#BOOK_EVENTS}.
 */
public final class DirectoryVerticle extends VerticleBase {
  private final ClusterView cluster;
  private Redis redis;
  private NodeMembership nodes;
  private Presence presence;

  public DirectoryVerticle(ClusterView cluster) {
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    PeerbookConfig cfg = PeerbookConfig.from(config());
    redis = RedisClients.create(vertx, cfg);
    Keys keys = new Keys(cfg.redisPrefix());
    nodes = new NodeMembership(vertx, redis, keys, cluster, cfg, node -> presence.reapNode(node));
    Book book = new Book(vertx, cfg, redis, keys, nodes);
    presence = new Presence(book, new Pipelines(redis, cfg.redis().type()));
    BookReads reads = new BookReads(book);
    BookChanges changes = new BookChanges(book);
    return Future.all(List.of(
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_CONNECT, presence::connect),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_DISCONNECT, presence::disconnect),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_LIST, reads::list),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_BOOK, reads::book),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_ROUTE, reads::route),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_SET_PROPERTIES, changes::setProperties),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_APPROVE, changes::approve),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_REJECT, changes::reject),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_REMOVE, changes::remove),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_RENAME, changes::rename),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_PUT_PEER, changes::putPeer),
        Bus.serve(vertx.eventBus(), Address.DIRECTORY_READY, body -> redis.send(Request.cmd(Command.PING)).map(r -> new JsonObject()))))
        .compose(v -> nodes.start());
  }

  @Override
  public Future<?> stop() {
    return presence.drained().eventually(() -> nodes.stop()).eventually(() -> redis.close());
  }
}
