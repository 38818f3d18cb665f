package io.peerbook;

import io.peerbook.PresenceFixtures.SignedIn;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.peerbook.PresenceFixtures.assertNoLastConnection;
import static io.peerbook.PresenceFixtures.assertTimestamp;
import static io.peerbook.PresenceFixtures.assertUpdate;
import static io.peerbook.PresenceFixtures.entry;
import static io.peerbook.PresenceFixtures.find;
import static io.peerbook.PresenceFixtures.list;
import static io.peerbook.PresenceFixtures.online;
import static io.peerbook.PresenceFixtures.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Changes a person makes to the book (approve, reject, remove, rename on the page; remove and a new fingerprint
 * through the admin API), and what the user's sockets see of them.
 */
class BookChangesTest {
  private static final String ALICE = "alice@example.com";
  private static final String BOB = "bob@example.com";
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", PresenceFixtures.TOKEN));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  // --- approve ---

  @Test
  @DisplayName("approving a waiting socket on the page turns it 200 at once, and the user's other peers hear one approved event with online true")
  void approvingAWaitingSocketIsOneApprovedEvent() {
    String deskFp = Fingerprints.random();
    String bobFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, BOB, "Desk", bobFp, "server");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient bobsDesk = online(node, BOB, "Desk", bobFp);

