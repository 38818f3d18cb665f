package io.peerbook.directory;

import io.peerbook.protocol.BookEvent;
import io.peerbook.redis.HashSlots;
import io.peerbook.redis.Keys;
import io.peerbook.redis.Pipelines;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clears what a dead node held: its sockets are listed per hash slot ({@link Keys#nodeSockets}), so one pipelined
 * pass reads the node's sets in all 16,384 slots, and a second clears each affected user's records with one script
 * per user. Users of its peers hear they went offline. Clearing again is harmless: a record is cleared only while
 * it is still located on the dead node.
 */
final class Reaper {
  private final Book book;
  private final Pipelines pipelines;

  Reaper(Book book, Pipelines pipelines) {
    this.book = book;
    this.pipelines = pipelines;
  }

  /** How much a dead node had left: its sockets (approved and waiting), and the peers that went offline with them. */
  record Reaped(int sockets, int offline) {
  }

  Future<Reaped> reap(String node) {
    Keys keys = book.keys;
    List<Request> reads = new ArrayList<>(HashSlots.SLOTS);
    for (int slot = 0; slot < HashSlots.SLOTS; slot++) {
      reads.add(Request.cmd(Command.SMEMBERS).arg(keys.nodeSockets(node, slot)));
    }
    return pipelines.send(reads).compose(sets -> {
      // The sockets of each user: their email is the member's first line.
      Map<String, List<String>> byUser = new LinkedHashMap<>();
      for (Response set : sets) {
        set.forEach(m -> {
          String member = m.toString();
          int nl = member.indexOf('\n');
          if (nl > 0) {
            byUser.computeIfAbsent(member.substring(0, nl), e -> new ArrayList<>()).add(member);
          }
        });
      }
      int sockets = byUser.values().stream().mapToInt(List::size).sum();
      List<String> users = new ArrayList<>(byUser.keySet());
      List<List<String>> scriptKeys = new ArrayList<>(users.size());
      List<List<String>> args = new ArrayList<>(users.size());
      for (String email : users) {
        scriptKeys.add(List.of(keys.online(email), keys.waiting(email), keys.peers(email), keys.lastSeen(email),
            keys.nodeSockets(node, email)));
        List<String> a = new ArrayList<>();
        a.add(node);
        a.addAll(byUser.get(email));
        args.add(a);
      }
      return pipelines.run(ReapResult.SCRIPT, scriptKeys, args).map(rs -> {
        int offline = 0;
        for (int i = 0; i < users.size(); i++) {
          for (ReapResult.Cleared c : ReapResult.decode(rs.get(i)).cleared()) {
            if (c.record() != null) {
              offline++;
              book.publish(BookEvent.of(BookEvent.OFFLINE, users.get(i)).put("name_key", c.nameKey())
                  .put("peer", c.record().entry(c.lastConnection(), false)));
            }
          }
        }
        return new Reaped(sockets, offline);
      });
    });
  }
}
