package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RedisCalls;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A connect is one Redis round trip: the connect script records presence (or the waiting socket) and the node's
 * socket together, with the client address's request cap in force. Only a new request costs more: its address is
 * counted (in another hash slot) before the request is recorded.
 */
class ConnectRoundTripTest {
  private static final String TOKEN = "rt";
  private static final String EMAIL = "ron@example.com";
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("an approved peer's connect and a waiting device's second connect each cost the directory one Redis request")
  void oneRoundTrip() {
    String fp = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "Laptop", fp, null));
    // Redis learns the connect script on its first use (EVALSHA refused, then EVAL): not what is counted here.
    String warmFp = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, "warm@example.com", "Warm", warmFp, null));
    node.connect("warm@example.com", "Warm", warmFp).expectCode(200);
    node.connect("warm@example.com", "New", Fingerprints.random()).expectCode(401);
    RedisCalls before = RedisCalls.now();
    PeerClient laptop = node.connect(EMAIL, "Laptop", fp);
    laptop.expectCode(200);
    assertEquals(1, RedisCalls.now().since(before, RedisCalls.PER_SOCKET), "approved connect");

    String phoneFp = Fingerprints.random();
    RedisCalls first = RedisCalls.now();
    node.connect(EMAIL, "Phone", phoneFp).expectCode(401);
    assertEquals(3, RedisCalls.now().since(first, RedisCalls.PER_SOCKET), "a new request: asked, counted, recorded");
    RedisCalls again = RedisCalls.now();
    node.connect(EMAIL, "Phone", phoneFp).expectCode(401);
    assertEquals(1, RedisCalls.now().since(again, RedisCalls.PER_SOCKET), "a known request's second socket");
  }
}
