package io.peerbook.redis;

import io.peerbook.config.RedisSettings;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.RequestGrouping;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Many commands in a few round trips, for the work that comes in thousands at once (a mass disconnect, a dead node's
 * sockets): pipelines of at most {@link #CHUNK} commands, one after the other, so that they never crowd the pool's
 * other users out. A pipeline goes over one connection to one server, so on Redis Cluster the commands are first
 * grouped by the master that serves their slot (each command's keys are in one slot); the groups go in parallel.
 */
public final class Pipelines {
  static final int CHUNK = 1000;
  private final Redis redis;
  private final boolean cluster;

  public Pipelines(Redis redis, RedisSettings.Type type) {
    this.redis = redis;
    this.cluster = type == RedisSettings.Type.CLUSTER;
  }

  /** Sends the commands; the replies come in their order. Fails when any pipeline fails. */
  public Future<List<Response>> send(List<Request> requests) {
    return send(requests, null);
  }

  /** Runs a script once per call ({@code keys.get(i)}, {@code args.get(i)}); the replies come in their order. */
  public Future<List<Response>> run(LuaScript script, List<List<String>> keys, List<List<String>> args) {
    List<Request> calls = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      calls.add(script.call(keys.get(i), args.get(i)));
    }
    return send(calls, i -> script.callWithSource(keys.get(i), args.get(i)));
  }

  /** @param withSource the script call {@code i} with its source, for a server that does not know the script */
  private Future<List<Response>> send(List<Request> requests, IntFunction<Request> withSource) {
    if (requests.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<Request, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < requests.size(); i++) {
      index.put(requests.get(i), i);
    }
    Response[] replies = new Response[requests.size()];
    return groups(requests).compose(groups -> {
      List<Future<Void>> sent = new ArrayList<>();
      for (List<Request> group : groups) {
        sent.add(chunks(group, 0, index, replies, withSource));
      }
      return Future.all(sent);
    }).map(v -> Arrays.asList(replies));
  }

  private Future<Collection<List<Request>>> groups(List<Request> requests) {
    if (!cluster) {
      return Future.succeededFuture(List.of(requests));
    }
    return redis.connect().compose(conn -> RedisCluster.create(conn).groupByNodes(requests)
        .map(RequestGrouping::getKeyed).eventually(conn::close));
  }

  private Future<Void> chunks(List<Request> group, int from, Map<Request, Integer> index, Response[] replies,
                              IntFunction<Request> withSource) {
    if (from >= group.size()) {
      return Future.succeededFuture();
    }
    List<Request> chunk = group.subList(from, Math.min(group.size(), from + CHUNK));
    return redis.batch(chunk).recover(err -> {
      // After a failover or a restart the server may not know a script: the chunk again, with the sources.
      if (withSource == null || err.getMessage() == null || !err.getMessage().contains("NOSCRIPT")) {
        return Future.failedFuture(err);
      }
      return redis.batch(chunk.stream().map(r -> withSource.apply(index.get(r))).toList());
    }).compose(rs -> {
      for (int i = 0; i < chunk.size(); i++) {
        replies[index.get(chunk.get(i))] = rs.get(i);
      }
      return chunks(group, from + CHUNK, index, replies, withSource);
    });
  }
}
