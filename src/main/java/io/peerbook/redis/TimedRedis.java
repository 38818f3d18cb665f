package io.peerbook.redis;

import io.peerbook.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/** A Redis client that times every command, script and pipeline it sends (peerbook_redis). */
final class TimedRedis implements Redis {
  private final Redis redis;

  TimedRedis(Redis redis) {
    this.redis = redis;
  }

  @Override
  public Future<RedisConnection> connect() {
    return redis.connect();
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }

  @Override
  public Future<Response> send(Request command) {
    return timed(command.command().toString(), redis.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return timed("pipeline", redis.batch(commands));
  }

  private static <T> Future<T> timed(String command, Future<T> result) {
    long start = System.nanoTime();
    return result.andThen(ar -> Meters.redis(command.toLowerCase(), ar.succeeded() ? "ok" : "failed")
        .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
  }
}
