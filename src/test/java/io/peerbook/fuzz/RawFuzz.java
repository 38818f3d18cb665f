package io.peerbook.fuzz;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a client library would never send, written on plain TCP: /ws query strings with anything in them (and
 * random X-Forwarded-For and Origin headers), and after an upgrade, raw frames of any shape. Every connection must
 * end, by the server's answer or close, within the timeout: a hang fails the run.
 */
final class RawFuzz {
  private static final int PARALLEL = 16;
  private static final long CONNECTION_TIMEOUT_S = 20;
  /** A request cut short by its own mutation (a CRLF in the query) may rightly wait for more: given up after this. */
  private static final long ANSWER_MS = 5_000;
  private final Vertx vertx;
  private final Mutator m;
  private final NetClient client;
  private final int port;
  private final String validQuery;
  int unanswered;

  RawFuzz(Vertx clients, Mutator m, int port, String validQuery) {
    this.vertx = clients;
    this.m = m;
    this.port = port;
    this.validQuery = validQuery;
    this.client = clients.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  /** n query strings, each on its own connection; returns how many were sent. */
  int queries(int n) throws Exception {
    int sent = 0;
    while (sent < n) {
      int batch = Math.min(PARALLEL, n - sent);
      List<Future<Void>> done = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        done.add(exchange(request(m.mutate(validQuery.replace("QUERY", "q" + m.nextInt(1_000_000)))), List.of(),
            m.chance(0.5)));
      }
      Future.all(done).await(CONNECTION_TIMEOUT_S, TimeUnit.SECONDS);
      sent += batch;
    }
    return sent;
  }

  /** n raw frames, sent after the upgrade of an approved or a waiting peer, up to 40 per connection. */
  int frames(int n, String approvedQuery) throws Exception {
    int sent = 0;
    while (sent < n) {
      List<Future<Void>> done = new ArrayList<>();
      for (int c = 0; c < PARALLEL && sent < n; c++) {
        int count = Math.min(n - sent, 1 + m.nextInt(40));
        List<Buffer> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          frames.add(RawFrames.random(m));
        }
        String query = m.chance(0.7) ? approvedQuery : validQuery.replace("QUERY", "f" + m.nextInt(1_000_000));
        done.add(exchange(request(query), frames, true));
        sent += count;
      }
      Future.all(done).await(CONNECTION_TIMEOUT_S, TimeUnit.SECONDS);
    }
    return sent;
  }

  private Buffer request(String query) {
    StringBuilder head = new StringBuilder("GET /ws?").append(query).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        .append("Sec-WebSocket-Version: 13\r\n");
    if (m.chance(0.3)) {
      head.append("X-Forwarded-For: ").append(m.mutate("203.0.113." + m.nextInt(256) + ", 10.0.0.1")).append("\r\n");
    }
    if (m.chance(0.1)) {
      head.append("Origin: ").append(m.mutate("https://app.example")).append("\r\n");
    }
    return Buffer.buffer(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes the request, and after a 101 the frames; then closes: at once (the connect may still be in flight) or
   * after the server's first answer. Completes when the connection is closed.
   */
  private Future<Void> exchange(Buffer request, List<Buffer> frames, boolean waitForAnswer) {
    Promise<Void> done = Promise.promise();
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      NetSocket s = ar.result();
      Buffer seen = Buffer.buffer();
      boolean[] upgraded = {false};
      s.closeHandler(v -> done.tryComplete());
      s.exceptionHandler(err -> { });
      s.handler(data -> {
        if (upgraded[0]) {
          return;
        }
        seen.appendBuffer(data);
        String text = seen.toString(StandardCharsets.ISO_8859_1);
        if (!text.contains("\r\n\r\n")) {
          return;
        }
        upgraded[0] = true;
        if (text.startsWith("HTTP/1.1 101")) {
          frames.forEach(s::write);
        }
        s.close();
      });
      s.write(request);
      if (!waitForAnswer) {
        s.close();
        return;
      }
      vertx.setTimer(ANSWER_MS, t -> {
        if (!upgraded[0]) {
          unanswered++;
          s.close();
        }
      });
    });
    return done.future();
  }

  void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }
}
