package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * Presence as the contract's "Connecting" and "Presence" sections describe it: online and offline events, a second
 * connection of the same peer, last_connection, a peer that stops answering pings, and a socket that closes while
 * its connect is still in flight.
 *
 * <p>Not covered here: presence of a peer whose node's lease expired (a node that died without closing its
 * sockets); that needs two nodes and a killed process, and belongs with the cluster tests.
 */
class PresenceTest {
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

  @Test
  @DisplayName("a peer coming online and going offline is announced to the user's other approved peers only, with its full list entry")
  void onlineAndOfflineReachOnlyTheOtherApprovedPeersOfTheUser() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    PresenceFixtures.put(node, ALICE, "Desk", new JsonObject().put("fingerprint", deskFp).put("kind", "server")
        .put("room", "den").put("level", 3).put("beta", true));
    provision(node, ALICE, "Laptop", laptopFp, "client");
    String bobsDeskFp = Fingerprints.random();
    provision(node, BOB, "Desk", bobsDeskFp, "server");

    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    PeerClient bobsDesk = online(node, BOB, "Desk", bobsDeskFp);
    PeerClient tablet = node.connect(ALICE, "Tablet", Fingerprints.random(), "client");
    tablet.expectCode(401);

    Instant before = Instant.now().minusSeconds(1);
    PeerClient desk = online(node, ALICE, "Desk", deskFp);

    // The first thing the laptop hears is Alice's desk: Bob's desk and Alice's waiting tablet made no event.
    JsonObject up = laptop.nextUpdate();
    assertUpdate(up, "online", "Desk", deskFp, "server", true);
    assertTimestamp(up.getString("last_connection"), "last_connection");
    assertFalse(Instant.parse(up.getString("last_connection")).isBefore(before), up.encode());
    assertEquals("den", up.getString("room"));
    assertEquals(3, up.getInteger("level"));
    assertEquals(true, up.getBoolean("beta"));
    laptop.expectNothingBeforePong();
    desk.expectNothingBeforePong();
    bobsDesk.expectNothingBeforePong();
    tablet.expectNothingBeforePong();

    desk.close();
    JsonObject down = laptop.nextUpdate();
    assertUpdate(down, "offline", "Desk", deskFp, "server", false);
    assertTimestamp(down.getString("last_connection"), "last_connection");
    assertEquals(up.getString("last_connection"), down.getString("last_connection"), "last_connection is when it connected");
    assertEquals(up.getString("registration_date"), down.getString("registration_date"));
    assertEquals("den", down.getString("room"));
    assertEquals(3, down.getInteger("level"));
    assertEquals(true, down.getBoolean("beta"));
    laptop.expectNothingBeforePong();
    bobsDesk.expectNothingBeforePong();
    tablet.expectNothingBeforePong();

