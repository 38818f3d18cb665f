package io.peerbook;

import io.peerbook.gateway.NodeConnections;
import io.peerbook.support.Await;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.Frames;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A peer that stops reading its socket cannot make the server hold what is sent to it without bound: past
 * max_write_queue bytes waiting for it, it is closed with 1013, and the sender of the message that did not fit gets
 * 480 for it.
 */
class SlowReaderTest {
  private static final String EMAIL = "fred@example.com";
  /** Far more than the kernel's buffers and the write queue hold together: without the bound, no 480 ever comes. */
  private static final int MAX_MESSAGES = 1_000;
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a target that does not read is closed with 1013 once max_write_queue bytes wait for it; the sender gets 480 for the message that did not fit, then the target's offline event, and keeps working")
  void slowReaderIsClosedAndSenderTold() throws IOException {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN, "msg_rate", 0, "max_write_queue", 64 * 1024));
    String targetFp = Fingerprints.random();
    String senderFp = Fingerprints.random();
    provision(node, EMAIL, "Target", targetFp);
    provision(node, EMAIL, "Sender", senderFp);

    try (Socket target = new Socket()) {
      // A small receive window, so the kernel holds little for the target and the server's queue fills soon.
      target.setReceiveBufferSize(4096);
      target.connect(new InetSocketAddress("127.0.0.1", node.port));
      target.setSoTimeout((int) (PeerClient.WAIT_SECONDS * 1000));
      InputStream in = upgrade(target, PeerClient.query(EMAIL, "Target", targetFp, null));
      assertEquals(200, new JsonObject(Frames.readText(in)).getInteger("code"));

      PeerClient sender = node.connect(EMAIL, "Sender", senderFp);
      sender.expectCode(200);
      String sdp = "x".repeat(60_000);
      JsonObject refused = null;
      for (int i = 0; i < MAX_MESSAGES && refused == null; i++) {
        sender.send(new JsonObject().put("target", "Target").put("offer", sdp).put("id", i));
        while (!sender.inboxEmpty() && refused == null) {
          JsonObject m = sender.next();
          if (m.getInteger("code", 0) == 480) {
            refused = m;
          }
        }
      }
      if (refused == null) {
        fail("no 480 after " + MAX_MESSAGES + " messages of 60 KB to a peer that reads nothing");
      }
      assertEquals("Target", refused.getString("target"), refused.encode());
      assertTrue(refused.getString("text").contains("does not read"), refused.encode());

      assertEquals(1013, Frames.readUntilClose(in, PeerClient.WAIT_SECONDS), "the slow target's close code");
      JsonObject offline = sender.next(m -> m.containsKey("peer_update")).getJsonObject("peer_update");
      assertEquals("offline", offline.getString("event"), offline.encode());
      assertEquals("Target", offline.getString("name"));
      sender.expectNothingBeforePong();
    }
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> NodeConnections.count(node.vertx) == 1,
        () -> "the slow socket still holds a place: " + NodeConnections.count(node.vertx));
  }

  private static InputStream upgrade(Socket s, String query) throws IOException {
    String request = "GET /ws?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        fail("closed during the upgrade: " + head);
      }
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    return in;
  }
}
