package io.peerbook.gateway;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class SignalScanTest {
  private static final Stamps STAMPS = new Stamps("Al\"pha é", "AB:CD");

  @Test
  @DisplayName("the stamped message spliced from the payload's text equals encoding the parsed message, for every kind of JSON value")
  void splicedEqualsEncoded() {
    String[] payloads = {"{\"sdp\":\"v=0\\r\\na=fingerprint:sha-256 AB\",\"type\":\"offer\",\"n\":[1,2.5e3,{\"x\":null}]}",
        "\"a string with \\\"quotes\\\", \\u00e9 and \\\\\"", "12.5e3", "-7", "true", "false", "null", "[]", "{}",
        "[\"a\",[\"b\",{\"c\":[]}]]"};
    for (String payload : payloads) {
      for (String type : new String[] {"offer", "answer", "candidate"}) {
        String text = "{ \"id\" : 7, \"target\":\"Beta\",\"fingerprint\":\"CD:EF\", \"" + type + "\" : " + payload + " }";
        SignalScan scan = SignalScan.of(text);
        assertNotNull(scan, text);
        assertEquals(payload, scan.payload(), text);
        JsonObject parsed = new JsonObject(text);
        JsonObject expected = new JsonObject().put("source", "Al\"pha é").put("fingerprint", "AB:CD")
            .put(type, parsed.getValue(type));
        assertEquals(expected, new JsonObject(STAMPS.of(type) + scan.payload() + "}"), text);
        assertEquals(7, scan.id());
        assertEquals("Beta", scan.target());
        assertEquals("CD:EF", scan.fingerprint());
      }
    }
  }

  @Test
  @DisplayName("anything but the plain shape is left to the full parse: commands, two kinds, odd ids or targets, broken or trailing JSON")
  void unusualShapesAreLeftAlone() {
    String[] others = {"{\"command\":\"ping\"}", "{\"target\":\"B\",\"offer\":1,\"answer\":2}", "{\"target\":\"B\",\"id\":{},\"offer\":1}",
        "{\"target\":7,\"offer\":1}", "{\"target\":\"\",\"offer\":1}", "{\"offer\":1}", "{\"target\":\"B\"}",
        "{\"target\":\"B\",\"fingerprint\":5,\"answer\":1}", "{\"target\":\"B\",\"offer\":{\"a\":}", "{\"target\":\"B\",\"offer\":1} x",
        "[1]", "not json", "{\"target\":\"B\",\"offer\":1,\"command\":\"ping\"}", ""};
    for (String text : others) {
      assertNull(SignalScan.of(text), text);
    }
  }

  @Test
  @DisplayName("a repeated key counts once, the last one as JSON objects have it; an absent or null fingerprint is none")
  void repeatsAndNulls() {
    SignalScan scan = SignalScan.of("{\"target\":\"A\",\"target\":\"B\",\"offer\":1,\"offer\":{\"x\":2},\"fingerprint\":null}");
    assertNotNull(scan);
    assertEquals("B", scan.target());
    assertEquals("{\"x\":2}", scan.payload());
    assertNull(scan.fingerprint());
  }
}