    String laptopFp = Fingerprints.random();
    PeerClient laptop = node.connect(ALICE, "Laptop", laptopFp, "client");
    JsonObject waiting = laptop.expectCode(401);
    assertFalse(waiting.getString("text").isEmpty());
    desk.expectNothingBeforePong();

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertTrue(page.contains(laptopFp), page);
    var done = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp));
    assertEquals(303, done.statusCode(), done.body());

    JsonObject ok = laptop.expectCode(200);
    assertFalse(ok.getString("text").isEmpty());
    JsonObject update = desk.nextUpdate();
    assertUpdate(update, "approved", "Laptop", laptopFp, "client", true);
    assertTimestamp(update.getString("last_connection"), "last_connection");
    // One event, not approved + online; and none for the approved socket itself or for another user.
    desk.expectNothingBeforePong();
    laptop.expectNothingBeforePong();
    bobsDesk.expectNothingBeforePong();

    JsonObject listed = entry(desk, "Laptop");
    assertNotNull(listed);
    assertEquals(true, listed.getBoolean("online"));
    assertEquals(laptopFp, listed.getString("fingerprint"));
    assertEquals("client", listed.getString("kind"));
    assertTimestamp(listed.getString("last_connection"), "last_connection");
    // The approved socket is fully usable: it lists and receives signaling.
    assertEquals(2, list(laptop).size());
    desk.send(new JsonObject().put("target", "Laptop").put("offer", "o1"));
    JsonObject offer = laptop.next();
    assertEquals("Desk", offer.getString("source"));
    assertEquals(deskFp, offer.getString("fingerprint"));
    assertEquals("o1", offer.getString("offer"));
    // The page shows it approved, no longer pending.
    JsonObject book = PresenceFixtures.book(node, ALICE);
    assertTrue(book.getJsonArray("pending").isEmpty(), book.encode());
  }

  // --- reject ---

  @Test
  @DisplayName("rejecting on the page tells the waiting socket 403 and closes it with 4403; the request leaves the list and the device may ask again")
  void rejectingClosesTheWaitingSocketAndTheDeviceMayAskAgain() {
    String deskFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);

    String laptopFp = Fingerprints.random();
    PeerClient laptop = node.connect(ALICE, "Laptop", laptopFp, "client");
    laptop.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertTrue(page.contains(laptopFp), page);

    var done = browser.act(page, "reject", Map.of("name", "Laptop", "fingerprint", laptopFp));
    assertEquals(303, done.statusCode(), done.body());
    laptop.expectCode(403);
    assertEquals(4403, laptop.awaitClose());
    desk.expectNothingBeforePong();

    String after = browser.get("/manage").body();
    assertFalse(after.contains(laptopFp), "the rejected request is still on the page");
    assertTrue(PresenceFixtures.book(node, ALICE).getJsonArray("pending").isEmpty());
    assertNull(entry(desk, "Laptop"));

    // The device asks again later: it waits again and the request is back on the page.
    PeerClient again = node.connect(ALICE, "Laptop", laptopFp, "client");
    again.expectCode(401);
    String reloaded = browser.get("/manage").body();
    assertTrue(reloaded.contains(laptopFp), "the new request is not on the page");
    JsonArray pending = PresenceFixtures.book(node, ALICE).getJsonArray("pending");
    assertEquals(1, pending.size(), pending.encode());
    assertEquals("Laptop", pending.getJsonObject(0).getString("name"));
    assertEquals(laptopFp, pending.getJsonObject(0).getString("fingerprint"));
    // and can be approved this time.
    var approved = browser.act(reloaded, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp));
    assertEquals(303, approved.statusCode());
    again.expectCode(200);
    assertUpdate(desk.nextUpdate(), "approved", "Laptop", laptopFp, "client", true);
  }

  // --- remove ---

  @Test
  @DisplayName("removing a connected peer on the page tells it 401 and closes it with 4401; the others hear removed and the list drops it")
  void removingOnThePageRevokesTheSocket() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    PresenceFixtures.put(node, ALICE, "Laptop", new JsonObject().put("fingerprint", laptopFp).put("kind", "client")
        .put("color", "blue"));
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(desk.nextUpdate(), "online", "Laptop", laptopFp, "client", true);
    assertTimestamp(entry(desk, "Laptop").getString("last_connection"), "last_connection before the removal");

    SignedIn person = PresenceFixtures.signIn(node, ALICE);
    assertTrue(person.page().contains(laptopFp), person.page());
    String location = person.act("remove", Map.of("name", "Laptop"));
    assertFalse(location.contains("error"), location);

    assertRemoved(desk, laptop, person.waiting(), "Laptop", laptopFp);
    assertFalse(person.reload().contains(laptopFp), "the removed peer is still on the page");
    // The removed device is a stranger now: connecting again, it waits for approval.
    PeerClient back = node.connect(ALICE, "Laptop", laptopFp, "client");
    back.expectCode(401);
    assertTrue(person.reload().contains(laptopFp), "the removed device's new request is not on the page");
    desk.expectNothingBeforePong();
    back.close();
    assertReAddedWithoutItsLastConnection(desk, "Laptop", laptopFp);
  }

  @Test
  @DisplayName("removing a connected peer through the admin API tells it 401 and closes it with 4401; the others hear removed")
  void removingThroughTheAdminApiRevokesTheSocket() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    PresenceFixtures.put(node, ALICE, "Laptop", new JsonObject().put("fingerprint", laptopFp).put("kind", "client")
        .put("color", "blue"));
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(desk.nextUpdate(), "online", "Laptop", laptopFp, "client", true);
    PeerClient waiting = node.connect(ALICE, "Tablet", Fingerprints.random());
    waiting.expectCode(401);

    // The path's name in another case is the same peer.
    assertEquals(204, PresenceFixtures.delete(node, ALICE, "LAPTOP"));

    assertRemoved(desk, laptop, waiting, "Laptop", laptopFp);
    assertNull(find(PresenceFixtures.book(node, ALICE).getJsonArray("approved"), "Laptop"));
    assertReAddedWithoutItsLastConnection(desk, "Laptop", laptopFp);
  }

  private void assertRemoved(PeerClient observer, PeerClient removed, PeerClient waiting, String name, String fp) {
    JsonObject told = removed.expectCode(401);
    assertFalse(told.getString("text").isEmpty());
    assertEquals(4401, removed.awaitClose());

    JsonObject update = observer.nextUpdate();
    assertEquals("removed", update.getString("event"), update.encode());
    assertEquals(name, update.getString("name"));
    assertEquals(fp, update.getString("fingerprint"));
    assertEquals("client", update.getString("kind"));
    assertEquals(false, update.getBoolean("online"), "a removed peer is not online: " + update.encode());
    // Removed, not also offline.
    observer.expectNothingBeforePong();
    waiting.expectNothingBeforePong();

    assertNull(entry(observer, name), "get_list still lists the removed peer");
    assertEquals(1, list(observer).size());
    JsonObject refused = observer.request(new JsonObject().put("target", name).put("offer", "o"));
    assertEquals(404, refused.getInteger("code"), refused.encode());
    assertEquals(name, refused.getString("target"));
  }

  /** Added again through the admin API, the peer starts fresh: no last_connection, offline, no old properties. */
  private void assertReAddedWithoutItsLastConnection(PeerClient observer, String name, String fp) {
    assertEquals(201, provision(node, ALICE, name, fp, "client"));
    JsonObject update = observer.nextUpdate();
    assertUpdate(update, "approved", name, fp, "client", false);
    JsonObject again = entry(observer, name);
    assertNotNull(again);
    assertNoLastConnection(again);
    assertEquals(false, again.getBoolean("online"));
    assertFalse(again.containsKey("color"), "old app properties came back: " + again.encode());
  }

  // --- rename ---

  @Test
  @DisplayName("renaming on the page tells every approved socket of the user, the renamed one included, which stays open under the new name")
  void renamingOnThePageIsAnnouncedAndKeepsTheSocket() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    PresenceFixtures.put(node, ALICE, "Laptop", new JsonObject().put("fingerprint", laptopFp).put("kind", "client")
        .put("color", "blue"));
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(desk.nextUpdate(), "online", "Laptop", laptopFp, "client", true);
    String lastConnection = entry(desk, "Laptop").getString("last_connection");

    SignedIn person = PresenceFixtures.signIn(node, ALICE);
    String location = person.act("rename", Map.of("name", "Laptop", "new_name", "Work Laptop"));
    assertFalse(location.contains("error"), location);

    for (PeerClient c : new PeerClient[] {desk, laptop}) {
      JsonObject update = c.nextUpdate();
      assertUpdate(update, "renamed", "Work Laptop", laptopFp, "client", true);
      assertEquals("Laptop", update.getString("old_name"), update.encode());
      assertEquals(lastConnection, update.getString("last_connection"));
      assertEquals("blue", update.getString("color"), "app properties go with the peer: " + update.encode());
      c.expectNothingBeforePong();
    }
    person.waiting().expectNothingBeforePong();
    assertFalse(laptop.isClosed(), "the renamed socket was closed");

    JsonArray entries = list(desk);
    assertEquals(2, entries.size(), entries.encode());
    assertNull(find(entries, "Laptop"));
    JsonObject renamed = find(entries, "Work Laptop");
    assertNotNull(renamed, entries.encode());
    assertEquals(true, renamed.getBoolean("online"));
    assertEquals(laptopFp, renamed.getString("fingerprint"));
    assertEquals(lastConnection, renamed.getString("last_connection"));
    assertEquals("blue", renamed.getString("color"));
    assertTrue(person.reload().contains("Work Laptop"));

    JsonObject refused = desk.request(new JsonObject().put("target", "Laptop").put("offer", "o"));
    assertEquals(404, refused.getInteger("code"), refused.encode());
    desk.send(new JsonObject().put("target", "Work Laptop").put("offer", "o2"));
    JsonObject offer = laptop.next();
    assertEquals("Desk", offer.getString("source"), offer.encode());
    assertEquals("o2", offer.getString("offer"));
    // The renamed socket signals under its new name.
    laptop.send(new JsonObject().put("target", "Desk").put("fingerprint", deskFp).put("answer", "a2"));
    JsonObject answer = desk.next();
    assertEquals("Work Laptop", answer.getString("source"), answer.encode());
    assertEquals(laptopFp, answer.getString("fingerprint"));

    // The device reconnects under its new name: that is a second connection of the same peer, silently replacing.
    PeerClient reconnected = online(node, ALICE, "Work Laptop", laptopFp);
    assertEquals(4409, laptop.awaitClose());
    desk.expectNothingBeforePong();
    reconnected.expectNothingBeforePong();
    assertEquals(true, entry(desk, "Work Laptop").getBoolean("online"));

    // Going offline later is announced under the new name.
    reconnected.close();
    assertUpdate(desk.nextUpdate(), "offline", "Work Laptop", laptopFp, "client", false);
    desk.expectNothingBeforePong();
  }

  @Test
  @DisplayName("renaming to a name the user already has, in any case, or to an invalid name, is refused and changes nothing")
  void renamingToATakenNameIsRefused() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", laptopFp, "client");
    provision(node, ALICE, "Phone", phoneFp, "mobile");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    desk.nextUpdate();
    JsonArray before = list(desk);

    SignedIn person = PresenceFixtures.signIn(node, ALICE);
    for (String taken : new String[] {"PHONE", "phone", "desk"}) {
      String location = person.act("rename", Map.of("name", "Laptop", "new_name", taken));
      assertTrue(location.contains("error=409"), taken + ": " + location);
      String shown = person.browser().get(location).body();
      assertTrue(shown.contains("already taken"), shown);
    }

    for (String invalid : new String[] {"", "x".repeat(65), "bad\u0007name"}) {
      String location = person.act("rename", Map.of("name", "Laptop", "new_name", invalid));
      assertTrue(location.contains("error=400"), "'" + invalid + "': " + location);
    }

    desk.expectNothingBeforePong();
    laptop.expectNothingBeforePong();
    JsonArray after = list(desk);
    assertEquals(before, after, "the book changed");
    assertEquals(phoneFp, find(after, "Phone").getString("fingerprint"));
    assertEquals(true, find(after, "Laptop").getBoolean("online"));
    desk.send(new JsonObject().put("target", "Laptop").put("offer", "still here"));
    assertEquals("still here", laptop.next().getString("offer"));
  }

  @Test
  @DisplayName("renaming to the name of a request waiting for approval is refused (409) and changes nothing; approving the request then adds a device and replaces none")
  void renamingToAWaitingRequestsNameIsRefused() {
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, "client");
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    SignedIn person = PresenceFixtures.signIn(node, ALICE);

    String location = person.act("rename", Map.of("name", "Laptop", "new_name", "doorbell"));
    assertTrue(location.contains("error=409"), location);
    String shown = person.browser().get(location).body();
    assertTrue(shown.contains("waiting above"), shown);
    assertEquals(laptopFp, find(list(laptop), "Laptop").getString("fingerprint"), "the rename went through");
    laptop.expectNothingBeforePong();

    String approved = person.act("approve", Map.of("name", "Doorbell", "fingerprint", person.waitingFingerprint()));
    assertFalse(approved.contains("error="), approved);
    person.waiting().expectCode(200);
    assertUpdate(laptop.nextUpdate(), "approved", "Doorbell", person.waitingFingerprint(), "camera", true);
    JsonArray after = list(laptop);
    assertEquals(2, after.size(), after.encode());
    assertEquals(laptopFp, find(after, "Laptop").getString("fingerprint"));
    assertEquals(true, find(after, "Laptop").getBoolean("online"));
  }

  @Test
  @DisplayName("a rename that only changes the case of the name works and is announced")
  void renamingToAnotherCaseWorks() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", laptopFp, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    desk.nextUpdate();

    SignedIn person = PresenceFixtures.signIn(node, ALICE);
    String location = person.act("rename", Map.of("name", "Laptop", "new_name", "LapTop"));
    assertFalse(location.contains("error"), location);

    for (PeerClient c : new PeerClient[] {desk, laptop}) {
      JsonObject update = c.nextUpdate();
      assertUpdate(update, "renamed", "LapTop", laptopFp, "client", true);
      assertEquals("Laptop", update.getString("old_name"));
      c.expectNothingBeforePong();
    }
    JsonArray entries = list(desk);
    assertEquals(2, entries.size(), entries.encode());
    assertNull(find(entries, "Laptop"));
    assertEquals(true, find(entries, "LapTop").getBoolean("online"));

    desk.send(new JsonObject().put("target", "LapTop").put("offer", "o3"));
    assertEquals("o3", laptop.next().getString("offer"));
    laptop.send(new JsonObject().put("target", "Desk").put("candidate", "c3"));
    assertEquals("LapTop", desk.next().getString("source"));
  }

  // --- a new fingerprint for a known name ---

  @Test
  @DisplayName("approving a new fingerprint for a connected peer's name closes the old socket with 4401, turns the new one 200, and makes one approved event")
  void approvingANewFingerprintReplacesTheOldIdentity() {
    String deskFp = Fingerprints.random();
    String fp1 = Fingerprints.random();
    String fp2 = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", fp1, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient old = online(node, ALICE, "Laptop", fp1);
    assertUpdate(desk.nextUpdate(), "online", "Laptop", fp1, "client", true);

    PeerClient fresh = node.connect(ALICE, "Laptop", fp2, "client");
    fresh.expectCode(401);
    // A waiting request is not a change of presence.
    desk.expectNothingBeforePong();
    old.expectNothingBeforePong();

    MimeMessage mail = node.awaitMail(1);
    String text = TestNode.text(mail);
    assertTrue(text.contains(fp2), text);
    assertTrue(text.contains("replaces fingerprint " + fp1), text);
    assertTrue(TestNode.html(mail).contains(fp1));
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(mail));
    assertTrue(page.contains(fp2), page);
    assertTrue(page.contains("<dt>Replaces</dt><dd><code class=\"fp\">" + fp1 + "</code>"), page);
    JsonObject request = PresenceFixtures.book(node, ALICE).getJsonArray("pending").getJsonObject(0);
    assertEquals(fp1, request.getString("replaces"), request.encode());

    var done = browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", fp2));
    assertEquals(303, done.statusCode(), done.body());

    old.expectCode(401);
    assertEquals(4401, old.awaitClose());
    fresh.expectCode(200);
    JsonObject update = desk.nextUpdate();
    assertUpdate(update, "approved", "Laptop", fp2, "client", true);
    desk.expectNothingBeforePong();
    fresh.expectNothingBeforePong();

    JsonArray entries = list(desk);
    assertEquals(2, entries.size(), entries.encode());
    JsonObject laptop = find(entries, "Laptop");
    assertEquals(fp2, laptop.getString("fingerprint"));
    assertEquals(true, laptop.getBoolean("online"));
    desk.send(new JsonObject().put("target", "Laptop").put("offer", "o4"));
    JsonObject offer = fresh.next();
    assertEquals("o4", offer.getString("offer"));
    // An answer meant for the old identity is refused.
    JsonObject stale = desk.request(new JsonObject().put("target", "Laptop").put("fingerprint", fp1).put("answer", "a"));
    assertEquals(409, stale.getInteger("code"), stale.encode());
    fresh.expectNothingBeforePong();
  }

  @Test
  @DisplayName("rejecting a new fingerprint for a connected peer's name closes only the waiting socket; the approved one stays")
  void rejectingANewFingerprintKeepsTheApprovedSocket() {
    String deskFp = Fingerprints.random();
    String fp1 = Fingerprints.random();
    String fp2 = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", fp1, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient old = online(node, ALICE, "Laptop", fp1);
    desk.nextUpdate();
    PeerClient fresh = node.connect(ALICE, "Laptop", fp2, "client");
    fresh.expectCode(401);

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertEquals(303, browser.act(page, "reject", Map.of("name", "Laptop", "fingerprint", fp2)).statusCode());
    fresh.expectCode(403);
    assertEquals(4403, fresh.awaitClose());
    old.expectNothingBeforePong();
    desk.expectNothingBeforePong();
    JsonObject laptop = entry(desk, "Laptop");
    assertEquals(fp1, laptop.getString("fingerprint"));
    assertEquals(true, laptop.getBoolean("online"));
    desk.send(new JsonObject().put("target", "Laptop").put("offer", "o5"));
    assertEquals("o5", old.next().getString("offer"));
  }

  @Test
  @DisplayName("a new fingerprint put through the admin API closes the connected old identity with 4401")
  void adminPutOfANewFingerprintRevokesTheOldSocket() {
    String deskFp = Fingerprints.random();
    String fp1 = Fingerprints.random();
    String fp2 = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", fp1, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    PeerClient old = online(node, ALICE, "Laptop", fp1);
    desk.nextUpdate();

    assertEquals(200, provision(node, ALICE, "Laptop", fp2, "client"));
    old.expectCode(401);
    assertEquals(4401, old.awaitClose());
    assertUpdate(desk.nextUpdate(), "approved", "Laptop", fp2, "client", false);
    desk.expectNothingBeforePong();
    JsonObject laptop = entry(desk, "Laptop");
    assertEquals(fp2, laptop.getString("fingerprint"));
    assertEquals(false, laptop.getBoolean("online"));

    PeerClient fresh = online(node, ALICE, "Laptop", fp2);
    assertUpdate(desk.nextUpdate(), "online", "Laptop", fp2, "client", true);
    fresh.expectNothingBeforePong();
  }
}
