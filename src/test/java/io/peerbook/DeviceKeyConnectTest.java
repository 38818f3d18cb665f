package io.peerbook;

import io.peerbook.protocol.Address;
import io.peerbook.support.Admin;
import io.peerbook.support.DeviceKeys;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.peerbook.SocketKit.book;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's side of device keys (contract: "Device keys: proof of possession"): the key parameter, the challenge,
 * the proof in both signature forms, what a missing or wrong proof gets, required mode, and what a connection that is
 * not the device (no key, another key) can and cannot do to the device that is.
 */
class DeviceKeyConnectTest {
  private static final String EMAIL = "kay@example.com";
  private TestNode node;
  private final String fp = Fingerprints.random();
  private final DeviceKeys key = DeviceKeys.generate();

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private void start(Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    node = TestNode.start(all);
  }

  /** Provisions Phone with the test's fingerprint and key, and Laptop (keyless) to watch. */
  private PeerClient provisionWithWatcher() {
    start(Map.of());
    assertEquals(201, Admin.put(node.port, SocketKit.ADMIN_TOKEN, EMAIL, "Phone",
        new JsonObject().put("fingerprint", fp).put("key", key.spki())));
    String laptopFp = Fingerprints.random();
    SocketKit.provision(node, EMAIL, "Laptop", laptopFp);
    PeerClient laptop = node.connect(EMAIL, "Laptop", laptopFp);
    laptop.expectCode(200);
    return laptop;
  }

  @Test
  @DisplayName("a key that is not an ECDSA P-256 public key gets HTTP 400 before the upgrade")
  void badKeyIs400() {
    start(Map.of());
    for (String bad : new String[] {"", "not-base64!", "AAAA", DeviceKeys.generate().spki() + "AA"}) {
      SocketKit.Handshake h = SocketKit.handshake(node.port, PeerClient.query(EMAIL, "Phone", fp, null) + "&key=" + bad, null);
      assertEquals(400, h.status(), bad + ": " + h.body());
      assertTrue(h.body().contains("P-256"), h.body());
    }
  }

  @Test
  @DisplayName("with a key the first message is a challenge; a proof in P1363 form and one in DER form each get 200, and the list shows the key and its id")
  void bothSignatureFormsProve() {
    PeerClient laptop = provisionWithWatcher();
    for (boolean der : new boolean[] {false, true}) {
      PeerClient phone = node.connectWithKey(EMAIL, "Phone", fp, key.spki());
      key.prove(phone, EMAIL, "Phone", fp, der);
      phone.expectCode(200);
      JsonObject entry = phone.request(new JsonObject().put("command", "get_list")
          .put("filter", new JsonObject().put("name", "Phone"))).getJsonArray("list").getJsonObject(0);
      assertEquals(key.spki(), entry.getString("key"));
      assertEquals(key.keyId(), entry.getString("key_id"));
      phone.close();
      laptop.next(m -> m.containsKey("peer_update") && "offline".equals(m.getJsonObject("peer_update").getString("event")));
    }
  }

  @Test
  @DisplayName("a wrong signature (made with another key) gets 401 and close 4401, and nothing is recorded")
  void wrongSignatureIsRefused() {
    provisionWithWatcher();
    PeerClient phone = node.connectWithKey(EMAIL, "Phone", fp, key.spki());
    DeviceKeys.generate().prove(phone, EMAIL, "Phone", fp, false);
    assertEquals(401, phone.next().getInteger("code"));
    assertEquals(4401, phone.awaitClose());
    assertEquals(0, book(node, EMAIL).getJsonArray("pending").size(), "nothing is recorded");
  }

  @Test
  @DisplayName("a proof of another identity (the name in another case than sent) is wrong too: 401 and 4401")
  void proofSignsTheNameAsSent() {
    provisionWithWatcher();
    PeerClient phone = node.connectWithKey(EMAIL, "Phone", fp, key.spki());
    key.prove(phone, EMAIL, "phone", fp, false);
    assertEquals(401, phone.next().getInteger("code"));
    assertEquals(4401, phone.awaitClose());
  }

