package io.peerbook.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A /ws upgrade written by hand with whatever headers a test needs (X-Forwarded-For), and the first thing the server
 * says: the HTTP status, and after a 101 the first text frame. The socket is closed afterwards.
 */
public final class RawHandshake {
  private RawHandshake() {
  }

  public record Answer(int status, String body) {
  }

  public static Answer open(int port, String query, Map<String, String> headers) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) (PeerClient.WAIT_SECONDS * 1000));
      StringBuilder req = new StringBuilder("GET /ws?").append(query).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\n")
          .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
          .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
      headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      OutputStream out = s.getOutputStream();
      out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String head = head(in);
      int status = Integer.parseInt(head.split(" ", 3)[1]);
      if (status != 101) {
        return new Answer(status, head);
      }
      return new Answer(status, Frames.readText(in));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads an HTTP response head, up to and including the blank line. */
  public static String head(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before the end of the response head: " + buf);
      }
      buf.write(b);
      matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }
}
