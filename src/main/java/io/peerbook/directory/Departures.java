package io.peerbook.directory;

import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Disconnect;
import io.peerbook.redis.Keys;
import io.peerbook.redis.Pipelines;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed sockets leaving the book, in batches. Disconnects that arrive while a batch is in Redis wait for it and go
 * together in the next one, as pipelines of the disconnect script: when 15,000 sockets close at once, a handful of
 * pipelines clear them instead of 15,000 requests racing for the pool. One batch at a time per directory instance.
 */
final class Departures {
  /** Sockets one batch takes at most; more wait for the next. */
  static final int MAX_BATCH = 5_000;
  private final Book book;
  private final Pipelines pipelines;
  private final ArrayDeque<Leaving> queue = new ArrayDeque<>();
  private final List<Promise<Void>> drained = new ArrayList<>();
  private boolean flushing;

  private record Leaving(Disconnect socket, Promise<Void> done) {
  }

  Departures(Book book, Pipelines pipelines) {
    this.book = book;
    this.pipelines = pipelines;
  }

  /** Completes once every socket's records are cleared (or were another socket's); fails when Redis failed. */
  Future<Void> leave(List<Disconnect> sockets) {
    List<Future<Void>> done = new ArrayList<>(sockets.size());
    for (Disconnect socket : sockets) {
      Promise<Void> p = Promise.promise();
      queue.add(new Leaving(socket, p));
      done.add(p.future());
    }
    if (!flushing) {
      // The first one of a burst waits for the rest of the messages already delivered to this event loop.
      flushing = true;
      book.vertx.runOnContext(v -> flush());
    }
    return Future.all(done).mapEmpty();
  }

  /** Completes once no disconnect is waiting or in Redis: a stopping directory lets the last batch finish. */
  Future<Void> drained() {
    if (!flushing) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    drained.add(p);
    return p.future();
  }

  private void flush() {
    List<Leaving> batch = new ArrayList<>();
    while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(queue.poll());
    }
    if (batch.isEmpty()) {
      flushing = false;
      drained.forEach(Promise::tryComplete);
      drained.clear();
      return;
    }
    flushing = true;
    Keys keys = book.keys;
    List<List<String>> scriptKeys = new ArrayList<>(batch.size());
    List<List<String>> args = new ArrayList<>(batch.size());
    for (Leaving l : batch) {
      Disconnect d = l.socket();
      scriptKeys.add(List.of(keys.online(d.email()), keys.waiting(d.email()), keys.peers(d.email()),
          keys.lastSeen(d.email()), keys.nodeSockets(d.node(), d.email())));
      args.add(List.of(d.nameKey(), d.conn(), Keys.socket(d.email(), d.conn())));
    }
    pipelines.run(DisconnectResult.SCRIPT, scriptKeys, args).onComplete(ar -> {
      for (int i = 0; i < batch.size(); i++) {
        Leaving l = batch.get(i);
        if (ar.failed()) {
          l.done().fail(ar.cause());
          continue;
        }
        DisconnectResult r = DisconnectResult.decode(ar.result().get(i));
        if (r.online() && r.record() != null) {
          book.publish(BookEvent.of(BookEvent.OFFLINE, l.socket().email()).put("name_key", l.socket().nameKey())
              .put("peer", r.record().entry(r.lastConnection(), false)));
        }
        l.done().complete();
      }
      flush();
    });
  }
}
