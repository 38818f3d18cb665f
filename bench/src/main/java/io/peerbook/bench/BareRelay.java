package io.peerbook.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * The ceiling: the least a Vert.x websocket relay can do. {@code /ws?id=X} registers X (no auth, no storage, a newer
 * socket replaces an older one); a message {@code {"to":"Y",…}} goes to Y with {@code "from":"X"} added. It parses and
 * re-encodes each message as any relay that stamps the sender must. One verticle, so one event loop, like the PeerJS
 * server's one Node.js thread. {@code java -cp peerbook-bench.jar io.peerbook.bench.BareRelay <port>}.
 */
public final class BareRelay extends VerticleBase {
  private final Map<String, ServerWebSocket> byId = new HashMap<>();
  private final int port;

  BareRelay(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
            .setMaxWebSocketMessageSize(64 * 1024).setIdleTimeout(0))
        .webSocketHandler(this::connected)
        .requestHandler(req -> req.response().end("bare relay\n"))
        .listen();
  }

  private void connected(ServerWebSocket ws) {
    String query = ws.query();
    String id = query != null && query.startsWith("id=") ? query.substring(3) : null;
    if (id == null || id.isEmpty()) {
      ws.close((short) 4400, "id required");
      return;
    }
    byId.put(id, ws);
    ws.closeHandler(v -> byId.remove(id, ws));
    ws.textMessageHandler(text -> {
      JsonObject m;
      try {
        m = new JsonObject(text);
      } catch (RuntimeException e) {
        return; // the bench never sends such; a relay drops what it cannot read
      }
      Object to = m.remove("to");
      ServerWebSocket target = to instanceof String t ? byId.get(t) : null;
      if (target != null) {
        target.writeTextMessage(m.put("from", id).encode());
      }
    });
    ws.writeTextMessage("{\"ready\":true}");
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    LoadGen.await(vertx.deployVerticle(() -> new BareRelay(port), new DeploymentOptions()), 30);
    System.out.println("bare relay listening on 127.0.0.1:" + port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LoadGen.await(vertx.close(), 5)));
  }
}
