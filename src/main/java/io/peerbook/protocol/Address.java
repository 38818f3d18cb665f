package io.peerbook.protocol;

/**
 * Every event-bus address peerbook uses, with the body it carries. Bodies are {@link io.vertx.core.json.JsonObject}s;
 * field names are snake_case like the wire protocol. Requests fail with {@code ReplyException(code, text)} using the
 * protocol's own codes (400, 401, 404, 409, 480, 503).
 */
public enum Address {
  /**
   * {email, name, fingerprint, kind, gateway, conn, node, address, key} → {code: 200, peer: list entry}, {code: 429}
   * (too many waiting sockets of the user), or {code: 401, pending, refused, retry_after, mail}: {@code pending} false
   * when no request was recorded, {@code refused} then says why ("user": too many pending requests; "address": the
   * client address's hourly cap, {@code retry_after} seconds until it may ask again); {@code mail} (when recorded)
   * is the {@link #MAILER_NOTIFY} answer, or {mailed: "unknown" (no answer in time) | "failed", interval_seconds,
   * logged}. Records presence or a pending request. {@code key} is the connection's proven device key (base64url
   * SPKI), or null for a keyless connection.
   */
  DIRECTORY_CONNECT("peerbook.directory.connect"),
  /**
   * {email, name_key, fingerprint, conn, node} → {}, or many at once: {sockets: [{email, name_key, fingerprint, conn,
   * node}, …]} → {} once all are done. Drops each socket's presence or waiting record if it still belongs to conn.
   * Disconnects are cleared in batches; send a mass disconnect as lists rather than one request per socket.
   */
  DIRECTORY_DISCONNECT("peerbook.directory.disconnect"),
  /** {email, filter?} → {list: [entry]}: approved peers as the protocol's list entries. */
  DIRECTORY_LIST("peerbook.directory.list"),
  /**
   * {email} → {approved: [entry], pending: [pending entry]}: the whole book, for the page and the admin API. A pending
   * entry: {name, fingerprint, kind, requested_at, replaces, address, key, key_id, change: new|fingerprint|key|adds_key,
   * replaces_key_id}.
   */
  DIRECTORY_BOOK("peerbook.directory.book"),
  /** {email, target} → {name, name_key, fingerprint, gateway, conn}: where an approved, online peer is connected; fails 404 or 480. */
  DIRECTORY_ROUTE("peerbook.directory.route"),
  /** {email, name, fingerprint, properties} → {}. Merges app properties; fails 400 on a bad value or size. */
  DIRECTORY_SET_PROPERTIES("peerbook.directory.set-properties"),
  /**
   * {email, name, fingerprint, key_id?} → {}. Approves a pending request (key_id empty or absent: the keyless one) and
   * binds its key; fails 404 when there is none.
   */
  DIRECTORY_APPROVE("peerbook.directory.approve"),
  /** {email, name, fingerprint, key_id?} → {}. Rejects a pending request (as approve names it); fails 404. */
  DIRECTORY_REJECT("peerbook.directory.reject"),
  /** {email, name} → {}. Removes an approved peer; fails 404. */
  DIRECTORY_REMOVE("peerbook.directory.remove"),
  /**
   * {email, name, new_name} → {}. Renames an approved peer; fails 404, 400 (invalid) or 409 (taken, or asked for by a
   * request waiting for approval).
   */
  DIRECTORY_RENAME("peerbook.directory.rename"),
  /**
   * {email, name, fingerprint, kind?, key?, properties} → {created: bool}. Creates or updates an approved peer (admin
   * API); {@code key} (base64url SPKI) binds a device key, null removes it, absent keeps the stored one; fails 400.
   */
  DIRECTORY_PUT_PEER("peerbook.directory.put-peer"),
  /** {} → {}. Answers once Redis answers a PING. */
  DIRECTORY_READY("peerbook.directory.ready"),

  /**
   * {email} → {mailed: "now" | "earlier", since_seconds (earlier: when the interval began), interval_seconds, logged
   * (no SMTP host: the link goes to the log)}. Mails the user a link to the approval page unless mailed within the
   * interval; answers once that is decided, before the mail is sent.
   */
  MAILER_NOTIFY("peerbook.mailer.notify"),
  /** {token} → {email}. Checks a link without spending it; fails 410. */
  MAILER_LINK_CHECK("peerbook.mailer.link-check"),
  /** {token} → {email, session, csrf}. Spends a link and opens a session; fails 410. */
  MAILER_LINK_REDEEM("peerbook.mailer.link-redeem"),
  /** {session} → {email, csrf}. Looks a session up; fails 401 when unknown or expired. */
  MAILER_SESSION("peerbook.mailer.session"),
  /**
   * {email, address} → {accepted: true} or {accepted: false, retry_after: seconds}. The front door's "Email me a
   * link": counts the request against the client address's hourly cap; when accepted, mails the user a link like an
   * approval link, but only if the user has a book and was not mailed within the mail interval. The reply (sent
   * before that is decided) never says which.
   */
  MAILER_MANAGE_LINK("peerbook.mailer.manage-link"),


  /**
   * Published to every gateway of the cluster when a book or presence changes:
   * {event: online|offline|approved|renamed|removed|rejected|replaced|requested, email, ...}; see {@link BookEvent}.
   */
  BOOK_EVENTS("peerbook.book.events"),
  /**
   * Prefix of each node's relay address ({@code peerbook.relay.<node id>}), served by one relay instance of that node.
   * A batch of signaling for sockets of the node (a {@code RelayBatch}, sent with its own codec) → a batch of the
   * failures, or null when every message was written; a batch of failures of messages that node sent (no reply).
   */
  RELAY_LINK("peerbook.relay.");

  private final String address;

  Address(String address) {
    this.address = address;
  }

  public String address() {
    return address;
  }

  /** The relay address of one node. */
  public static String relay(String nodeId) {
    return RELAY_LINK.address + nodeId;
  }
}
