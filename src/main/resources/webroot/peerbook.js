// peerbook.js: the browser client of a peerbook signaling server. A dependency-free ES module.
//
//   import { Peerbook, loadCertificate, checkFingerprint } from "/peerbook.js";
//   const { certificate, fingerprint, deviceKey } = await loadCertificate();
//   const pb = new Peerbook({ url: "wss://peerbook.example.com/ws", email, name: "laptop", fingerprint, deviceKey });
//   pb.addEventListener("status", e => console.log(e.detail.state));
//   pb.connect();
//
// See docs/client.md for the whole story.

const REPLY_TIMEOUT_MS = 10000;
/** The first line of the message a device key signs to prove a connection (see the protocol's "Device keys"). */
const PROOF_CONTEXT = "peerbook-device-proof";
const EC_P256 = { name: "ECDSA", namedCurve: "P-256" };

/** Why the connection stands where it stands; `status` events carry one of these as `detail.state`. */
export const State = Object.freeze({
  CONNECTING: "connecting",
  WAITING: "waiting",       // 401: the user has been mailed a link; stay connected
  APPROVED: "approved",     // 200: may list, signal and ask for ICE servers
  REJECTED: "rejected",     // 403 / 4403: the user said no; no reconnect
  REMOVED: "removed",       // 401 + 4401 once approved: removed from the book or another device approved; no reconnect
  REFUSED: "refused",       // 401 + 4401 before approval: the key's proof failed, a device key is required, or
                            // another device was approved under this name; no reconnect
  REPLACED: "replaced",     // 4409: the same peer connected elsewhere (another tab); no reconnect
  UNAVAILABLE: "unavailable", // 503: the server cannot reach its storage; reconnects
  CLOSED: "closed",         // closed by close(), or retrying after a drop
});

/** An error the server answered a request with: `code` is the protocol's (400, 401, 404, 409, 429, 480, 503). */
export class PeerbookError extends Error {
  constructor(code, text, target) {
    super(`${code} ${text}`);
    this.name = "PeerbookError";
    this.code = code;
    this.text = text;
    this.target = target;
  }
}

