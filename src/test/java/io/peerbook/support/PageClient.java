package io.peerbook.support;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A person's browser, over plain HTTP: keeps cookies, follows no redirects, reads hidden form fields. */
public final class PageClient {
  private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([a-z_]+)\" value=\"([^\"]*)\">");
  public final String base;
  public final HttpClient http;
  public final CookieManager cookies = new CookieManager();

  public PageClient(int port) {
    this.base = "http://127.0.0.1:" + port;
    this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  public HttpResponse<String> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(absolute(url))).GET().build());
  }

  public HttpResponse<String> post(String url, Map<String, String> form) {
    String body = form.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return send(HttpRequest.newBuilder(URI.create(absolute(url)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Opens the link, presses Continue, follows to the management view; returns its HTML. */
  public String signIn(String link) {
    HttpResponse<String> landing = get(link);
    assertEquals(200, landing.statusCode(), landing.body());
    assertTrue(landing.body().contains(">Continue</button>"));
    HttpResponse<String> spent = post(link, Map.of("continue_csrf", hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode(), spent.body());
    HttpResponse<String> manage = get(spent.headers().firstValue("Location").orElseThrow());
    assertEquals(200, manage.statusCode(), manage.body());
    return manage.body();
  }

  /** Posts one of the management forms with the page's CSRF token. */
  public HttpResponse<String> act(String page, String action, Map<String, String> fields) {
    Map<String, String> form = new LinkedHashMap<>(fields);
    form.put("csrf", hidden(page, "csrf"));
    return post("/manage/" + action, form);
  }

  public static String hidden(String html, String name) {
    Matcher m = HIDDEN.matcher(html);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return m.group(2);
      }
    }
    throw new AssertionError("no hidden field " + name + " in the page");
  }

  private String absolute(String url) {
    return url.startsWith("http") ? url : base + url;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
