// The demo page: each tab is a device of one user; two of them chat over a data channel set up through peerbook.
import { Peerbook, State, loadCertificate, checkFingerprint } from "/peerbook.js";

// Each tab keeps its own device (email and name, hence certificate and key) across reloads; the email is shared, so a
// second tab starts with it filled in.
const TAB_DEVICE = "peerbook-demo:device"; // sessionStorage
const LAST_EMAIL = "peerbook-demo:email"; // localStorage
// How long a tab waits for another tab of this browser to let go of a device name: a reloading tab's own old page
// may still hold it for a moment.
const CLAIM_WAIT_MS = 1500;

const $ = (id) => document.getElementById(id);
let peerbook = null;
let certificate = null;
let myName = null;
let claimed = null; // {lock, release}: this tab's hold on its device among the tabs of this browser
let peers = [];
let link = null; // {remote, fingerprint, pc, channel, candidates queued until the remote description is set}

const saved = JSON.parse(sessionStorage.getItem(TAB_DEVICE) ?? "null");
$("email").value = saved?.email ?? localStorage.getItem(LAST_EMAIL) ?? "";
$("name").value = saved?.name ?? freshName();
if (saved) {
  join(saved.email, saved.name).catch(say);
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  join($("email").value.trim(), $("name").value.trim()).catch(say);
});

async function join(email, name) {
  peerbook?.close();
  peerbook = null;
  // Two tabs of one browser share its storage: under one name they would be one device (one certificate, one key),
  // and each connection would throw the other out. So a name is held by one tab at a time.
  if (!(await claim(email, name))) {
    const other = freshName();
    $("name").value = other;
    showStatus("not connected", `another tab of this browser is already device “${name}” of ${email}: press Join `
      + `to join as “${other}”, or type another name`);
    return;
  }
  sessionStorage.setItem(TAB_DEVICE, JSON.stringify({ email, name }));
  localStorage.setItem(LAST_EMAIL, email);
  myName = name;
  const loaded = await loadCertificate({ key: "certificate:" + name });
  certificate = loaded.certificate;
  $("fingerprint").textContent = loaded.fingerprint;
  $("key-id").textContent = loaded.deviceKey?.keyId ?? "none: device keys need https (or localhost)";
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  peerbook = new Peerbook({ url, email, name, fingerprint: loaded.fingerprint, deviceKey: loaded.deviceKey,
    kind: "demo" });
  peerbook.addEventListener("status", ({ detail }) => {
    // A code is the server's (0 when the client speaks): its own words are shown, not a paraphrase.
    showStatus(detail.state, detail.code && detail.text !== detail.state ? `the server says: “${detail.text}”` : "");
    if (detail.state === State.APPROVED) {
      refresh();
    }
  });
  peerbook.addEventListener("peer_update", refresh);
  peerbook.addEventListener("offer", ({ detail }) => answer(detail).catch(say));
  peerbook.addEventListener("answer", ({ detail }) => accept(detail).catch(say));
  peerbook.addEventListener("candidate", ({ detail }) => candidate(detail).catch(say));
  peerbook.addEventListener("error", ({ detail }) => say(`peerbook: ${detail.code} ${detail.text}`));
  peerbook.connect();
}

/** Holds this device's name among the tabs of this browser (Web Locks: none over plain http but on localhost). */
async function claim(email, name) {
  const lock = `peerbook-demo:${email.toLowerCase()}/${name.toLowerCase()}`; // names compare case-insensitively
  if (claimed?.lock === lock || !navigator.locks) {
    return true;
  }
  claimed?.release();
  claimed = null;
  const held = await new Promise((resolve) => {
    navigator.locks.request(lock, { signal: AbortSignal.timeout(CLAIM_WAIT_MS) },
      () => new Promise((release) => resolve(release)))
      .catch(() => resolve(null));
  });
  claimed = held && { lock, release: held };
  return Boolean(held);
}

function freshName() {
  return `tab-${Math.floor(1000 + Math.random() * 9000)}`;
}

function showStatus(state, said) {
  $("status").textContent = state;
  $("said").textContent = said;
}

$("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (link?.channel?.readyState === "open" && text) {
    link.channel.send(text);
    say(`me: ${text}`);
    $("message").value = "";
  }
});

