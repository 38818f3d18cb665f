package io.peerbook.redis;

import io.peerbook.support.RedisServers;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Hash slots as Redis computes them (CLUSTER KEYSLOT on a real cluster-enabled redis-server), one tag per slot. */
class HashSlotsTest {

  @Test
  @DisplayName("slots agree with Redis's CLUSTER KEYSLOT, for emails and for every slot's tag")
  void agreesWithRedis() {
    try (RedisServers servers = new RedisServers()) {
      RedisServers.Server redis = servers.server("--cluster-enabled", "yes", "--cluster-config-file",
          "nodes-slots-" + System.nanoTime() + ".conf");
      for (String email : new String[] {"alice@example.com", "ünïcode@exämple.org", "a", "x.y+tag@sub.example.co"}) {
        assertEquals(keyslot(redis, "p:{" + email + "}:online"), HashSlots.slot(email), email);
      }
      Set<String> tags = new HashSet<>();
      for (int slot = 0; slot < HashSlots.SLOTS; slot += 97) {
        assertEquals(slot, keyslot(redis, "p:node:n1:{" + HashSlots.tag(slot) + "}"), "slot " + slot);
        tags.add(HashSlots.tag(slot));
      }
      assertEquals(169, tags.size(), "one tag per slot");
      assertEquals("0", HashSlots.tag(HashSlots.slot("0")), "the smallest integer of its slot");
    }
  }

  @Test
  @DisplayName("an email with braces (or percent signs) keeps all its user's keys and its node's socket set in one slot")
  void bracesInAnEmailKeepOneSlot() {
    Keys keys = new Keys("p:");
    try (RedisServers servers = new RedisServers()) {
      RedisServers.Server redis = servers.server("--cluster-enabled", "yes", "--cluster-config-file",
          "nodes-braces-" + System.nanoTime() + ".conf");
      for (String email : new String[] {"a}b@x.y", "{a}@x.y", "a{b}c@x.y", "50%}@x.y", "50%7D@x.y"}) {
        int slot = keyslot(redis, keys.online(email));
        for (String key : new String[] {keys.peers(email), keys.pending(email), keys.waiting(email), keys.lastSeen(email),
            keys.nodeSockets("n1", email)}) {
          assertEquals(slot, keyslot(redis, key), email + ": " + key);
        }
      }
      assertNotEquals(keys.online("50%}@x.y"), keys.online("50%7D@x.y"), "two addresses, two keys");
    }
  }

  private static int keyslot(RedisServers.Server redis, String key) {
    return Integer.parseInt(redis.call("CLUSTER", "KEYSLOT", key).trim());
  }
}
