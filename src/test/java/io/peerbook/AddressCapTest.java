package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RawHandshake;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mail abuse: anyone can claim any email, and each new request may make peerbook mail its user. One client address
 * may cause at most max_requests_per_address new requests an hour; X-Forwarded-For is believed only from the
 * trusted proxies, and then only its right-most hop that is not one of them.
 */
class AddressCapTest {
  private static final String LIMITED = "too many new requests from your address";
  private TestNode node;

  private void start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    node = TestNode.start(all);
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** The first status a device gets, connecting through the test's "proxy" with this X-Forwarded-For. */
  private JsonObject connect(String email, String name, String fingerprint, String forwardedFor) {
    Map<String, String> headers = forwardedFor == null ? Map.of() : Map.of("X-Forwarded-For", forwardedFor);
    RawHandshake.Answer a = RawHandshake.open(node.port, PeerClient.query(email, name, fingerprint, null), headers);
    assertEquals(101, a.status(), a.body());
    return new JsonObject(a.body());
  }

  private List<JsonObject> pending(String email) {
    return SocketKit.book(node, email).getJsonArray("pending").stream().map(JsonObject.class::cast).toList();
  }

  @Test
  @DisplayName("past max_requests_per_address new requests from one client address, a connect still gets 401 saying no request was recorded and no mail sent; a known request and other addresses are not held back")
  void newRequestsPerAddressAreCapped() throws Exception {
    start(Map.of("max_requests_per_address", 3, "trusted_proxies", "127.0.0.1"));
    String seen = "203.0.113.7";
    String u1Fp = Fingerprints.random();
    for (String user : List.of("u1", "u2", "u3")) {
      JsonObject status = connect(user + "@example.com", "Laptop", user.equals("u1") ? u1Fp : Fingerprints.random(), seen);
      assertEquals(401, status.getInteger("code"));
      assertFalse(status.getString("text").contains(LIMITED), status.encode());
    }
    assertEquals(seen, pending("u1@example.com").get(0).getString("address"), "the request records the client, not the proxy");

    JsonObject limited = connect("u4@example.com", "Limited", Fingerprints.random(), seen);
    assertEquals(401, limited.getInteger("code"), limited.encode());
    assertTrue(limited.getString("text").contains(LIMITED + ", so nothing was recorded or mailed; try again after"),
        limited.encode());
    assertTrue(pending("u4@example.com").isEmpty(), "a request was recorded past the cap");

    // Hops left of the right-most untrusted one were written by the client: they change nothing.
    JsonObject spoofed = connect("u5@example.com", "Laptop", Fingerprints.random(), "198.51.100.77, " + seen);
    assertTrue(spoofed.getString("text").contains(LIMITED), spoofed.encode());

    // A request already recorded costs its address nothing when the device connects again.
    JsonObject known = connect("u1@example.com", "Laptop", u1Fp, seen);
    assertFalse(known.getString("text").contains(LIMITED), known.encode());

    // Another address is counted apart: u4's mail lists only the request made from there.
    JsonObject counted = connect("u4@example.com", "Counted", Fingerprints.random(), "198.51.100.9");
    assertFalse(counted.getString("text").contains(LIMITED), counted.encode());
    MimeMessage toU4 = mailTo("u4@example.com", 4);
    String text = TestNode.text(toU4);
    assertTrue(text.contains("Counted"), text);
    assertFalse(text.contains("Limited"), "the limited device was mailed: " + text);
    assertEquals(List.of("Counted"), pending("u4@example.com").stream().map(p -> p.getString("name")).toList());
  }

  @Test
  @DisplayName("X-Forwarded-For from a peer that is not a trusted proxy is ignored: the cap counts, and the request records, the connection's own address")
  void forwardedForFromUntrustedPeersIsIgnored() {
    start(Map.of("max_requests_per_address", 2));
    connect("v1@example.com", "Laptop", Fingerprints.random(), "10.0.0.1");
    connect("v2@example.com", "Laptop", Fingerprints.random(), "10.0.0.2");
    JsonObject third = connect("v3@example.com", "Laptop", Fingerprints.random(), "10.0.0.3");
    assertTrue(third.getString("text").contains(LIMITED), third.encode());
    assertEquals("127.0.0.1", pending("v1@example.com").get(0).getString("address"));
  }

  /** Waits for n mails in all and returns the one to this address. */
  private MimeMessage mailTo(String email, int n) throws Exception {
    node.awaitMail(n);
    for (MimeMessage m : node.mail.getReceivedMessages()) {
      if (Arrays.stream(m.getAllRecipients()).anyMatch(a -> email.equals(((InternetAddress) a).getAddress()))) {
        return m;
      }
    }
    throw new AssertionError("no mail to " + email);
  }
}