async function refresh() {
  peers = await peerbook.getList();
  const list = $("peers");
  list.replaceChildren(...peers.map((peer) => {
    const item = document.createElement("li");
    const dot = document.createElement("span");
    dot.className = peer.online ? "dot online" : "dot";
    dot.setAttribute("aria-label", peer.online ? "online" : "offline");
    item.append(dot, `${peer.name} `);
    if (peer.name !== myName && peer.online) {
      const button = document.createElement("button");
      button.textContent = `Connect to ${peer.name}`;
      button.addEventListener("click", () => call(peer).catch(say));
      item.append(button);
    }
    return item;
  }));
}

async function open(remote, fingerprint) {
  link?.pc?.close();
  // The link exists before any await: candidates that arrive meanwhile are queued on it, not lost.
  // Local candidates are held until our offer or answer is on its way: sent before it, they would reach a peer that
  // does not know this connection yet.
  const entry = { remote, fingerprint, pc: null, channel: null, candidates: [], received: 0, outgoing: [] };
  link = entry;
  $("remote").textContent = remote;
  $("verified").textContent = "";
  $("candidates").textContent = "0";
  const iceServers = await peerbook.iceServers();
  const pc = new RTCPeerConnection({ certificates: [certificate], iceServers });
  entry.pc = pc;
  pc.addEventListener("icecandidate", ({ candidate }) => {
    if (!candidate) {
      return;
    }
    if (entry.outgoing) {
      entry.outgoing.push(candidate.toJSON());
    } else {
      peerbook.sendCandidate(remote, candidate.toJSON(), fingerprint);
    }
  });
  pc.addEventListener("datachannel", ({ channel }) => wire(channel));
  return pc;
}

/** The initiator: offers to a peer of the list, whose fingerprint peerbook vouches for. */
async function call(peer) {
  const pc = await open(peer.name, peer.fingerprint);
  wire(pc.createDataChannel("chat"));
  // The description as created holds no candidate: every candidate goes through peerbook, trickled.
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  peerbook.sendOffer(peer.name, offer);
  release();
}

/** Sends the local candidates held back until the offer or answer was sent, and the later ones at once. */
function release() {
  const held = link.outgoing;
  link.outgoing = null;
  held.forEach((candidate) => peerbook.sendCandidate(link.remote, candidate, link.fingerprint));
}

/** The answerer: only a description signed by the certificate peerbook vouches for is accepted. */
async function answer({ source, fingerprint, offer }) {
  try {
    checkFingerprint(offer, fingerprint);
  } catch (mismatch) {
    refused(source, mismatch);
    return;
  }
  const pc = await open(source, fingerprint);
  await pc.setRemoteDescription(offer);
  await flush();
  const description = await pc.createAnswer();
  await pc.setLocalDescription(description);
  peerbook.sendAnswer(source, fingerprint, description);
  release();
}

async function accept({ source, fingerprint, answer: description }) {
  if (link?.remote !== source) {
    return;
  }
  try {
    checkFingerprint(description, link.fingerprint);
    checkFingerprint(description, fingerprint);
  } catch (mismatch) {
    refused(source, mismatch);
    return;
  }
  await link.pc.setRemoteDescription(description);
  await flush();
}

async function candidate({ source, candidate: init }) {
  if (link?.remote !== source || !init) {
    return;
  }
  $("candidates").textContent = String(++link.received);
  if (link.pc?.remoteDescription) {
    await link.pc.addIceCandidate(init);
  } else {
    link.candidates.push(init);
  }
}

async function flush() {
  for (const init of link.candidates.splice(0)) {
    await link.pc.addIceCandidate(init);
  }
}

function wire(channel) {
  link.channel = channel;
  channel.addEventListener("open", () => {
    const fingerprint = document.createElement("code");
    fingerprint.className = "fp";
    fingerprint.textContent = link.fingerprint;
    $("verified").replaceChildren("verified fingerprint ", fingerprint);
    $("verified").className = "ok";
    say(`connected to ${link.remote}`);
  });
  channel.addEventListener("message", ({ data }) => say(`${link.remote}: ${data}`));
}

function refused(source, mismatch) {
  $("verified").textContent = `refused ${source}: ${mismatch.message}`;
  $("verified").className = "bad";
  say(`refused ${source}: fingerprint mismatch`);
  link?.pc?.close();
  link = null;
}

function say(text) {
  const item = document.createElement("li");
  item.textContent = String(text);
  $("log").append(item);
}
