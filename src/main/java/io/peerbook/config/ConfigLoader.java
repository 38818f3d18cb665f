package io.peerbook.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Finds the JSON file ({@code PEERBOOK_CONFIG}, default {@code conf/config.json}) and merges the environment over it. */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /** The merged settings as JSON; a missing default file means built-in defaults, a missing named file is an error. */
  public static JsonObject load(Map<String, String> env) {
    String named = env.get("PEERBOOK_CONFIG");
    Path file = Path.of(named != null && !named.isBlank() ? named : DEFAULT_FILE);
    JsonObject json = new JsonObject();
    if (Files.exists(file)) {
      try {
        json = new JsonObject(Files.readString(file));
      } catch (IOException | DecodeException e) {
        throw new ConfigException("cannot read " + file + ": " + e.getMessage());
      }
    } else if (named != null && !named.isBlank()) {
      throw new ConfigException("PEERBOOK_CONFIG names " + file + ", which does not exist");
    }
    return PeerbookConfig.merge(json, env);
  }
}
