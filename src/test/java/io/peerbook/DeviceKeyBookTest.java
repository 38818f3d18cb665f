package io.peerbook;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.support.DirectoryBus;
import io.peerbook.support.DirectoryBus.Socket;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The directory's side of device keys (contract: "Device keys: proof of possession"): which connect is the approved
 * device, which becomes a request of what kind, what approving binds and whom it revokes, and the admin PUT with a
 * key. Connects come over the event bus as the gateway sends them, the key already proven.
 */
class DeviceKeyBookTest {
  private static final String EMAIL = "keys@example.com";
  private TestNode node;
  private DirectoryBus dir;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", "t"));
    dir = new DirectoryBus(node, EMAIL);
  }

  @AfterEach
  void stop() {
    dir.close();
    node.close();
  }

  private void put(String name, String fingerprint, JsonObject extra) {
    dir.request(Address.DIRECTORY_PUT_PEER, extra.copy().put("name", name).put("fingerprint", fingerprint)
        .put("properties", new JsonObject()));
  }

  @Test
  @DisplayName("a device approved without a key: keyless connects get 200 as before; one with a key waits as 'adds_key' while the keyless one keeps connecting")
  void keylessDeviceAddsAKey() {
    String fp = Fingerprints.random();
    put("Phone", fp, new JsonObject());
    Socket keyless = dir.connect("Phone", fp, null);
    dir.assertCode(200, keyless);
    assertNull(keyless.reply().getJsonObject("peer").getValue("key"));

    String key = DirectoryBus.newKey();
    String keyId = DeviceKey.parse(key).keyId();
    Socket keyed = dir.connect("Phone", fp, key);
    dir.assertCode(401, keyed);
    assertTrue(keyed.reply().getBoolean("pending"));
    JsonObject request = dir.pending("Phone", fp, keyId);
    assertNotNull(request, dir.book().encodePrettily());
    assertEquals("adds_key", request.getString("change"));
    assertEquals(key, request.getString("key"));
    assertNull(request.getValue("replaces"));
    assertNull(request.getValue("replaces_key_id"));
    assertTrue(dir.entry("Phone").getBoolean("online"), "the keyless device stays online");
    dir.assertCode(200, dir.connect("Phone", fp, null));
  }

  @Test
  @DisplayName("approving 'adds_key' binds the key, turns the keyed socket 200 and revokes the keyless identity; then only the key connects")
  void approvingAddsKeyBindsIt() {
    String fp = Fingerprints.random();
    put("Phone", fp, new JsonObject());
    dir.assertCode(200, dir.connect("Phone", fp, null));
    String key = DirectoryBus.newKey();
    String keyId = DeviceKey.parse(key).keyId();
    Socket keyed = dir.connect("Phone", fp, key);
    dir.assertCode(401, keyed);
    dir.clearEvents();

    dir.request(Address.DIRECTORY_APPROVE, new JsonObject().put("name", "Phone").put("fingerprint", fp)
        .put("key_id", keyId));
    JsonObject approved = dir.event("approved");
    assertEquals(keyed.conn(), approved.getString("conn"));
    assertEquals(fp, approved.getString("revoked_fingerprint"));
    assertTrue(approved.containsKey("revoked_key") && approved.getValue("revoked_key") == null,
        "the keyless sockets are revoked: " + approved.encode());
    assertEquals(key, approved.getJsonObject("peer").getString("key"));
    assertEquals(keyId, approved.getJsonObject("peer").getString("key_id"));

    JsonObject entry = dir.entry("Phone");
    assertEquals(key, entry.getString("key"));
    assertEquals(keyId, entry.getString("key_id"));
    assertEquals(200, dir.connect("Phone", fp, key).code());
    Socket keylessAgain = dir.connect("Phone", fp, null);
    dir.assertCode(401, keylessAgain);
    JsonObject differs = dir.pending("Phone", fp, null);
    assertEquals("key", differs.getString("change"));
    assertEquals(keyId, differs.getString("replaces_key_id"));
    assertNull(differs.getValue("key"));
  }

  @Test
  @DisplayName("a device approved with a key: its key gets 200; no key or another key waits as 'key' and leaves the connected device alone")
  void keyDiffers() {
    String fp = Fingerprints.random();
    String key = DirectoryBus.newKey();
    put("Phone", fp, new JsonObject().put("key", key));
    Socket real = dir.connect("Phone", fp, key);
    dir.assertCode(200, real);
    dir.clearEvents();

    String other = DirectoryBus.newKey();
    String otherId = DeviceKey.parse(other).keyId();
    Socket intruder = dir.connect("Phone", fp, other);
    dir.assertCode(401, intruder);
    JsonObject request = dir.pending("Phone", fp, otherId);
    assertEquals("key", request.getString("change"));
    assertEquals(other, request.getString("key"));
    assertEquals(DeviceKey.parse(key).keyId(), request.getString("replaces_key_id"));
    dir.assertCode(401, dir.connect("Phone", fp, null));
    assertEquals("key", dir.pending("Phone", fp, null).getString("change"));

    // A second try of the same request replaces the first waiting socket: only sockets with that key are meant.
    dir.assertCode(401, dir.connect("Phone", fp, other));
    JsonObject replaced = dir.event("replaced");
    assertEquals(other, replaced.getString("key"));
    JsonObject route = dir.request(Address.DIRECTORY_ROUTE, new JsonObject().put("target", "Phone"));
    assertEquals(real.conn(), route.getString("conn"), "the connected device is still the online one");
  }

  @Test
  @DisplayName("a keyless and a keyed request of the same name and fingerprint are two requests, approved and rejected by key_id")
  void twoRequests() {
    String fp = Fingerprints.random();
    String key = DirectoryBus.newKey();
    String keyId = DeviceKey.parse(key).keyId();
    Socket keyless = dir.connect("Tablet", fp, null);
    Socket keyed = dir.connect("Tablet", fp, key);
    dir.assertCode(401, keyless);
    dir.assertCode(401, keyed);
    assertEquals(2, dir.book().getJsonArray("pending").size());
    assertEquals("new", dir.pending("Tablet", fp, keyId).getString("change"));
    assertEquals("new", dir.pending("Tablet", fp, null).getString("change"));

    dir.clearEvents();
    dir.request(Address.DIRECTORY_REJECT, new JsonObject().put("name", "Tablet").put("fingerprint", fp));
    JsonObject rejected = dir.event("rejected");
    assertTrue(rejected.containsKey("key") && rejected.getValue("key") == null, rejected.encode());
    assertNull(dir.pending("Tablet", fp, null));
    assertNotNull(dir.pending("Tablet", fp, keyId), "the keyed request stays");

    dir.request(Address.DIRECTORY_APPROVE, new JsonObject().put("name", "Tablet").put("fingerprint", fp)
        .put("key_id", keyId.toLowerCase()));
    assertEquals(keyed.conn(), dir.event("approved").getString("conn"));
    assertEquals(key, dir.entry("Tablet").getString("key"));
    assertEquals(400, dir.code(Address.DIRECTORY_APPROVE, new JsonObject().put("name", "Tablet")
        .put("fingerprint", fp).put("key_id", "not a key id")));
  }

  @Test
  @DisplayName("approving a 'key' request binds the new key and revokes the sockets of the old one")
  void approvingANewKeyRevokesTheOld() {
    String fp = Fingerprints.random();
    String oldKey = DirectoryBus.newKey();
    put("Phone", fp, new JsonObject().put("key", oldKey));
    dir.assertCode(200, dir.connect("Phone", fp, oldKey));
    String newKey = DirectoryBus.newKey();
    Socket next = dir.connect("Phone", fp, newKey);
    dir.clearEvents();
    dir.request(Address.DIRECTORY_APPROVE, new JsonObject().put("name", "Phone").put("fingerprint", fp)
        .put("key_id", DeviceKey.parse(newKey).keyId()));
    JsonObject approved = dir.event("approved");
    assertEquals(next.conn(), approved.getString("conn"));
    assertEquals(fp, approved.getString("revoked_fingerprint"));
    assertEquals(oldKey, approved.getString("revoked_key"));
    assertEquals(401, dir.connect("Phone", fp, oldKey).code());
  }

  @Test
  @DisplayName("admin PUT: a key binds, a key left out is kept, null removes it, a bad key is 400")
  void adminPut() {
    String fp = Fingerprints.random();
    String key = DirectoryBus.newKey();
    put("Server", fp, new JsonObject().put("key", key).put("kind", "server"));
    assertEquals(key, dir.entry("Server").getString("key"));
    assertEquals(DeviceKey.parse(key).keyId(), dir.entry("Server").getString("key_id"));
    dir.assertCode(401, dir.connect("Server", fp, null));

    put("Server", fp, new JsonObject().put("kind", "db"));
    assertEquals(key, dir.entry("Server").getString("key"), "left out: kept");
    dir.assertCode(200, dir.connect("Server", fp, key));
    // A second proven connection replaces the first: the event names the key, so keyless sockets stay.
    dir.clearEvents();
    Socket second = dir.connect("Server", fp, key);
    JsonObject replaced = dir.event("replaced");
    assertEquals(key, replaced.getString("key"));
    assertEquals(second.conn(), replaced.getString("keep"));

    put("Server", fp, new JsonObject().putNull("key"));
    assertNull(dir.entry("Server").getValue("key"));
    assertNull(dir.entry("Server").getValue("key_id"));
    dir.assertCode(200, dir.connect("Server", fp, null));

    assertEquals(400, dir.code(Address.DIRECTORY_PUT_PEER, new JsonObject().put("name", "Server")
        .put("fingerprint", fp).put("key", "AAAA").put("properties", new JsonObject())));
    assertNull(dir.entry("Server").getValue("key"), "nothing changed");
  }

  @Test
  @DisplayName("a keyed waiting socket that closes leaves no waiting record behind")
  void keyedDisconnect() {
    String fp = Fingerprints.random();
    String key = DirectoryBus.newKey();
    Socket keyed = dir.connect("Tablet", fp, key);
    dir.assertCode(401, keyed);
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    String waiting = node.config.getString("redis_prefix") + "{" + EMAIL + "}:waiting";
    try {
      assertEquals(1, redis.send(Request.cmd(Command.HLEN).arg(waiting)).await().toInteger());
      dir.disconnect("Tablet", keyed);
      assertEquals(0, redis.send(Request.cmd(Command.HLEN).arg(waiting)).await().toInteger());
    } finally {
      redis.close();
    }
  }

  @Test
  @DisplayName("a request stored before device keys reads as keyless, 'new' or 'fingerprint'")
  void olderRequests() {
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    String pending = node.config.getString("redis_prefix") + "{" + EMAIL + "}:pending";
    String fp = Fingerprints.random();
    try {
      redis.send(Request.cmd(Command.HSET).arg(pending).arg("old\n" + fp).arg(new JsonObject().put("name", "Old")
          .put("fingerprint", fp).putNull("kind").put("requested_at", "2026-01-01T00:00:00Z").put("replaces", "AB:CD")
          .put("address", "").encode())).await();
    } finally {
      redis.close();
    }
    JsonObject entry = dir.pending("Old", fp, null);
    assertEquals("fingerprint", entry.getString("change"));
    for (String field : new String[] {"key", "key_id", "replaces_key_id"}) {
      assertTrue(entry.containsKey(field) && entry.getValue(field) == null, entry.encode());
    }
  }
}
