package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.peerbook.PresenceFixtures.assertNoLastConnection;
import static io.peerbook.PresenceFixtures.assertTimestamp;
import static io.peerbook.PresenceFixtures.assertUpdate;
import static io.peerbook.PresenceFixtures.entry;
import static io.peerbook.PresenceFixtures.entryAsync;
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
 *
 * <p>Each case sets the scene with blocking steps, then awaits the events it is about on the event loop: a checkpoint
 * per event, flagged once the event came and was checked.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PresenceTest {
  private static final String ALICE = "alice@example.com";
  private static final String BOB = "bob@example.com";
  private Vertx vertx;
  private TestNode node;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    node = TestNode.start(vertx, Map.of("admin_token", PresenceFixtures.TOKEN));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("a peer coming online and going offline is announced to the user's other approved peers only, with its full list entry")
  void onlineAndOfflineReachOnlyTheOtherApprovedPeersOfTheUser(VertxTestContext ctx) {
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

    Checkpoint cameOnline = ctx.checkpoint();
    Checkpoint wentOffline = ctx.checkpoint();
    Checkpoint listed = ctx.checkpoint();
    Instant before = Instant.now().minusSeconds(1);
    PeerClient desk = online(node, ALICE, "Desk", deskFp);

    // The first thing the laptop hears is Alice's desk: Bob's desk and Alice's waiting tablet made no event.
    laptop.receiveUpdate().compose(up -> {
      assertUpdate(up, "online", "Desk", deskFp, "server", true);
      assertTimestamp(up.getString("last_connection"), "last_connection");
      assertFalse(Instant.parse(up.getString("last_connection")).isBefore(before), up.encode());
      assertEquals("den", up.getString("room"));
      assertEquals(3, up.getInteger("level"));
      assertEquals(true, up.getBoolean("beta"));
      cameOnline.flag();
      return Future.all(laptop.quiet(), desk.quiet(), bobsDesk.quiet(), tablet.quiet())
          .compose(v -> desk.closeAsync())
          .compose(v -> laptop.receiveUpdate())
          .map(down -> {
            assertUpdate(down, "offline", "Desk", deskFp, "server", false);
            assertTimestamp(down.getString("last_connection"), "last_connection");
            assertEquals(up.getString("last_connection"), down.getString("last_connection"),
                "last_connection is when it connected");
            assertEquals(up.getString("registration_date"), down.getString("registration_date"));
            assertEquals("den", down.getString("room"));
            assertEquals(3, down.getInteger("level"));
            assertEquals(true, down.getBoolean("beta"));
            wentOffline.flag();
            return down;
          });
    }).compose(down -> Future.all(laptop.quiet(), bobsDesk.quiet(), tablet.quiet()))
        .compose(v -> Future.all(entryAsync(laptop, "Desk"), entryAsync(bobsDesk, "Desk")))
        .onComplete(ctx.succeeding(entries -> ctx.verify(() -> {
          assertEquals(false, entries.<JsonObject>resultAt(0).getBoolean("online"));
          // Bob's book has a Desk of its own, untouched by Alice's.
          assertEquals(true, entries.<JsonObject>resultAt(1).getBoolean("online"));
          listed.flag();
        })));
  }

  @Test
  @DisplayName("a second connection of the same peer closes the first with 4409, makes no presence event, and takes over its messages")
  void secondConnectionReplacesTheFirstSilently(VertxTestContext ctx) {
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

    Checkpoint replaced = ctx.checkpoint();
    Checkpoint delivered = ctx.checkpoint(2);
    Checkpoint wentOffline = ctx.checkpoint();
    Checkpoint listed = ctx.checkpoint();
    PeerClient second = node.connect(ALICE, "Laptop", laptopFp);
    second.expectCode(200);
    first.closeCode().compose(code -> {
      assertEquals(4409, code.intValue());
      assertNotNull(first.closeReason());
      assertTrue(first.closeReason().toLowerCase().contains("replaced"), "close reason: " + first.closeReason());
      replaced.flag();
      // The peer stayed online: no offline, no online, nothing at all for the phone, nor for the new socket.
      return Future.all(phone.quiet(), second.quiet());
    }).compose(v -> Future.all(entryAsync(phone, "Laptop"), entryAsync(second, "Laptop"))).compose(entries -> {
      assertEquals(true, entries.<JsonObject>resultAt(0).getBoolean("online"), entries.resultAt(0).toString());
      assertEquals(true, entries.<JsonObject>resultAt(1).getBoolean("online"));
      // Messages for the laptop reach the new socket.
      return phone.sendAsync(new JsonObject().put("target", "Laptop").put("offer", new JsonObject().put("sdp", "v=0 hello")))
          .compose(v -> second.receive());
    }).compose(got -> {
      assertEquals("Phone", got.getString("source"), got.encode());
      assertEquals(phoneFp, got.getString("fingerprint"), got.encode());
      assertEquals(new JsonObject().put("sdp", "v=0 hello"), got.getJsonObject("offer"));
      delivered.flag();
      // and the new socket may signal back.
      return second.sendAsync(new JsonObject().put("target", "Phone").put("fingerprint", phoneFp).put("answer", "ok"))
          .compose(v -> phone.receive());
    }).compose(answer -> {
      assertEquals("Laptop", answer.getString("source"), answer.encode());
      assertEquals("ok", answer.getString("answer"));
      delivered.flag();
      // When the new socket closes, the laptop goes offline, once.
      return second.closeAsync().compose(v -> phone.receiveUpdate());
    }).compose(down -> {
      assertUpdate(down, "offline", "Laptop", laptopFp, "client", false);
      wentOffline.flag();
      return phone.quiet().compose(v -> entryAsync(phone, "Laptop"));
    }).onComplete(ctx.succeeding(entry -> ctx.verify(() -> {
      assertEquals(false, entry.getBoolean("online"));
      listed.flag();
    })));
  }

  @Test
  @DisplayName("a second connection with the email in another case and the fingerprint in another accepted form is the same peer and replaces the first")
  void replacementComparesCanonicalIdentity(VertxTestContext ctx) {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, null);
    provision(node, ALICE, "Phone", phoneFp, null);
    PeerClient phone = online(node, ALICE, "Phone", phoneFp);
    PeerClient first = online(node, ALICE, "Laptop", laptopFp);
    assertUpdate(phone.nextUpdate(), "online", "Laptop", laptopFp, null, true);

    Checkpoint replaced = ctx.checkpoint();
    Checkpoint delivered = ctx.checkpoint();
    PeerClient second = node.connect("  Alice@EXAMPLE.com ", "Laptop", laptopFp.replace(":", "").toLowerCase());
    second.expectCode(200);
    first.closeCode().compose(code -> {
      assertEquals(4409, code.intValue());
      replaced.flag();
      return phone.quiet();
    }).compose(v -> entryAsync(phone, "Laptop")).compose(entry -> {
      assertEquals(true, entry.getBoolean("online"));
      return phone.sendAsync(new JsonObject().put("target", "Laptop").put("candidate", "c1"))
          .compose(v -> second.receive());
    }).onComplete(ctx.succeeding(got -> ctx.verify(() -> {
      assertEquals("c1", got.getString("candidate"));
      delivered.flag();
    })));
  }

  @Test
  @DisplayName("a peer connecting with its name in another case is announced, listed and relayed under the name in the book")
  void nameInAnotherCaseIsTheBooksName(VertxTestContext ctx) {
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    provision(node, ALICE, "Laptop", laptopFp, "client");
    provision(node, ALICE, "Phone", phoneFp, "mobile");
    PeerClient phone = online(node, ALICE, "Phone", phoneFp);

    Checkpoint announced = ctx.checkpoint();
    Checkpoint relayed = ctx.checkpoint();
    PeerClient laptop = online(node, ALICE, "LAPTOP", laptopFp);
    phone.receiveUpdate().compose(up -> {
      assertUpdate(up, "online", "Laptop", laptopFp, "client", true);
      announced.flag();
      return entryAsync(phone, "Laptop");
    }).compose(listed -> laptop.sendAsync(new JsonObject().put("target", "phone").put("offer", "hi")))
        .compose(v -> phone.receive())
        .onComplete(ctx.succeeding(offer -> ctx.verify(() -> {
          assertEquals("hi", offer.getString("offer"));
          assertEquals("Laptop", offer.getString("source"),
              "the source must be the name peers see in their list: " + offer.encode());
          relayed.flag();
        })));
  }

  @Test
  @DisplayName("a peer that stops answering the server's pings is dropped and announced offline")
  void aPeerThatStopsAnsweringPingsGoesOffline(VertxTestContext ctx) {
    node.close();
    // on a Vert.x of its own: the extension's still carries the first node's event-bus codecs
    node = TestNode.start(Map.of("admin_token", PresenceFixtures.TOKEN, "ping_interval", 1));
    String deskFp = Fingerprints.random();
    String laptopFp = Fingerprints.random();
    provision(node, ALICE, "Desk", deskFp, "server");
    provision(node, ALICE, "Laptop", laptopFp, "client");
    PeerClient desk = online(node, ALICE, "Desk", deskFp);

    Checkpoint cameOnline = ctx.checkpoint();
    Checkpoint wentOffline = ctx.checkpoint();
    Checkpoint listed = ctx.checkpoint();
    desk.receiveUpdate().compose(up -> {
      assertUpdate(up, "online", "Laptop", laptopFp, "client", true);
      cameOnline.flag();
      return desk.receiveUpdate();
    }).compose(down -> {
      assertUpdate(down, "offline", "Laptop", laptopFp, "client", false);
      wentOffline.flag();
      return desk.quiet();
    }).compose(v -> entryAsync(desk, "Laptop")).onComplete(ctx.succeeding(entry -> ctx.verify(() -> {
      assertEquals(false, entry.getBoolean("online"));
      listed.flag();
    })));

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
  }

  @Test
  @DisplayName("a second waiting connection of the same device replaces the first waiting one, and approval reaches the second")
  void secondWaitingConnectionReplacesTheFirst(VertxTestContext ctx) {
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
    Checkpoint approved = ctx.checkpoint(2);
    Checkpoint listed = ctx.checkpoint();
    Future<JsonObject> admitted = second.receiveCode(200).onSuccess(status -> approved.flag());
    Future<JsonObject> announced = desk.receiveUpdate().map(up -> {
      assertUpdate(up, "approved", "Laptop", laptopFp, "client", true);
      approved.flag();
      return up;
    });
    assertEquals(303, browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp)).statusCode());
    Future.all(admitted, announced).compose(v -> desk.quiet()).compose(v -> entryAsync(desk, "Laptop"))
        .onComplete(ctx.succeeding(entry -> ctx.verify(() -> {
          assertEquals(true, entry.getBoolean("online"));
          listed.flag();
        })));
  }

  @Test
  @DisplayName("last_connection is null for a provisioned peer that never connected, and is set once it connects approved")
  void lastConnectionIsNullUntilTheFirstApprovedConnection(VertxTestContext ctx) {
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
    Checkpoint wentOffline = ctx.checkpoint();
    Checkpoint listed = ctx.checkpoint();
    laptop.receive(m -> m.containsKey("peer_update") && "offline".equals(m.getJsonObject("peer_update").getString("event")))
        .compose(m -> {
          assertUpdate(m.getJsonObject("peer_update"), "offline", "Desk", deskFp, "server", false);
          wentOffline.flag();
          return entryAsync(laptop, "Desk");
        }).onComplete(ctx.succeeding(offline -> ctx.verify(() -> {
          assertEquals(after.getString("last_connection"), offline.getString("last_connection"));
          assertEquals(false, offline.getBoolean("online"));
          listed.flag();
        })));
    deskSocket.close();
  }

  @Test
  @DisplayName("a socket that closes while its connect is still in flight does not stay online")
  void closingDuringTheConnectLeavesThePeerOffline(VertxTestContext ctx) {
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

    Checkpoint offline = ctx.checkpoint(names.size());
    Checkpoint heardRight = ctx.checkpoint();
    Checkpoint bookAgrees = ctx.checkpoint();
    Future<Void> all = Future.succeededFuture();
    for (String name : names) {
      all = all.compose(v -> settled(observer, name, System.nanoTime() + TimeUnit.SECONDS.toNanos(5))).map(e -> {
        assertEquals(false, e.getBoolean("online"), name + " stayed online: " + e.encode());
        offline.flag();
        return null;
      });
    }
    // Whatever the observer heard, each sensor that was announced online was announced offline after it.
    all.compose(v -> drainUntilPong(observer)).compose(heard -> {
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
      heardRight.flag();
      return vertx.executeBlocking(() -> PresenceFixtures.book(node, ALICE));
    }).onComplete(ctx.succeeding(book -> ctx.verify(() -> {
      // And the book agrees, also in the admin view.
      for (Object o : book.getJsonArray("approved")) {
        JsonObject p = (JsonObject) o;
        if (!"Observer".equals(p.getString("name"))) {
          assertEquals(false, p.getBoolean("online"), p.encode());
        }
      }
      bookAgrees.flag();
    })));
  }

  /**
   * The sensor's entry once the server has recorded its connection (last_connection set) and then its end, or as it is
   * at the deadline: a server that drops the connection before recording it never sets last_connection, which is fine
   * too. Polled through get_list, a Vert.x timer between rounds.
   */
  private Future<JsonObject> settled(PeerClient observer, String name, long deadline) {
    return entryAsync(observer, name).compose(e -> {
      boolean recorded = !e.getBoolean("online") && e.getValue("last_connection") != null;
      if (recorded || System.nanoTime() > deadline) {
        return Future.succeededFuture(e);
      }
      return vertx.timer(50).compose(t -> settled(observer, name, deadline));
    });
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
  private static Future<List<JsonObject>> drainUntilPong(PeerClient c) {
    return c.sendAsync(new JsonObject().put("command", "ping").put("id", "drain"))
        .compose(v -> collectUntilPong(c, new ArrayList<>()));
  }

  private static Future<List<JsonObject>> collectUntilPong(PeerClient c, List<JsonObject> out) {
    return c.receive().compose(m -> {
      if ("drain".equals(m.getValue("id"))) {
        assertNull(m.getValue("code"), m.encode());
        return Future.succeededFuture(out);
      }
      out.add(m);
      return collectUntilPong(c, out);
    });
  }
}
