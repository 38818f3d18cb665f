package io.peerbook.redis;

/**
 * Redis key names. All keys of one user share the hash tag {@code {email}} so that multi-key scripts work on
 * Redis Cluster; the prefix lets several deployments (or test runs) share one Redis.
 */
public final class Keys {
  private final String prefix;

  public Keys(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** Hash: name key → peer record JSON {name, fingerprint, kind, properties, registration_date, key?, key_id?}. */
  public String peers(String email) {
    return user(email, "peers");
  }

  /** Hash: name key → last_connection (ISO-8601). */
  public String lastSeen(String email) {
    return user(email, "last");
  }

  /**
   * Hash: request field ({@link #requestField}) → pending request JSON {name, fingerprint, kind, requested_at,
   * replaces, address, key, key_id, change, replaces_key_id}.
   */
  public String pending(String email) {
    return user(email, "pending");
  }

  /** Hash: name key → location JSON {fingerprint, node, gateway, conn, since} of the approved, connected socket. */
  public String online(String email) {
    return user(email, "online");
  }

  /** Hash: request field ({@link #requestField}) → location JSON of a socket waiting for approval. */
  public String waiting(String email) {
    return user(email, "waiting");
  }

  /** String with a TTL: set while the user may not be mailed again. */
  public String mailed(String email) {
    return user(email, "mailed");
  }

  /** String with a TTL: the email an approval link (by its SHA-256) opens. */
  public String link(String tokenHash) {
    return prefix + "link:" + tokenHash;
  }

  /** String with a TTL: session JSON {email, csrf} by the SHA-256 of the session id. */
  public String session(String idHash) {
    return prefix + "session:" + idHash;
  }

  /** String with a TTL: how many new pending requests a client address (or IPv6 /64) caused in the current hour. */
  public String requestsFrom(String address) {
    return prefix + "from:" + address;
  }

  /**
   * Sorted set: node id → time (ms) it last registered, of every node that has not been cleaned up after. It and
   * the heartbeats share the hash tag {@code {nodes}}, so one pipeline reads them all on Redis Cluster too.
   */
  public String nodes() {
    return prefix + "{nodes}";
  }

  /** String with a TTL, renewed while the node lives: its heartbeat JSON {node, cluster, host, http_port, pid, beat}. */
  public String heartbeat(String nodeId) {
    return prefix + "{nodes}:alive:" + nodeId;
  }

  /**
   * Hash: node id → its latest heartbeat JSON, kept after the heartbeat lapses until the node is cleaned up after, so
   * that the survivor can say whose records it clears.
   */
  public String nodeInfo() {
    return prefix + "{nodes}:info";
  }

  /** String with a TTL: the node clearing a dead node's records, so that one survivor does it. */
  public String reaping(String nodeId) {
    return prefix + "{nodes}:reaping:" + nodeId;
  }

  /**
   * Set of {@link #socket} members: the sockets of node {@code nodeId} whose user's keys are in hash slot
   * {@code slot}, so that a survivor finds them when the node dies. It shares its slot with those users' keys
   * ({@link HashSlots#tag}): the connect and disconnect scripts keep it with the presence they write.
   */
  public String nodeSockets(String nodeId, int slot) {
    return prefix + "node:" + nodeId + ":{" + HashSlots.tag(slot) + "}";
  }

  /** {@link #nodeSockets} of the slot of this user's keys. */
  public String nodeSockets(String nodeId, String email) {
    return nodeSockets(nodeId, HashSlots.slot(tag(email)));
  }

  /** A socket in {@link #nodeSockets}: {@code <email>\n<conn>}. */
  public static String socket(String email, String conn) {
    return email + "\n" + conn;
  }

  /**
   * The field of a pending request or waiting socket: one per name, fingerprint and device key
   * ({@code <name key>\n<fingerprint>}, plus {@code \n<key id>} for a request with a key). A keyless request and a
   * keyed one of the same name and fingerprint are two requests.
   */
  public static String requestField(String nameKey, String fingerprint, String keyId) {
    return keyId == null || keyId.isEmpty() ? nameKey + "\n" + fingerprint : nameKey + "\n" + fingerprint + "\n" + keyId;
  }

  private String user(String email, String what) {
    return prefix + "{" + tag(email) + "}:" + what;
  }

  /**
   * A user's hash tag: the address, with any {@code }} written {@code %7D} ({@code %} as {@code %25}, so two addresses
   * never share one). Redis Cluster hashes what lies between the first {@code {} and the next {@code }}: a brace in
   * the address (which an email may hold) would cut the tag short, and the user's keys would not share a slot with
   * what {@link HashSlots#slot} computes for them.
   */
  static String tag(String email) {
    return email.indexOf('}') < 0 && email.indexOf('%') < 0 ? email : email.replace("%", "%25").replace("}", "%7D");
  }
}
