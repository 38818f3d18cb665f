package io.peerbook.fuzz;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Messages from approved peers: protocol-shaped messages with random values, mutated messages, binary frames, and
 * now and then one over 64 KiB (which closes the socket; it reconnects). Every window ends with a ping whose pong
 * proves the server handled all before it.
 */
final class SocketFuzz {
  private static final int WINDOW = 200;
  private static final List<String> SAMPLES = List.of(
      "{\"command\":\"get_list\",\"id\":1}", "{\"command\":\"ping\",\"id\":\"p\"}",
      "{\"command\":\"set_properties\",\"properties\":{\"color\":\"red\",\"n\":1}}",
      "{\"command\":\"get_list\",\"filter\":{\"kind\":\"server\"}}", "{\"command\":\"ice_servers\"}",
      "{\"target\":\"P1\",\"offer\":{\"sdp\":\"v=0\"},\"id\":7}",
      "{\"target\":\"P2\",\"answer\":\"x\",\"fingerprint\":\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01\"}",
      "{\"target\":\"P0\",\"candidate\":{\"candidate\":\"a\",\"sdpMid\":\"0\"}}");
  private final Mutator m;
  private final WebSocketClient client;
  private final int port;
  private final List<Identity> identities;
  private final List<String> targets = new ArrayList<>();
  private final List<Peer> peers = new ArrayList<>();
  int reconnects;

  record Identity(String email, String name, String fingerprint) {
  }

  SocketFuzz(Vertx clients, Mutator m, int port, List<Identity> identities) {
    this.m = m;
    this.port = port;
    this.identities = identities;
    this.client = clients.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 20));
    identities.forEach(i -> targets.add(i.name()));
    targets.add("nobody");
    identities.forEach(i -> peers.add(null));
  }

  /** Sends n inputs; returns how many were sent. */
  int run(int n) throws Exception {
    int sent = 0;
    long sync = 0;
    while (sent < n) {
      int which = m.nextInt(peers.size());
      Peer p = peers.get(which);
      if (p == null || p.ws.isClosed()) {
        p = connect(identities.get(which));
        peers.set(which, p);
      }
      int window = Math.min(WINDOW, n - sent);
      for (int i = 0; i < window; i++) {
        p.send(next());
      }
      sent += window;
      p.sync("sync-" + sync++);
    }
    return sent;
  }

  private Object next() {
    int kind = m.nextInt(100);
    if (kind < 45) {
      return m.message(targets);
    }
    if (kind < 90) {
      return m.mutate(m.pick(SAMPLES));
    }
    if (kind < 99) {
      return Buffer.buffer(m.bytes(m.nextInt(100)));
    }
    return m.chance(0.2) ? "{\"command\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}" : m.randomJson(6);
  }

  private Peer connect(Identity id) throws Exception {
    reconnects++;
    ClientWebSocket ws = client.webSocket();
    Peer p = new Peer(ws);
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws?email="
        + id.email() + "&name=" + id.name() + "&fingerprint=" + id.fingerprint())).await(10, TimeUnit.SECONDS);
    return p;
  }

  void close() throws Exception {
    for (Peer p : peers) {
      if (p != null && !p.ws.isClosed()) {
        p.ws.close().await(10, TimeUnit.SECONDS);
      }
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  /** One fuzzing socket; it only waits for the pong that ends a window. */
  private static final class Peer {
    private final ClientWebSocket ws;
    private volatile String awaited;
    private volatile Promise<Void> pong;

    Peer(ClientWebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(t -> {
        String id = awaited;
        if (id != null && t.contains(id) && new JsonObject(t).containsKey("pong")) {
          pong.tryComplete();
        }
      });
      ws.closeHandler(v -> {
        Promise<Void> p = pong;
        if (p != null) {
          p.tryComplete();
        }
      });
    }

    void send(Object message) {
      if (ws.isClosed()) {
        return;
      }
      Future<Void> f = message instanceof Buffer b ? ws.writeBinaryMessage(b) : ws.writeTextMessage((String) message);
      f.onFailure(err -> { });
    }

    /** A ping, and waits for its pong (or the close): the server has then handled the window. */
    void sync(String id) throws Exception {
      pong = Promise.promise();
      awaited = id;
      if (!ws.isClosed()) {
        ws.writeTextMessage("{\"command\":\"ping\",\"id\":\"" + id + "\"}").onFailure(err -> pong.tryComplete());
      } else {
        pong.tryComplete();
      }
      pong.future().await(30, TimeUnit.SECONDS);
    }
  }
}
