package io.peerbook;

import io.peerbook.config.ConfigException;
import io.peerbook.config.ConfigLoader;
import io.peerbook.config.PeerbookConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration: built-in defaults, then the JSON file, then PEERBOOK_* variables; bad values name their key. */
class ConfigTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("with no file and no variables the built-in defaults apply")
  void defaults() {
    PeerbookConfig c = PeerbookConfig.from(PeerbookConfig.merge(new JsonObject(), Map.of()));
    assertEquals("0.0.0.0", c.httpHost());
    assertEquals(8080, c.httpPort());
    assertEquals("http://localhost:8080", c.publicUrl());
    assertNull(c.redisUrl(), "no Redis URL: the embedded Redis");
    assertEquals("data", c.dataDir());
    assertNull(c.smtpHost(), "no SMTP host: links go to the log");
    assertFalse(c.smtpEnabled());
    assertEquals("OPTIONAL", c.smtpStarttls());
    assertEquals(900, c.linkTtl());
    assertEquals(300, c.mailInterval());
    assertEquals(1800, c.sessionTtl());
    assertEquals(50, c.msgRate());
    assertEquals(200, c.msgBurst());
    assertNull(c.adminToken());
    assertFalse(c.adminEnabled(), "the admin API is off without a token");
    assertEquals(List.of(), c.allowedOrigins(), "empty allow-list: any origin");
    assertFalse(c.clustered());
    assertEquals("peerbook", c.clusterName());
    assertEquals(5701, c.clusterPort());
    assertEquals(List.of(), c.clusterMembers());
    assertEquals(List.of(), c.turnUrls());
    assertEquals(List.of(), c.stunUrls());
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(Map.of("gateway", Math.min(64, cores), "directory", 1, "mailer", 1, "relay", 1), c.instances());
  }

  @Test
  @DisplayName("values in the file named by PEERBOOK_CONFIG replace the defaults; settings it leaves out keep theirs")
  void fileValues() throws IOException {
    Path file = write("peerbook.json", new JsonObject()
        .put("http_port", 9090).put("public_url", "https://book.example/").put("link_ttl", 60)
        .put("smtp_host", "mail.example").put("smtp_starttls", "required").put("admin_token", "from-file")
        .put("allowed_origins", "https://a.example,https://b.example")
        .put("stun_urls", new io.vertx.core.json.JsonArray().add("stun:stun.example:3478"))
        .put("instances", new JsonObject().put("gateway", 4)).encode());
    PeerbookConfig c = load(Map.of("PEERBOOK_CONFIG", file.toString()));
    assertEquals(9090, c.httpPort());
    assertEquals("https://book.example", c.publicUrl(), "a trailing slash is dropped");
    assertTrue(c.https());
    assertEquals(60, c.linkTtl());
    assertEquals("mail.example", c.smtpHost());
    assertEquals("REQUIRED", c.smtpStarttls());
    assertEquals("from-file", c.adminToken());
    assertEquals(List.of("https://a.example", "https://b.example"), c.allowedOrigins());
    assertEquals(List.of("stun:stun.example:3478"), c.stunUrls());
    assertEquals(Map.of("gateway", 4, "directory", 1, "mailer", 1, "relay", 1), c.instances());
    // left out of the file: defaults
    assertEquals(300, c.mailInterval());
    assertEquals("0.0.0.0", c.httpHost());
  }

  @Test
  @DisplayName("PEERBOOK_* variables override the file: port, instance counts, comma-separated lists, token, flags")
  void environmentOverridesFile() throws IOException {
    Path file = write("peerbook.json", new JsonObject().put("http_port", 9090).put("link_ttl", 60)
        .put("allowed_origins", "https://file.example").put("instances", new JsonObject().put("gateway", 4)
            .put("relay", 2)).encode());
    Map<String, String> env = new HashMap<>();
    env.put("PEERBOOK_CONFIG", file.toString());
    env.put("PEERBOOK_HTTP_PORT", "7070");
    env.put("PEERBOOK_INSTANCES_GATEWAY", "3");
    env.put("PEERBOOK_ALLOWED_ORIGINS", "https://a.example, https://b.example ,https://c.example:8443");
    env.put("PEERBOOK_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2");
    env.put("PEERBOOK_ADMIN_TOKEN", "from-env");
    env.put("PEERBOOK_CLUSTERED", "true");
    env.put("PEERBOOK_MSG_RATE", "0");
    env.put("PEERBOOK_REDIS_URL", "redis://10.0.0.9:6379/2");
    env.put("UNRELATED_VARIABLE", "ignored");
    PeerbookConfig c = load(env);
    assertEquals(7070, c.httpPort());
    assertEquals(60, c.linkTtl(), "not overridden: the file's value");
    assertEquals(Map.of("gateway", 3, "directory", 1, "mailer", 1, "relay", 2), c.instances());
    assertEquals(List.of("https://a.example", "https://b.example", "https://c.example:8443"), c.allowedOrigins());
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2"), c.clusterMembers());
    assertEquals("from-env", c.adminToken());
    assertTrue(c.adminEnabled());
    assertTrue(c.clustered());
    assertEquals(0, c.msgRate(), "0 turns the rate limit off and is allowed");
    assertEquals("redis://10.0.0.9:6379/2", c.redisUrl());
  }

  @Test
  @DisplayName("an empty PEERBOOK_ALLOWED_ORIGINS means no allow-list, even when the file has one")
  void emptyAllowListFromEnvironment() throws IOException {
    Path file = write("peerbook.json", new JsonObject().put("allowed_origins", "https://file.example").encode());
    PeerbookConfig c = load(Map.of("PEERBOOK_CONFIG", file.toString(), "PEERBOOK_ALLOWED_ORIGINS", ""));
    assertEquals(List.of(), c.allowedOrigins());
  }

  @Test
  @DisplayName("an unknown key in the file is an error that names the key")
  void unknownKeyInFile() throws IOException {
    Path file = write("peerbook.json", new JsonObject().put("http_port", 9090).put("htpp_host", "::").encode());
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("PEERBOOK_CONFIG", file.toString())));
    assertTrue(e.getMessage().contains("htpp_host"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      "http_port|'\"eighty\"'",
      "http_port|70000",
      "link_ttl|'\"soon\"'",
      "link_ttl|0",
      "session_ttl|-5",
      "msg_rate|-1",
      "mail_interval|'\"5m\"'",
      "smtp_starttls|'\"MAYBE\"'",
      "public_url|'\"book.example\"'",
      "clustered|'\"yes\"'"})
  @DisplayName("a bad value in the file is an error that names its key")
  void badValueInFile(String key, String jsonValue) throws IOException {
    Path file = write("peerbook.json", "{\"" + key + "\": " + jsonValue + "}");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("PEERBOOK_CONFIG", file.toString())));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "PEERBOOK_HTTP_PORT, 80a",
      "PEERBOOK_LINK_TTL, 15m",
      "PEERBOOK_MSG_BURST, lots",
      "PEERBOOK_TURN_TTL, 1.5",
      "PEERBOOK_INSTANCES_GATEWAY, two",
      "PEERBOOK_INSTANCES_RELAY, 0"})
  @DisplayName("a bad number in a variable is an error that names the setting")
  void badNumberInEnvironment(String variable, String value) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> load(Map.of("PEERBOOK_CONFIG", missingFree(), variable, value)));
    String setting = variable.substring("PEERBOOK_".length()).toLowerCase(Locale.ROOT);
    String message = e.getMessage().toLowerCase(Locale.ROOT);
    assertTrue(message.contains(setting) || message.contains(setting.replace("instances_", "instances.")),
        e.getMessage());
  }

  @Test
  @DisplayName("PEERBOOK_CONFIG naming a file that does not exist is an error that names the file")
  void namedFileMissing() {
    Path missing = dir.resolve("nowhere/peerbook.json");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("PEERBOOK_CONFIG", missing.toString())));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  @DisplayName("a file that is not JSON is an error that names the file")
  void fileNotJson() throws IOException {
    Path file = write("broken.json", "{ \"http_port\": 8080,");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("PEERBOOK_CONFIG", file.toString())));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  @DisplayName("run from a folder without conf/config.json and without PEERBOOK_CONFIG: the built-in defaults")
  void missingDefaultFileMeansDefaults() throws Exception {
    JsonObject loaded = probe(dir, Map.of());
    assertEquals(PeerbookConfig.merge(new JsonObject(), Map.of()), loaded);
    assertEquals(8080, loaded.getInteger("http_port"));
  }

  @Test
  @DisplayName("run from a folder with conf/config.json and without PEERBOOK_CONFIG: that file is read")
  void defaultFileIsRead() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/config.json"), new JsonObject().put("http_port", 9191).encode());
    JsonObject loaded = probe(dir, Map.of("PEERBOOK_LINK_TTL", "42"));
    assertEquals(9191, loaded.getInteger("http_port"));
    assertEquals("42", String.valueOf(loaded.getValue("link_ttl")), "the environment still overrides");
  }

  // --- helpers ---

  private static PeerbookConfig load(Map<String, String> env) {
    return PeerbookConfig.from(ConfigLoader.load(env));
  }

  /** An empty JSON file, so that only the variables under test differ from the defaults. */
  private String missingFree() {
    try {
      return write("empty.json", "{}").toString();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * Loads the configuration in another JVM whose working folder is {@code cwd} (the default file is found relative
   * to the working folder, which a running JVM cannot change), with no PEERBOOK_* variables but {@code env}.
   */
  private static JsonObject probe(Path cwd, Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName())
        .directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PEERBOOK_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the probe did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.exitValue(), out);
    String last = out.lines().reduce((x, y) -> y).orElse("");
    return new JsonObject(last);
  }

  /** Prints what {@link ConfigLoader#load} gives in this process's folder and environment. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println(ConfigLoader.load(System.getenv()).encode());
    }
  }
}
