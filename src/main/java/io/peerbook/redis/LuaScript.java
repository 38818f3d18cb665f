package io.peerbook.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A Lua script from the classpath, run with EVALSHA and loaded again with EVAL when Redis does not know it. */
public final class LuaScript {
  private final String source;
  private final String sha;

  private LuaScript(String source) {
    this.source = source;
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static LuaScript load(String name) {
    try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing script " + name);
      }
      return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public Future<Response> run(Redis redis, List<String> keys, List<String> args) {
    return redis.send(request(Command.EVALSHA, sha, keys, args)).recover(err -> {
      // After a failover or a restart the server may not know it; in a pipeline the error comes prefixed.
      if (err.getMessage() != null && err.getMessage().contains("NOSCRIPT")) {
        return redis.send(request(Command.EVAL, source, keys, args));
      }
      return Future.failedFuture(err);
    });
  }

  /** The script as one command of a pipeline ({@link Pipelines#run}). */
  Request call(List<String> keys, List<String> args) {
    return request(Command.EVALSHA, sha, keys, args);
  }

  /** The same with its source, for a server that does not know the script. */
  Request callWithSource(List<String> keys, List<String> args) {
    return request(Command.EVAL, source, keys, args);
  }

  private static Request request(Command cmd, String script, List<String> keys, List<String> args) {
    Request req = Request.cmd(cmd).arg(script).arg(keys.size());
    keys.forEach(req::arg);
    args.forEach(req::arg);
    return req;
  }
}
