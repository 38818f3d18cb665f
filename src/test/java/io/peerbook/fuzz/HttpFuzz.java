package io.peerbook.fuzz;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side, written by hand so that nothing is cleaned up on the way: admin API calls with mutated paths,
 * tokens and JSON bodies (some over the 16 KiB limit), form posts to the page's actions with mutated fields, a real
 * session and CSRF token or wrong ones, odd content types, and GETs of the page's URLs. One request per connection
 * ({@code Connection: close}). A well-formed request must be answered within the timeout; one whose own mutation
 * broke its HTTP syntax may rightly be left waiting for the rest, and is only counted.
 */
final class HttpFuzz {
  private static final int PARALLEL = 32;
  private static final long ANSWER_MS = 10_000;
  private static final String FP = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
  private final Vertx vertx;
  private final Mutator m;
  private final NetClient client;
  private final int port;
  private final String session;
  private final String csrf;
  private final List<String> unansweredValid = new ArrayList<>();
  int statuses5xx;
  int unanswered;

  HttpFuzz(Vertx clients, Mutator m, int port, String session, String csrf) {
    this.vertx = clients;
    this.m = m;
    this.port = port;
    this.session = session;
    this.csrf = csrf;
    this.client = clients.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  int admin(int n) throws Exception {
    return run(n, true);
  }

  int forms(int n) throws Exception {
    return run(n, false);
  }

  /** Well-formed requests that got no answer: a server that hangs. */
  List<String> unansweredValid() {
    return unansweredValid;
  }

  private int run(int n, boolean admin) throws Exception {
    int sent = 0;
    while (sent < n) {
      int batch = Math.min(PARALLEL, n - sent);
      List<Future<Void>> done = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        done.add(exchange(admin ? adminRequest() : formRequest()));
      }
      Future.join(done).await(ANSWER_MS * 3, TimeUnit.MILLISECONDS);
      sent += batch;
    }
    return sent;
  }

  /** A request: its line, headers (values may be anything) and body. */
  private record Request(String method, String uri, Map<String, String> headers, String body) {
    /** Whether its own mutation broke the HTTP syntax (a control character in a header, an over-long line). */
    boolean wellFormed() {
      if (uri.length() > 4000 || !uri.chars().allMatch(c -> c > 32 && c < 127)) {
        return false;
      }
      return headers.values().stream().allMatch(v -> v.chars().allMatch(c -> c >= 32 && c < 127));
    }

    Buffer bytes() {
      StringBuilder head = new StringBuilder(method).append(' ').append(uri).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
          .append("Connection: close\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      if (body != null) {
        head.append("Content-Length: ").append(b.length).append("\r\n");
      }
      return Buffer.buffer(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8)).appendBytes(b);
    }
  }

  private Request adminRequest() {
    String method = m.pick(List.of("PUT", "PUT", "GET", "DELETE", "POST", "PATCH"));
    String uri = "/api/admin/users/" + enc(m.mutate("admin" + m.nextInt(50) + "@fuzz.test")) + "/peers"
        + ("GET".equals(method) && m.chance(0.8) ? "" : "/" + enc(m.mutate("Dev" + m.nextInt(20))))
        + (m.chance(0.05) ? m.mutate("/x?y=z") : "");
    String body = m.mutate("{\"fingerprint\":\"" + FP + "\",\"kind\":\"server\",\"color\":\"red\",\"n\":1}");
    if (m.chance(0.02)) {
      body = body + " ".repeat(17 * 1024);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", m.chance(0.85) ? "Bearer " + FuzzNode.TOKEN : m.mutate("Bearer " + FuzzNode.TOKEN));
    headers.put("Content-Type", m.chance(0.9) ? "application/json" : m.mutate("text/plain"));
    return new Request(method, uri, headers, "GET".equals(method) || "DELETE".equals(method) ? null : body);
  }

  private Request formRequest() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Cookie", "pb_session=" + (m.chance(0.8) ? session : m.randomString(30)));
    if (m.chance(0.2)) {
      String uri = m.pick(List.of("/approve/" + enc(m.randomString(40)), "/manage?notice=" + enc(m.randomString(50))
          + "&error=" + enc(m.mutate("409")), "/static/" + enc(m.mutate("page.css")), "/readyz", "/manage",
          m.mutate("/static/../../etc/passwd")));
      return new Request("GET", uri, headers, null);
    }
    String action = m.pick(List.of("approve", "reject", "remove", "rename", m.randomString(8)));
    String uri = m.chance(0.9) ? "/manage/" + enc(action) : "/approve/" + enc(m.randomString(43));
    String token = m.chance(0.6) ? csrf : m.randomString(43);
    String form = "csrf=" + enc(token) + "&continue_csrf=" + enc(token) + "&name=" + enc(m.mutate("Dev" + m.nextInt(5)))
        + "&fingerprint=" + enc(m.mutate(FP)) + "&new_name=" + enc(m.mutate("Renamed" + m.nextInt(5)));
    headers.put("Content-Type", m.chance(0.85) ? "application/x-www-form-urlencoded"
        : m.pick(List.of("multipart/form-data; boundary=" + m.randomString(10), "application/json", m.randomString(20))));
    return new Request("POST", uri, headers, m.chance(0.7) ? form : m.mutate(form));
  }

  /** Sends one request on its own connection; completes when the server closed it, or when we gave up waiting. */
  private Future<Void> exchange(Request request) {
    Promise<Void> done = Promise.promise();
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      NetSocket s = ar.result();
      Buffer answer = Buffer.buffer();
      s.handler(answer::appendBuffer);
      s.exceptionHandler(err -> { });
      long timer = vertx.setTimer(ANSWER_MS, t -> {
        unanswered++;
        if (request.wellFormed() && answer.length() == 0) {
          unansweredValid.add(request.method() + " " + request.uri());
        }
        s.close();
      });
      s.closeHandler(v -> {
        vertx.cancelTimer(timer);
        String text = answer.toString(StandardCharsets.ISO_8859_1);
        if (text.startsWith("HTTP/1.1 5") && !text.startsWith("HTTP/1.1 503")) {
          statuses5xx++;
        }
        done.tryComplete();
      });
      s.write(request.bytes());
    });
    return done.future();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }
}