  @Test
  @DisplayName("no proof within 10 s gets 401 and close 4401, and nothing is recorded")
  void noProofTimesOut() {
    provisionWithWatcher();
    PeerClient phone = node.connectWithKey(EMAIL, "Phone", fp, DeviceKeys.generate().spki());
    assertTrue(phone.next().containsKey("challenge"));
    JsonObject refused = phone.next(m -> m.containsKey("code"), 15);
    assertEquals(401, refused.getInteger("code"), refused.encode());
    assertEquals(4401, phone.awaitClose());
    assertEquals(0, book(node, EMAIL).getJsonArray("pending").size(), "nothing is recorded");
  }

  @Test
  @DisplayName("before the proof any other message gets 401, a ping too; the proof then still works")
  void othersBeforeTheProofAre401() {
    provisionWithWatcher();
    PeerClient phone = node.connectWithKey(EMAIL, "Phone", fp, key.spki());
    String challenge = phone.next().getString("challenge");
    phone.send(new JsonObject().put("command", "ping").put("id", 1));
    JsonObject early = phone.next();
    assertEquals(401, early.getInteger("code"), early.encode());
    assertEquals(1, early.getInteger("id"));
    phone.send(new JsonObject().put("target", "Laptop").put("offer", "x").put("id", 2));
    assertEquals(401, phone.next().getInteger("code"));
    phone.send(new JsonObject().put("command", "prove").put("signature", key.sign(challenge, EMAIL, "Phone", fp, true)));
    phone.expectCode(200);
  }

  @Test
  @DisplayName("a connection with the device's name and fingerprint but no key is not the device: 401 and a 'key' request; the device stays connected, not replaced, not told, and online")
  void fingerprintAloneIsNotTheDevice() {
    PeerClient laptop = provisionWithWatcher();
    PeerClient phone = node.connectProven(EMAIL, "Phone", fp, key);
    phone.expectCode(200);
    assertEquals("online", laptop.nextUpdate().getString("event"));

    PeerClient impostor = node.connect(EMAIL, "Phone", fp);
    impostor.expectCode(401);
    JsonArray pending = book(node, EMAIL).getJsonArray("pending");
    assertEquals(1, pending.size(), pending.encode());
    assertEquals("key", pending.getJsonObject(0).getString("change"));
    assertNull(pending.getJsonObject(0).getString("key_id"));
    assertEquals(key.keyId(), pending.getJsonObject(0).getString("replaces_key_id"));

    phone.expectNothingBeforePong();
    laptop.expectNothingBeforePong();
    laptop.send(new JsonObject().put("target", "Phone").put("offer", "for the real device"));
    assertEquals("for the real device", phone.next().getString("offer"));
    impostor.expectNothingBeforePong();
  }

