// The demo page: two tabs, two devices of one user, a data channel through peerbook's signaling.
import { Peerbook, State, loadCertificate, checkFingerprint } from "/peerbook.js";

const $ = (id) => document.getElementById(id);
let peerbook = null;
let certificate = null;
let myName = null;
let peers = [];
let link = null; // {remote, fingerprint, pc, channel, candidates queued until the remote description is set}

$("join").addEventListener("submit", async (event) => {
  event.preventDefault();
  myName = $("name").value.trim();
  const loaded = await loadCertificate({ key: "certificate:" + myName });
  certificate = loaded.certificate;
  $("fingerprint").textContent = loaded.fingerprint;
  peerbook?.close();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  peerbook = new Peerbook({ url, email: $("email").value.trim(), name: myName, fingerprint: loaded.fingerprint, kind: "demo" });
  peerbook.addEventListener("status", ({ detail }) => {
    $("status").textContent = {
      [State.WAITING]: "waiting for approval: check your mail",
      [State.APPROVED]: "approved",
      [State.REJECTED]: "rejected",
      [State.REMOVED]: "removed from the book",
      [State.REPLACED]: "replaced by another tab",
    }[detail.state] ?? detail.state;
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
});

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
  $("remote").textContent = remote;
  $("verified").textContent = "";
  $("candidates").textContent = "0";
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
    $("verified").textContent = `verified fingerprint ${link.fingerprint}`;
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
