package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared steps of the presence and book-change tests: the admin API, a signed-in page, list lookups. */
final class PresenceFixtures {
  static final String TOKEN = "t";

  private PresenceFixtures() {
  }

  /** PUT an approved peer through the admin API; returns the HTTP status (201 created, 200 updated). */
  static int put(TestNode node, String email, String name, JsonObject body) {
    return Admin.put(node.port, TOKEN, email, name, body);
  }

  static int provision(TestNode node, String email, String name, String fingerprint, String kind) {
    return Admin.provision(node.port, TOKEN, email, name, fingerprint, kind);
  }

  static int delete(TestNode node, String email, String name) {
    return Admin.delete(node.port, TOKEN, email, name);
  }

  /** The admin view of a user's book: {approved, pending}. */
  static JsonObject book(TestNode node, String email) {
    return Admin.book(node.port, TOKEN, email);
  }

  /** Connects a provisioned peer and asserts it is approved. */
  static PeerClient online(TestNode node, String email, String name, String fingerprint) {
    PeerClient c = node.connect(email, name, fingerprint);
    c.expectCode(200);
    return c;
  }

  /**
   * A person opens the page: a new device ("Doorbell") asks to join, the mail comes, the person signs in. The
   * Doorbell socket is left waiting (it is not approved, so it must hear no presence events). Returns the signed-in
   * browser; its first page is in {@link SignedIn#page}.
   */
  static SignedIn signIn(TestNode node, String email) {
    String fp = Fingerprints.random();
    PeerClient doorbell = node.connect(email, "Doorbell", fp, "camera");
    doorbell.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    return new SignedIn(browser, page, doorbell, fp);
  }

  record SignedIn(PageClient browser, String page, PeerClient waiting, String waitingFingerprint) {
    /** The management view as it is now. */
    String reload() {
      HttpResponse<String> r = browser.get("/manage");
      assertEquals(200, r.statusCode(), r.body());
      return r.body();
    }

    /** Posts an action with the page's CSRF token; asserts the 303 and returns its Location. */
    String act(String action, java.util.Map<String, String> fields) {
      HttpResponse<String> r = browser.act(page, action, fields);
      assertEquals(303, r.statusCode(), r.body());
      return r.headers().firstValue("Location").orElseThrow();
    }
  }

  /** The approved peers as {@code get_list} shows them to this client. */
  static JsonArray list(PeerClient asker) {
    JsonObject reply = asker.request(new JsonObject().put("command", "get_list"));
    JsonArray list = reply.getJsonArray("list");
    assertNotNull(list, "get_list answered " + reply.encode());
    return list;
  }

  /** The entry named exactly {@code name} in the asker's list, or null. */
  static JsonObject entry(PeerClient asker, String name) {
    return find(list(asker), name);
  }

  /** {@link #entry} for a test that goes on from the event loop; a missing entry fails the future. */
  static Future<JsonObject> entryAsync(PeerClient asker, String name) {
    return asker.requestAsync(new JsonObject().put("command", "get_list")).map(reply -> {
      JsonArray list = reply.getJsonArray("list");
      assertNotNull(list, "get_list answered " + reply.encode());
      JsonObject e = find(list, name);
      assertNotNull(e, name + " is not in " + asker.name + "'s list: " + list.encode());
      return e;
    });
  }

  static JsonObject find(JsonArray list, String name) {
    for (Object o : list) {
      JsonObject e = (JsonObject) o;
      if (name.equals(e.getString("name"))) {
        return e;
      }
    }
    return null;
  }

  /** Asserts the fields every peer_update carries, for a peer with this name, fingerprint and kind. */
  static void assertUpdate(JsonObject update, String event, String name, String fingerprint, String kind, boolean online) {
    assertEquals(event, update.getString("event"), update.encode());
    assertEquals(name, update.getString("name"), update.encode());
    assertEquals(fingerprint, update.getString("fingerprint"), update.encode());
    assertTrue(update.containsKey("kind"), "kind missing: " + update.encode());
    assertEquals(kind, update.getString("kind"), update.encode());
    assertEquals(online, update.getBoolean("online"), update.encode());
    assertTrue(update.getString("registration_date").endsWith("Z"), update.encode());
    assertTrue(update.containsKey("last_connection"), "last_connection missing: " + update.encode());
  }

  static void assertTimestamp(String value, String what) {
    assertNotNull(value, what + " is null");
    assertTrue(value.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z"), what + " is not ISO-8601 UTC: " + value);
  }

  static void assertNoLastConnection(JsonObject entry) {
    assertTrue(entry.containsKey("last_connection"), "last_connection missing: " + entry.encode());
    assertNull(entry.getValue("last_connection"), entry.encode());
  }

  /** Polls get_list (Vert.x timer between rounds, no sleep) until the entry matches, or fails at the deadline. */
  static JsonObject awaitEntry(TestNode node, PeerClient asker, String name, Predicate<JsonObject> match, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    JsonObject last;
    do {
      last = entry(asker, name);
      if (last != null && match.test(last)) {
        return last;
      }
      PeerClient.await(node.vertx.timer(50));
    } while (System.nanoTime() < deadline);
    return fail("entry " + name + " did not reach the expected state within " + millis + " ms; last " + last);
  }
}