    JsonObject listed = entry(laptop, "Desk");
    assertNotNull(listed);
    assertEquals(false, listed.getBoolean("online"));
    // Bob's book has a Desk of its own, untouched by Alice's.
    assertEquals(true, entry(bobsDesk, "Desk").getBoolean("online"));
  }

  @Test
  @DisplayName("a second connection of the same peer closes the first with 4409, makes no presence event, and takes over its messages")
  void secondConnectionReplacesTheFirstSilently() {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, "client");
    provision(node, ALICE, "Phone", phoneFp, "mobile");
    PeerClient phone = online(node, ALICE, "Phone", phoneFp);
    PeerClient first = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(phone.nextUpdate(), "online", "Laptop", laptopFp, "client", true);

    // The phone has written to the first socket, so the way to the laptop is known (and cached) already.
    phone.send(new JsonObject().put("target", "Laptop").put("offer", "before"));
    assertEquals("before", first.next().getString("offer"));

    PeerClient second = node.connect(ALICE, "Laptop", laptopFp);
    second.expectCode(200);
    assertEquals(4409, first.awaitClose());
    assertNotNull(first.closeReason());
    assertTrue(first.closeReason().toLowerCase().contains("replaced"), "close reason: " + first.closeReason());

    // The peer stayed online: no offline, no online, nothing at all for the phone, nor for the new socket.
    phone.expectNothingBeforePong();
    second.expectNothingBeforePong();
    JsonObject listed = entry(phone, "Laptop");
    assertEquals(true, listed.getBoolean("online"), listed.encode());
    assertEquals(true, entry(second, "Laptop").getBoolean("online"));

    // Messages for the laptop reach the new socket.
    phone.send(new JsonObject().put("target", "Laptop").put("offer", new JsonObject().put("sdp", "v=0 hello")));
    JsonObject got = second.next();
    assertEquals("Phone", got.getString("source"), got.encode());
    assertEquals(phoneFp, got.getString("fingerprint"), got.encode());
    assertEquals(new JsonObject().put("sdp", "v=0 hello"), got.getJsonObject("offer"));
    // and the new socket may signal back.
    second.send(new JsonObject().put("target", "Phone").put("fingerprint", phoneFp).put("answer", "ok"));
    JsonObject answer = phone.next();
    assertEquals("Laptop", answer.getString("source"), answer.encode());
    assertEquals("ok", answer.getString("answer"));

    // When the new socket closes, the laptop goes offline, once.
    second.close();
    assertUpdate(phone.nextUpdate(), "offline", "Laptop", laptopFp, "client", false);
    phone.expectNothingBeforePong();
    assertEquals(false, entry(phone, "Laptop").getBoolean("online"));
  }

  @Test
  @DisplayName("a second connection with the email in another case and the fingerprint in another accepted form is the same peer and replaces the first")
  void replacementComparesCanonicalIdentity() {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, null);
    provision(node, ALICE, "Phone", phoneFp, null);
    PeerClient phone = online(node, ALICE, "Phone", phoneFp);
    PeerClient first = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(phone.nextUpdate(), "online", "Laptop", laptopFp, null, true);

    PeerClient second = node.connect("  Alice@EXAMPLE.com ", "Laptop", laptopFp.replace(":", "").toLowerCase());
    second.expectCode(200);
    assertEquals(4409, first.awaitClose());
    phone.expectNothingBeforePong();
    assertEquals(true, entry(phone, "Laptop").getBoolean("online"));

    phone.send(new JsonObject().put("target", "Laptop").put("candidate", "c1"));
    assertEquals("c1", second.next().getString("candidate"));
  }

  @Test
  @DisplayName("a peer connecting with its name in another case is announced, listed and relayed under the name in the book")
  void nameInAnotherCaseIsTheBooksName() {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, "client");
    provision(node, ALICE, "Phone", phoneFp, "mobile");
    PeerClient phone = online(node, ALICE, "Phone", phoneFp);
    PeerClient laptop = online(node, ALICE, "LAPTOP", laptopFp);

    assertUpdate(phone.nextUpdate(), "online", "Laptop", laptopFp, "client", true);
    assertNotNull(entry(phone, "Laptop"));
    laptop.send(new JsonObject().put("target", "phone").put("offer", "hi"));
    JsonObject offer = phone.next();
    assertEquals("hi", offer.getString("offer"));
    assertEquals("Laptop", offer.getString("source"), "the source must be the name peers see in their list: " + offer.encode());
  }

  @Test
  @DisplayName("a peer that stops answering the server's pings is dropped and announced offline")
  void aPeerThatStopsAnsweringPingsGoesOffline() {
    node.close();
    node = TestNode.start(Map.of("admin_token", PresenceFixtures.TOKEN, "ping_interval", 1));
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", laptopFp, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);

    try (Socket mute = new Socket("127.0.0.1", node.port)) {
      mute.setSoTimeout(10_000);
      String request = "GET /ws?" + PeerClient.query(ALICE, "Laptop", laptopFp, null) + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + node.port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      mute.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      DataInputStream in = new DataInputStream(mute.getInputStream());
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) in.readUnsignedByte());
      }
      assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
      assertUpdate(desk.nextUpdate(), "online", "Laptop", laptopFp, "client", true);
      // Read frames and answer none of the pings, until the server sends its close.
      int opcode;
      do {
        opcode = in.readUnsignedByte() & 0x0F;
        int len = in.readUnsignedByte() & 0x7F;
        if (len == 126) {
          len = in.readUnsignedShort();
        }
        in.readNBytes(len);
      } while (opcode != 0x8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    assertUpdate(desk.nextUpdate(), "offline", "Laptop", laptopFp, "client", false);
    desk.expectNothingBeforePong();
    assertEquals(false, entry(desk, "Laptop").getBoolean("online"));
  }

  @Test
  @DisplayName("a second waiting connection of the same device replaces the first waiting one, and approval reaches the second")
  void secondWaitingConnectionReplacesTheFirst() {
    String deskFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);
    String laptopFp = Fingerprints.random();
    PeerClient first = node.connect(ALICE, "Laptop", laptopFp, "client");
    first.expectCode(401);
    PeerClient second = node.connect(ALICE, "Laptop", laptopFp, "client");
    second.expectCode(401);
    assertEquals(4409, first.awaitClose());
    desk.expectNothingBeforePong();
    // Still one request.
    assertEquals(1, PresenceFixtures.book(node, ALICE).getJsonArray("pending").size());

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertEquals(303, browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp)).statusCode());
    second.expectCode(200);
    assertUpdate(desk.nextUpdate(), "approved", "Laptop", laptopFp, "client", true);
    desk.expectNothingBeforePong();
    assertEquals(true, entry(desk, "Laptop").getBoolean("online"));
  }

  @Test
  @DisplayName("last_connection is null for a provisioned peer that never connected, and is set once it connects approved")
  void lastConnectionIsNullUntilTheFirstApprovedConnection() {
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", laptopFp, "client");

    JsonObject adminView = PresenceFixtures.find(PresenceFixtures.book(node, ALICE).getJsonArray("approved"), "Desk");
    assertNotNull(adminView);
    assertNoLastConnection(adminView);
    assertEquals(false, adminView.getBoolean("online"));

    PeerClient laptop = online(node, ALICE, "Laptop", laptopFp);
    JsonArray entries = list(laptop);
    JsonObject desk = find(entries, "Desk");
    assertNoLastConnection(desk);
    assertEquals(false, desk.getBoolean("online"));
    assertTimestamp(desk.getString("registration_date"), "registration_date");
    assertTimestamp(find(entries, "Laptop").getString("last_connection"), "laptop's last_connection");

    // Connecting with another fingerprint is a waiting request, not a connection of the approved Desk.
    PeerClient impostor = node.connect(ALICE, "Desk", Fingerprints.random());
    impostor.expectCode(401);
    assertNoLastConnection(entry(laptop, "Desk"));

    Instant before = Instant.now().minusSeconds(1);
    PeerClient deskSocket = online(node, ALICE, "Desk", deskFp);
    JsonObject after = entry(laptop, "Desk");
    assertTimestamp(after.getString("last_connection"), "last_connection");
    assertFalse(Instant.parse(after.getString("last_connection")).isBefore(before), after.encode());
    assertEquals(true, after.getBoolean("online"));

    // It stays set once the peer is offline again.
    deskSocket.close();
    assertUpdate(laptop.next(m -> m.containsKey("peer_update")
        && "offline".equals(m.getJsonObject("peer_update").getString("event"))).getJsonObject("peer_update"),
        "offline", "Desk", deskFp, "server", false);
    JsonObject offline = entry(laptop, "Desk");
    assertEquals(after.getString("last_connection"), offline.getString("last_connection"));
    assertEquals(false, offline.getBoolean("online"));
  }

  @Test
  @DisplayName("a socket that closes while its connect is still in flight does not stay online")
  void closingDuringTheConnectLeavesThePeerOffline() {
    String observerFp = Fingerprints.random();
    provision(node, ALICE, "Observer", observerFp, null);
    PeerClient observer = online(node, ALICE, "Observer", observerFp);
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      String name = "Sensor" + i;
      String fp = Fingerprints.random();
      provision(node, ALICE, name, fp, "sensor");
      names.add(name);
      // The upgrade with the end of the TCP connection right behind it: the server sees the close while its
      // connect is still out.
      String answer = upgradeAndCloseAtOnce(name, fp);
      assertTrue(answer.startsWith("HTTP/1.1 101"), name + " was not upgraded: " + answer);
    }

    for (String name : names) {
      // Wait until the server has recorded the connection (last_connection set) and then its end; a server that
      // drops the connection before recording it never sets last_connection, which is fine too.
      long deadline = System.nanoTime() + 5_000_000_000L;
      JsonObject e = entry(observer, name);
      while ((e.getBoolean("online") || e.getValue("last_connection") == null) && System.nanoTime() < deadline) {
        PeerClient.await(node.vertx.timer(50));
        e = entry(observer, name);
      }
      assertEquals(false, e.getBoolean("online"), name + " stayed online: " + e.encode());
    }

    // Whatever the observer heard, each sensor that was announced online was announced offline after it.
    List<JsonObject> heard = drainUntilPong(observer);
    for (String name : names) {
      String lastEvent = null;
      for (JsonObject m : heard) {
        JsonObject u = m.getJsonObject("peer_update");
        assertNotNull(u, "unexpected message " + m.encode());
        if (name.equals(u.getString("name"))) {
          lastEvent = u.getString("event");
        }
      }
      assertTrue(lastEvent == null || "offline".equals(lastEvent), name + " was last announced " + lastEvent);
    }
    // And the book agrees, also in the admin view.
    for (Object o : PresenceFixtures.book(node, ALICE).getJsonArray("approved")) {
      JsonObject p = (JsonObject) o;
      if (!"Observer".equals(p.getString("name"))) {
        assertEquals(false, p.getBoolean("online"), p.encode());
      }
    }
  }

  /**
   * A raw client that sends the WebSocket upgrade and at once shuts its side of the TCP connection, then reads what
   * the server answers until it closes. The server sees the end of the connection right behind the upgrade, while
   * its connect is still out. Returns the server's bytes as text (the 101 response first).
   */
  private String upgradeAndCloseAtOnce(String name, String fingerprint) {
    String request = "GET /ws?" + PeerClient.query(ALICE, name, fingerprint, null) + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + node.port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", node.port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      socket.shutdownOutput();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every message up to the answer of a ping sent now (the pong itself not included). */
  private static List<JsonObject> drainUntilPong(PeerClient c) {
    c.send(new JsonObject().put("command", "ping").put("id", "drain"));
    List<JsonObject> out = new ArrayList<>();
    while (true) {
      JsonObject m = c.next();
      if ("drain".equals(m.getValue("id"))) {
        assertNull(m.getValue("code"), m.encode());
        return out;
      }
      out.add(m);
    }
  }
}
