package io.peerbook;

import io.peerbook.config.ConfigException;
import io.peerbook.config.Limits;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.gateway.PlainConnections;
import io.peerbook.support.Await;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RawHandshake;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bounds on plain HTTP connections, over real TCP sockets: the node's cap ({@code max_http_connections}) and the
 * time a client has to send a request ({@code http_idle_timeout}), which spares upgraded sockets and event streams.
 */
class HttpConnectionLimitsTest {
  private static final String EMAIL = "erin@example.com";
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");
  private TestNode node;
  private final List<Socket> sockets = new ArrayList<>();

  private void start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    node = TestNode.start(all);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("the settings: 1000 plain connections and 75 s by default, PEERBOOK_MAX_HTTP_CONNECTIONS and PEERBOOK_HTTP_IDLE_TIMEOUT override the file, 0 is refused with the key's name")
  void settings() {
    Limits defaults = PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), Map.of())).limits();
    assertEquals(1000, defaults.maxHttpConnections());
    assertEquals(75, defaults.httpIdleTimeout());
    Limits set = PeerbookConfig.from(PeerbookConfig.merge(new JsonObject().put("max_http_connections", 5)
        .put("http_idle_timeout", 9), Map.of("PEERBOOK_MAX_HTTP_CONNECTIONS", "50"))).limits();
    assertEquals(50, set.maxHttpConnections());
    assertEquals(9, set.httpIdleTimeout());
    for (String key : List.of("max_http_connections", "http_idle_timeout")) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> PeerbookConfig.from(PeerbookConfig.merge(new JsonObject().put(key, 0), Map.of())));
      assertEquals(key + " must be greater than 0", e.getMessage());
    }
  }

  @Test
  @DisplayName("a node holding max_http_connections plain connections closes the next one unanswered, serves again once one closed, and upgraded sockets do not count")
  void plainConnectionsPerNodeAreCapped() throws IOException {
    start(Map.of("max_http_connections", 3, "http_idle_timeout", 600));
    List<PeerClient> peers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      PeerClient p = node.connect(EMAIL, "Waiting" + i, Fingerprints.random());
      p.expectCode(401);
      peers.add(p);
    }
    awaitPlain(0, "upgraded sockets still count as plain connections");

    Socket first = open();
    open();
    open();
    awaitPlain(3, "three idle connections are not all counted");

    Socket over = open();
    assertClosedUnanswered(over, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(3, PlainConnections.count(node.vertx), "a refused connection holds no place");

    first.close();
    awaitPlain(2, "the closed connection still holds a place");
    assertTrue(get(open(), "/healthz").startsWith("HTTP/1.1 200"), "no place after a connection closed");
    peers.forEach(p -> p.expectNothingBeforePong());
  }

  @Test
  @DisplayName("a plain connection that sends nothing, and one idle after its answer, are closed after http_idle_timeout; a signed-in page's event stream and an idle approved WebSocket stay open and keep getting events")
  void idlePlainConnectionsAreClosed() throws IOException {
    start(Map.of("http_idle_timeout", 1));
    String phoneFp = Fingerprints.random();
    String tabletFp = Fingerprints.random();
    provision(node, EMAIL, "Phone", phoneFp);
    provision(node, EMAIL, "Tablet", tabletFp);
    PeerClient phone = node.connect(EMAIL, "Phone", phoneFp);
    phone.expectCode(200);
    node.connect(EMAIL, "Laptop", Fingerprints.random()).expectCode(401);
    String session = signIn(TestNode.link(node.awaitMail(1)));
    Socket stream = open();
    stream.getOutputStream().write(("GET /manage/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        + "Cookie: " + session + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    String head = RawHandshake.head(stream.getInputStream());
    assertTrue(head.startsWith("HTTP/1.1 200") && head.contains("text/event-stream"), head);

    // Opened after the stream and the WebSocket, so once these are closed both have been open longer.
    Socket silent = open();
    Socket answered = open();
    assertTrue(get(answered, "/healthz").startsWith("HTTP/1.1 200"));
    assertClosedUnanswered(silent, "");
    assertEquals(-1, answered.getInputStream().read(), "the idle keep-alive connection was not closed");

    node.connect(EMAIL, "Tablet", tabletFp).expectCode(200);
    JsonObject update = phone.nextUpdate();
    assertEquals("Tablet", update.getString("name"), "the idle WebSocket missed an event: " + update.encode());
    phone.expectNothingBeforePong();
    assertTrue(readUntil(stream.getInputStream(), "event: book").contains("\"name\":\"Tablet\""),
        "the event stream missed the event");
  }

  /**
   * Opens the link and presses Continue as a browser would, each request on a connection of its own, so no request
   * races the server closing an idle kept-alive one. Returns the session's cookie, as a {@code Cookie} header value.
   */
  private String signIn(String link) {
    HttpClient http = node.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    try {
      Answer landing = call(http, HttpMethod.GET, link, null, null);
      assertEquals(200, landing.status(), landing.body());
      String form = "continue_csrf=" + PageClient.hidden(landing.body(), "continue_csrf");
      Answer spent = call(http, HttpMethod.POST, link, landing.cookies().get(0).split(";", 2)[0], form);
      assertEquals(303, spent.status(), spent.body());
      return spent.cookies().stream().map(c -> c.split(";", 2)[0]).filter(c -> c.startsWith("pb_session="))
          .findFirst().orElseThrow();
    } finally {
      http.close();
    }
  }

  private record Answer(int status, List<String> cookies, String body) {
  }

  private static Answer call(HttpClient http, HttpMethod method, String uri, String cookie, String form) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(uri);
    if (cookie != null) {
      options.putHeader("Cookie", cookie);
    }
    if (form != null) {
      options.putHeader("Content-Type", "application/x-www-form-urlencoded");
    }
    return PeerClient.await(http.request(options).compose(r -> form == null ? r.send() : r.send(form))
        .compose(res -> res.body().map(b -> new Answer(res.statusCode(), res.cookies(), b.toString()))));
  }

  @Test
  @DisplayName("a request whose head, or whose body, is trickled a byte at a time is cut after http_idle_timeout, without an answer")
  void slowRequestsAreCut() throws IOException {
    start(Map.of("http_idle_timeout", 1));
    assertTrickleCut("GET /healthz HTTP/1.1\r\nHost: x\r\n", 'a');
    assertTrickleCut("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Content-Length: 4096\r\n\r\nemail=", 'b');
    awaitPlain(0, "cut connections still counted");
  }

  /**
   * Sends {@code start}, then one byte every 100 ms, which would keep an idle timer reset by each byte away for ever;
   * asserts the server closes the connection, without a byte of answer, before {@link PeerClient#WAIT_SECONDS}.
   */
  private void assertTrickleCut(String start, char filler) throws IOException {
    Socket s = open();
    s.setSoTimeout(100);
    s.getOutputStream().write(start.getBytes(StandardCharsets.ISO_8859_1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (System.nanoTime() < deadline) {
      try {
        s.getOutputStream().write(filler);
        int b = s.getInputStream().read(); // waits up to 100 ms: the pace of the trickle
        assertEquals(-1, b, "the trickled request was answered");
        return;
      } catch (SocketTimeoutException e) {
        // still open: trickle on
      } catch (SocketException e) {
        return; // reset by the server after it closed
      }
    }
    fail("a trickled request was still open after " + PeerClient.WAIT_SECONDS + " s");
  }

  /** Reads the stream until {@code marker} and the end of its event (a blank line); returns what was read. */
  private static String readUntil(InputStream in, String marker) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        return fail("the stream closed; it had sent: " + seen.toString(StandardCharsets.UTF_8));
      }
      seen.write(b);
      String text = seen.toString(StandardCharsets.UTF_8);
      int at = text.indexOf(marker);
      if (at >= 0 && text.indexOf("\n\n", at) > 0) {
        return text.substring(at);
      }
    }
  }

  private void awaitPlain(int n, String message) {
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> PlainConnections.count(node.vertx) == n,
        () -> message + ": " + PlainConnections.count(node.vertx));
  }

  private Socket open() throws IOException {
    Socket s = new Socket("127.0.0.1", node.port);
    s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    sockets.add(s);
    return s;
  }

  /** Sends a request and reads the whole response; returns its head. */
  private static String get(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    String head = RawHandshake.head(s.getInputStream());
    Matcher length = CONTENT_LENGTH.matcher(head);
    assertTrue(length.find(), head);
    s.getInputStream().readNBytes(Integer.parseInt(length.group(1)));
    return head;
  }

  /** Sends {@code request} (if the connection still takes it) and asserts the server closes without a byte. */
  private static void assertClosedUnanswered(Socket s, String request) {
    try {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      int b = s.getInputStream().read();
      assertEquals(-1, b, "the connection was answered");
    } catch (SocketTimeoutException e) {
      fail("the connection is still open after " + PeerClient.WAIT_SECONDS + " s");
    } catch (SocketException e) {
      // reset by the server: closed too
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
