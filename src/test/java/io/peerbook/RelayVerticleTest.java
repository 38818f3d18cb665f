package io.peerbook;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * {@link RelayTest}'s cases on two gateway instances that cache no routes ({@code route_cache} 0): every message
 * goes through the relay verticle, which asks the directory for the route, checks the fingerprint and delivers to the
 * other gateway instance: the way a message goes when its sender's gateway does not know the target's route.
 */
class RelayVerticleTest extends RelayAcrossGatewaysTest {

  @Override
  Map<String, Object> nodeSettings() {
    return Map.of("instances", new JsonObject().put("gateway", 2).put("relay", 2), "route_cache", 0);
  }
}
