package io.peerbook.directory;

import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * The Redis that changes a person or an operator makes go through: each script is followed, on the same connection,
 * by {@code WAIT <replicas> <ms>}, and a change that fewer replicas confirmed in time is reported failed (503). Redis
 * replicates asynchronously, so without this an approval the page reported done could vanish with a master that
 * failed over the next moment; with it, it is on a replica that Sentinel or the Cluster promotes. Other commands
 * pass through.
 */
final class ReplicatedWrites implements Redis {
  private final Redis redis;
  private final int replicas;
  private final int waitMs;

  ReplicatedWrites(Redis redis, int replicas, int waitMs) {
    this.redis = redis;
    this.replicas = replicas;
    this.waitMs = waitMs;
  }

  @Override
  public Future<Response> send(Request command) {
    Command cmd = command.command();
    if (replicas == 0 || !(cmd == Command.EVALSHA || cmd == Command.EVAL)) {
      return redis.send(command);
    }
    // A batch runs on one connection: WAIT counts the replicas that have what this connection wrote.
    return redis.batch(List.of(command, Request.cmd(Command.WAIT).arg(replicas).arg(waitMs))).map(rs -> {
      if (rs.get(1).toInteger() < replicas) {
        throw new ProtocolException(Codes.UNAVAILABLE, "the change was not confirmed by a Redis replica in time and"
            + " may be lost if Redis fails over now: check the book before trying again");
      }
      return rs.get(0);
    });
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return redis.batch(commands);
  }

  @Override
  public Future<RedisConnection> connect() {
    return redis.connect();
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }
}
