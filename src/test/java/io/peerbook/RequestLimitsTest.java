package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP requests no browser or peer library would send, each found by the fuzz test to end in an unhandled exception
 * (and, before the fix, an error in the log or no answer at all): each gets a plain 4xx now, and nothing is logged.
 */
class RequestLimitsTest {
  private TestNode node;
  private LogCapture log;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN));
    log = LogCapture.open();
  }

  @AfterEach
  void stop() {
    log.close();
    node.close();
  }

  @Test
  @DisplayName("a /ws query with a broken percent escape gets 400 before the upgrade, not an unhandled exception")
  void brokenEscapeInQuery() {
    SocketKit.Handshake h = SocketKit.handshake(node.port, "email=a%4&name=x&fingerprint=" + Fingerprints.random(), null);
    assertEquals(400, h.status(), h.body());
    assertEquals(0, log.failures().size(), LogCapture.describe(log.failures()));
  }

  @Test
  @DisplayName("form posts with a broken percent escape, an empty multipart boundary, or a body over 16 KiB get 400 or 413, nothing logged")
  void malformedForms() {
    assertEquals(400, status(post("/manage/approve", "application/x-www-form-urlencoded", "csrf=a&name=%%%")));
    assertEquals(400, status(post("/manage/approve", "multipart/form-data; boundary=", "whatever")));
    assertEquals(413, status(post("/manage/approve", "application/x-www-form-urlencoded", "name=" + "x".repeat(17 * 1024))));
    assertEquals(400, status(post("/approve/%ZZ", "application/x-www-form-urlencoded", "continue_csrf=a")));
    assertEquals(0, log.failures().size(), LogCapture.describe(log.failures()));
  }

  @Test
  @DisplayName("a request target that is not a path gets 400; a request line over 4096 bytes gets 414, headers over 8192 bytes 431; the node still serves")
  void oddRequestTargets() {
    assertEquals(400, status(raw("GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    String tooLong = raw("GET /healthz?" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(tooLong.startsWith("HTTP/1.0 414"), tooLong);
    String bigHeader = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(9000) + "\r\n\r\n");
    assertTrue(bigHeader.startsWith("HTTP/1.1 431"), bigHeader);
    assertEquals(200, status(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    assertEquals(0, log.failures().size(), LogCapture.describe(log.failures()));
  }

  private String post(String path, String type, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: pb_session=none\r\nContent-Type: "
        + type + "\r\nContent-Length: " + b.length + "\r\n\r\n" + body);
  }

  private static int status(String response) {
    assertTrue(response.startsWith("HTTP/1.1 "), "no answer: '" + response + "'");
    return Integer.parseInt(response.substring(9, 12));
  }

  /** Writes a request as is and reads the answer until the server closes the connection. */
  private String raw(String request) {
    try (Socket s = new Socket("127.0.0.1", node.port)) {
      s.setSoTimeout((int) (PeerClient.WAIT_SECONDS * 1000));
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
