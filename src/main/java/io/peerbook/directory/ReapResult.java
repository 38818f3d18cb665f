package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/** What reap.lua answered for one user: the presence records it cleared, each with its peer's record and last connection. */
record ReapResult(List<Cleared> cleared) {
  /** Run in pipelines, one call per user ({@link Reaper}). */
  static final LuaScript SCRIPT = LuaScript.load("reap");

  record Cleared(String nameKey, PeerRecord record, String lastConnection) {
  }

  static ReapResult decode(Response r) {
    List<Cleared> cleared = new ArrayList<>();
    for (int i = 0; i + 2 < r.size(); i += 3) {
      String rec = Book.emptyToNull(r.get(i + 1));
      cleared.add(new Cleared(r.get(i).toString(), rec == null ? null : PeerRecord.parse(rec),
          Book.emptyToNull(r.get(i + 2))));
    }
    return new ReapResult(cleared);
  }
}