/** Thrown by checkFingerprint when a remote description is not signed by the certificate peerbook vouches for. */
export class FingerprintMismatch extends Error {
  constructor(expected, actual) {
    super(`DTLS fingerprint ${actual ?? "(none)"} is not the one peerbook vouches for (${expected})`);
    this.name = "FingerprintMismatch";
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * One peer's connection to peerbook. Events (all CustomEvent, data in `detail`):
 *  - `status`: {state, code, text}
 *  - `offer` / `answer` / `candidate`: {source, fingerprint, offer|answer|candidate}
 *  - `peer_update`: the peer_update object ({name, fingerprint, online, event, …})
 *  - `error`: {code, text, target, id} for an error answering a message sent without a promise (signaling)
 */
export class Peerbook extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url       ws(s)://host/ws
   * @param {string} options.email
   * @param {string} options.name
   * @param {string} options.fingerprint  this peer's certificate fingerprint (see loadCertificate)
   * @param {DeviceKey|null} [options.deviceKey]  this device's key (see loadCertificate): proves every connection
   * @param {string} [options.kind]
   * @param {number} [options.minDelay=500]   first reconnect delay, ms
   * @param {number} [options.maxDelay=30000] longest reconnect delay, ms
   */
  constructor({ url, email, name, fingerprint, deviceKey = null, kind, minDelay = 500, maxDelay = 30000 }) {
    super();
    if (!url || !email || !name || !fingerprint) {
      throw new TypeError("url, email, name and fingerprint are required");
    }
    Object.assign(this, { url, email, name, fingerprint, deviceKey, kind, minDelay, maxDelay });
    /** The key id the user compares with the one the approval mail and page show; null without a device key. */
    this.keyId = deviceKey ? deviceKey.keyId : null;
    this.state = State.CLOSED;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
  }

  /** Opens the connection; it reconnects by itself (backoff with jitter) until close(), a rejection or a removal. */
  connect() {
    this.stopped = false;
    this.open();
  }

  /** Closes for good: no reconnect. */
  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.close(1000, "bye");
    }
    this.setState(State.CLOSED, 0, "closed");
  }

  /** The user's approved peers: [{name, fingerprint, kind, online, registration_date, last_connection, …}]. */
  async getList(filter) {
    const reply = await this.request(filter ? { command: "get_list", filter } : { command: "get_list" });
    return reply.list;
  }

  /** Merges app properties (null deletes a key). */
  async setProperties(properties) {
    await this.request({ command: "set_properties", properties });
  }

  /** ICE servers in RTCIceServer form, TURN credentials included: pass them to new RTCPeerConnection({iceServers}). */
  async iceServers() {
    return (await this.request({ command: "ice_servers" })).ice_servers;
  }

  /** The server's clock, ms. */
  async ping() {
    return (await this.request({ command: "ping" })).pong;
  }

  /** Sends an offer to a peer of the same user. Errors (404, 480, …) come as `error` events with the returned id. */
  sendOffer(target, offer) {
    return this.signal({ target, offer: plain(offer) });
  }

  /** Answers the peer that sent an offer; `fingerprint` is the one peerbook delivered with that offer. */
  sendAnswer(target, fingerprint, answer) {
    return this.signal({ target, fingerprint, answer: plain(answer) });
  }

  /** Trickles one ICE candidate (or null at the end); `fingerprint` is optional, checked like an answer's. */
  sendCandidate(target, candidate, fingerprint) {
    const message = { target, candidate: plain(candidate) };
    if (fingerprint) {
      message.fingerprint = fingerprint;
    }
    return this.signal(message);
  }

  // --- inside ---

  open() {
    clearTimeout(this.timer);
    const query = new URLSearchParams({ email: this.email, name: this.name, fingerprint: this.fingerprint });
    if (this.kind) {
      query.set("kind", this.kind);
    }
    if (this.deviceKey) {
      query.set("key", this.deviceKey.spki);
    }
    const ws = new WebSocket(`${this.url}?${query}`);
    this.ws = ws;
    this.setState(State.CONNECTING, 0, "connecting");
    let first = true;
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // A server that knows the key asks for its proof before the status; one that does not sends the status first.
      if (first && typeof message.challenge === "string") {
        this.prove(ws, message.challenge)
          .catch((error) => this.emit("error", { code: 0, text: `the device proof could not be signed: ${error}` }));
        return;
      }
      if (first && typeof message.code === "number" && message.id === undefined) {
        first = false;
        this.onStatus(message);
        return;
      }
      this.onMessage(message);
    };
    ws.onclose = (event) => this.onClose(ws, event);
  }

  /** Answers the server's challenge with the device key's signature of this connection (email, name, fingerprint). */
  async prove(ws, challenge) {
    if (!this.deviceKey) {
      return; // a challenge without a key sent: nothing to prove with; the server refuses after its timeout
    }
    const message = [PROOF_CONTEXT, challenge, this.email.trim().toLowerCase(), this.name, canonical(this.fingerprint)];
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.deviceKey.privateKey,
      new TextEncoder().encode(message.join("\n")));
    if (ws === this.ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ command: "prove", signature: base64url(signature) }));
    }
  }

  onStatus({ code, text }) {
    if (code === 200) {
      this.attempt = 0;
      this.setState(State.APPROVED, code, text);
    } else if (code === 401) {
      this.attempt = 0;
      this.setState(State.WAITING, code, text);
    } else if (code === 403) {
      this.stopped = true;
      this.setState(State.REJECTED, code, text);
    } else if (code === 503) {
      this.setState(State.UNAVAILABLE, code, text);
    }
  }

  onMessage(message) {
    if (message.id !== undefined && this.pending.has(message.id)) {
      const { resolve, reject, timer } = this.pending.get(message.id);
      this.pending.delete(message.id);
      clearTimeout(timer);
      if (typeof message.code === "number" && message.code >= 400) {
        reject(new PeerbookError(message.code, message.text, message.target));
      } else {
        resolve(message);
      }
      return;
    }
    if (message.peer_update) {
      this.emit("peer_update", message.peer_update);
    } else if (message.source !== undefined) {
      for (const type of ["offer", "answer", "candidate"]) {
        if (type in message) {
          this.emit(type, message);
        }
      }
    } else if (typeof message.code === "number") {
      if (message.id !== undefined) {
        this.emit("error", message); // an error answering a signaling message (404, 409, 480, …)
      } else if (message.code === 200 || message.code === 403) {
        this.onStatus(message); // approved while waiting, or rejected
      } else if (message.code === 401 && this.state === State.APPROVED) {
        this.stopped = true; // removed from the book, or another fingerprint approved for this name
        this.setState(State.REMOVED, message.code, message.text);
      } else {
        this.emit("error", message); // 400 / 413 / 429 for a message without an id
      }
    }
  }

  onClose(ws, event) {
    if (ws !== this.ws) {
      return;
    }
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new PeerbookError(0, "connection closed"));
    }
    this.pending.clear();
    if (this.state === State.REJECTED || this.state === State.REMOVED) {
      this.stopped = true; // already told by the status before the close
    } else if (event.code === 4403) {
      this.stopped = true;
      this.setState(State.REJECTED, 403, event.reason);
    } else if (event.code === 4401) {
      // Approved, this socket would have been told "removed" by a 401 first; a socket never approved was refused.
      this.stopped = true;
      // The 401 just before the close says why in full; the close reason is its short form.
      this.setState(this.state === State.APPROVED ? State.REMOVED : State.REFUSED, 401, this.text || event.reason);
    } else if (event.code === 4409) {
      this.stopped = true;
      this.setState(State.REPLACED, 409, event.reason);
    } else if (!this.stopped) {
      this.setState(State.CLOSED, event.code, event.reason || "connection lost");
    }
    if (!this.stopped) {
      // Exponential backoff with full jitter, so that a node's peers do not all come back at once.
      const ceiling = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
      this.attempt++;
      this.timer = setTimeout(() => this.open(), Math.random() * ceiling);
    }
  }

  request(message) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new PeerbookError(0, "not connected"));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PeerbookError(0, "no reply"));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...message, id }));
    });
  }

  signal(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new PeerbookError(0, "not connected");
    }
    const id = `s${this.nextId++}`;
    this.ws.send(JSON.stringify({ ...message, id }));
    return id;
  }

  setState(state, code, text) {
    this.state = state;
    this.text = text;
    this.emit("status", { state, code, text });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * This device's certificate for RTCPeerConnection({certificates: [certificate]}), created once and kept in
 * IndexedDB, with its SHA-256 fingerprint in peerbook's form (upper-case hex pairs joined by colons), and the device
 * key kept next to it (see loadDeviceKey; null where WebCrypto is missing: pages served over plain http other than
 * localhost).
 */
export async function loadCertificate({ database = "peerbook", key = "certificate" } = {}) {
  const certificate = await stored(database, key,
    () => RTCPeerConnection.generateCertificate(EC_P256),
    (found) => found.expires < Date.now() + 86400000);
  const deviceKey = globalThis.crypto?.subtle ? await loadDeviceKey({ database, key: key + ":device-key" }) : null;
  return { certificate, fingerprint: certificateFingerprint(certificate), deviceKey };
}

/**
 * This device's key: an ECDSA P-256 key pair made once with WebCrypto and kept in IndexedDB. Its private half is not
 * extractable: scripts can sign with it but never read it. Returns {privateKey, publicKey, spki (base64url of the
 * public key's SubjectPublicKeyInfo, as sent to peerbook), keyId (as the approval mail and page show it)}.
 */
export async function loadDeviceKey({ database = "peerbook", key = "device-key" } = {}) {
  const { privateKey, publicKey } = await stored(database, key,
    () => crypto.subtle.generateKey(EC_P256, false, ["sign", "verify"]), () => false);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", spki));
  const hex = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  return { privateKey, publicKey, spki: base64url(spki), keyId: hex.match(/..../g).join("-") };
}

/**
 * The value kept under `key` in the database's "keys" store, made by `create` when there is none or `stale(value)`.
 * Tabs of one browser share the store: a tab whose new value was beaten to the store by another tab's takes that
 * one, so that all of them keep one identity.
 */
async function stored(database, key, create, stale) {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(database, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  // One transaction: the value read is the one kept, whatever another tab does meanwhile.
  const transact = (mode, action) => new Promise((resolve, reject) => {
    const transaction = db.transaction("keys", mode);
    let result;
    transaction.objectStore("keys").get(key).onsuccess = ({ target }) => {
      result = action(transaction.objectStore("keys"), target.result);
    };
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });
  const fresh = (value) => value !== undefined && !stale(value);
  try {
    const found = await transact("readonly", (store, value) => value);
    if (fresh(found)) {
      return found;
    }
    // Made outside any transaction: one stays open only while it has requests pending.
    const made = await create();
    return await transact("readwrite", (store, value) => {
      if (fresh(value)) {
        return value;
      }
      store.put(made, key);
      return made;
    });
  } finally {
    db.close();
  }
}

/** The SHA-256 fingerprint of an RTCCertificate in peerbook's form. */
export function certificateFingerprint(certificate) {
  const sha256 = certificate.getFingerprints().find((f) => f.algorithm.toLowerCase() === "sha-256");
  if (!sha256) {
    throw new Error("the certificate has no SHA-256 fingerprint");
  }
  return canonical(sha256.value);
}

/** The DTLS fingerprint an SDP announces (its first a=fingerprint line), in peerbook's form, or null. */
export function sdpFingerprint(sdp) {
  const line = /^a=fingerprint:\S+\s+([0-9A-Fa-f:]+)\s*$/m.exec(sdp ?? "");
  return line ? canonical(line[1]) : null;
}

/**
 * Refuses a remote description whose DTLS fingerprint is not the one peerbook delivered with it: call it before
 * setRemoteDescription, so that only the approved device's certificate can complete the connection.
 */
export function checkFingerprint(description, expected) {
  const actual = sdpFingerprint(description?.sdp);
  if (actual === null || actual !== canonical(expected)) {
    throw new FingerprintMismatch(expected, actual);
  }
  return description;
}

function canonical(value) {
  const hex = String(value).replace(/^\S+\s+/, "").replace(/:/g, "").toUpperCase();
  return hex.match(/../g).join(":");
}

function base64url(bytes) {
  const binary = String.fromCharCode(...new Uint8Array(bytes));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function plain(value) {
  // RTCSessionDescription and RTCIceCandidate serialize through toJSON; JSON.stringify does that anyway.
  return value && typeof value.toJSON === "function" ? value.toJSON() : value;
}