  @Test
  @DisplayName("another key, correctly proven, is not the device either: 401 and a request; the device is untouched")
  void anotherProvenKeyIsNotTheDevice() {
    PeerClient laptop = provisionWithWatcher();
    PeerClient phone = node.connectProven(EMAIL, "Phone", fp, key);
    phone.expectCode(200);
    laptop.nextUpdate();

    DeviceKeys other = DeviceKeys.generate();
    PeerClient impostor = node.connectProven(EMAIL, "Phone", fp, other);
    impostor.expectCode(401);
    JsonObject request = book(node, EMAIL).getJsonArray("pending").getJsonObject(0);
    assertEquals("key", request.getString("change"));
    assertEquals(other.keyId(), request.getString("key_id"));
    phone.expectNothingBeforePong();
    laptop.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a proven connection replaces a proven connection of the same device (4409)")
  void provenReplacesProven() {
    provisionWithWatcher();
    PeerClient first = node.connectProven(EMAIL, "Phone", fp, key);
    first.expectCode(200);
    PeerClient second = node.connectProven(EMAIL, "Phone", fp, key);
    second.expectCode(200);
    assertEquals(4409, first.awaitClose());
    second.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a device of the seed's protocol (no key, approved without one) still gets 200 and no challenge")
  void keylessDeviceStillConnects() {
    start(Map.of());
    SocketKit.provision(node, EMAIL, "Phone", fp);
    PeerClient phone = node.connect(EMAIL, "Phone", fp);
    JsonObject first = phone.next();
    assertEquals(200, first.getInteger("code"), first.encode());
  }

  @Test
  @DisplayName("required mode: a connection without a key gets 401 saying a key is required and close 4401, nothing recorded; a proven one connects")
  void requiredMode() {
    start(Map.of("device_keys", "required"));
    PeerClient keyless = node.connect(EMAIL, "Phone", fp);
    JsonObject refused = keyless.next();
    assertEquals(401, refused.getInteger("code"), refused.encode());
    assertTrue(refused.getString("text").contains("device key is required"), refused.encode());
    assertEquals(4401, keyless.awaitClose());
    assertEquals(0, book(node, EMAIL).getJsonArray("pending").size(), "nothing is recorded");

    PeerClient keyed = node.connectProven(EMAIL, "Phone", fp, key);
    keyed.expectCode(401);
    assertEquals(1, book(node, EMAIL).getJsonArray("pending").size());
  }

  @Test
  @DisplayName("a keyless device adds a key: its keyed connection waits as 'adds_key' while the keyless one stays online; approving binds the key, the keyed socket gets 200 and the keyless one 401 and 4401")
  void keylessDeviceAddsAKey() {
    start(Map.of());
    SocketKit.provision(node, EMAIL, "Phone", fp);
    PeerClient keyless = node.connect(EMAIL, "Phone", fp);
    keyless.expectCode(200);
    PeerClient keyed = node.connectProven(EMAIL, "Phone", fp, key);
    keyed.expectCode(401);
    JsonObject request = book(node, EMAIL).getJsonArray("pending").getJsonObject(0);
    assertEquals("adds_key", request.getString("change"));
    assertEquals(key.keyId(), request.getString("key_id"));
    keyless.expectNothingBeforePong();

    PeerClient.await(node.vertx.eventBus().request(Address.DIRECTORY_APPROVE.address(), new JsonObject()
        .put("email", EMAIL).put("name", "Phone").put("fingerprint", fp).put("key_id", key.keyId())));
    keyed.expectCode(200);
    assertEquals(401, keyless.next(m -> m.containsKey("code")).getInteger("code"));
    assertEquals(4401, keyless.awaitClose());
    JsonObject approved = book(node, EMAIL).getJsonArray("approved").getJsonObject(0);
    assertEquals(key.spki(), approved.getString("key"));
    assertEquals(key.keyId(), approved.getString("key_id"));

    // From now on a keyless connection is not the device.
    PeerClient again = node.connect(EMAIL, "Phone", fp);
    again.expectCode(401);
    keyed.expectNothingBeforePong();
  }

  @Test
  @DisplayName("the admin API binds a key with PUT and shows key and key_id; a key that is not P-256 is 400")
  void adminApiWithKey() {
    start(Map.of());
    assertEquals(201, Admin.put(node.port, SocketKit.ADMIN_TOKEN, EMAIL, "Phone",
        new JsonObject().put("fingerprint", fp).put("key", key.spki())));
    JsonObject entry = book(node, EMAIL).getJsonArray("approved").getJsonObject(0);
    assertEquals(key.spki(), entry.getString("key"));
    assertEquals(key.keyId(), entry.getString("key_id"));
    assertEquals(400, Admin.putResponse(node.port, SocketKit.ADMIN_TOKEN, EMAIL, "Tablet",
        new JsonObject().put("fingerprint", Fingerprints.random()).put("key", "AAAA")).statusCode());
  }
}
