"""peer.py: a device of a peerbook address book on aiortc. It keeps its certificate and device key in files,
connects to peerbook, waits for the user's approval, and then calls a device of the book, or answers the devices that
call it, over a data channel: a line chat on stdin/stdout, or an echo. Run it with Debian's /usr/bin/python3.

It accepts a remote description only if its DTLS fingerprint is the one peerbook stamped on the message, so that
only the certificate the user approved can complete a connection, whoever relays or forges signaling."""

import argparse
import asyncio
import datetime
import functools
import logging
import re
import sys
import threading

import aioice
import aioice.ice
import aioice.stun
import aiortc.rtcicetransport
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from identity import Certificate, DeviceKey, Identity, canonical
from peerbook import Peerbook, Stop

log = logging.getLogger("peer")

FINGERPRINT_LINE = re.compile(r"^a=fingerprint:\S+\s+([0-9A-Fa-f:]+)\s*$", re.M)
MID_LINE = re.compile(r"^a=mid:(\S+)\s*$", re.M)
CANDIDATE_TYPE = re.compile(r"^a=candidate:.* typ (\w+)", re.M)


class Refused(Exception):
    pass


def check_fingerprint(sdp, expected):
    """Refuses a description unless every a=fingerprint line in it is the expected fingerprint. (The browser's
    checkFingerprint looks at the first line; DTLS stacks differ in which line they use, so all must agree.)"""
    lines = FINGERPRINT_LINE.findall(sdp or "")
    if not lines:
        raise Refused("the description has no a=fingerprint")
    for line in lines:
        if canonical(line) != canonical(expected):
            raise Refused(f"DTLS fingerprint {canonical(line)} is not the one peerbook vouches for "
                          f"({canonical(expected)})")


class Link:
    """One WebRTC connection to one remote device, with the remote candidates that came before its description.
    aiortc 1.4 does not trickle its own candidates: they are all in its offer or answer."""

    def __init__(self, remote, fingerprint, pc):
        self.remote = remote
        self.fingerprint = canonical(fingerprint)  # the remote device's, as peerbook vouches for it
        self.pc = pc
        self.early = []

    async def describe(self, description):
        """Sets the local description, which is when aiortc gathers its candidates."""
        try:
            await self.pc.setLocalDescription(description)
        except aioice.stun.TransactionFailed as e:
            # aioice fails the whole gathering, host candidates too, when the TURN server refuses the credentials.
            raise ConnectionError(f"gathering failed: {e}") from e

    def description(self):
        d = self.pc.localDescription
        types = CANDIDATE_TYPE.findall(d.sdp)
        log.info("gathered %d candidates: host %d, srflx %d, relay %d", len(types), types.count("host"),
                 types.count("srflx"), types.count("relay"))
        return {"type": d.type, "sdp": d.sdp}

    async def add(self, init):
        if self.pc.remoteDescription is None:
            self.early.append(init)
        else:
            await self.pc.addIceCandidate(self._candidate(init))

    async def add_early(self):
        for init in self.early:
            await self.pc.addIceCandidate(self._candidate(init))
        self.early = []

    def _candidate(self, init):
        candidate = candidate_from_sdp(init["candidate"].split(":", 1)[1])
        candidate.sdpMLineIndex = init.get("sdpMLineIndex") or 0
        # aiortc finds the transport by mid only; pion sends an empty mid with the m-line index.
        candidate.sdpMid = init.get("sdpMid") or MID_LINE.findall(self.pc.remoteDescription.sdp)[candidate.sdpMLineIndex]
        return candidate

    def pair(self):
        """The types of the selected candidate pair, e.g. "local relay, remote relay" (aioice has no public API)."""
        try:
            nominated = self.pc.sctp.transport.transport._connection._nominated[1]
            return f"local {nominated.local_candidate.type}, remote {nominated.remote_candidate.type}"
        except (AttributeError, KeyError):
            return "no selected candidate pair"


class Chat:
    """Each message received is printed as "<device>: <text>" on stdout; lines of stdin go to the other device, or,
    as an echo, each message goes back as it came."""

    def __init__(self, echo):
        self.echo = echo
        self.channel = None

    def wire(self, channel, link):
        def opened():
            self.channel = channel
            log.info("connected to %s, fingerprint verified %s (%s)", link.remote, link.fingerprint, link.pair())

        def received(text):
            print(f"{link.remote}: {text}", flush=True)
            if self.echo:
                channel.send(text)

        def closed():
            if self.channel is channel:
                self.channel = None
            log.info("channel to %s closed", link.remote)

        channel.on("message", received)
        channel.on("close", closed)
        # An answerer's channel is open when aiortc hands it over.
        if channel.readyState == "open":
            opened()
        else:
            channel.on("open", opened)

    def say(self, text):
        if self.channel is None or self.channel.readyState != "open":
            log.info("not connected: %r not sent", text)
        else:
            self.channel.send(text)


class Agent:
    """Handles peerbook's messages one at a time, in its own task: a handler may wait for a reply from peerbook,
    which the reading task delivers meanwhile."""

    def __init__(self, certificate, call, answer_from, chat):
        self.certificate = certificate
        self.call = call
        self.answer_from = answer_from
        self.chat = chat
        self.peerbook = None
        self.link = None
        self.inbox = asyncio.Queue()

    def handle(self, message):
        self.inbox.put_nowait(message)

    async def loop(self):
        while True:
            message = await self.inbox.get()
            try:
                await self.dispatch(message)
            except Refused as e:
                log.info("refused %s: %s", message.get("source"), e)
            except Exception as e:  # one failed message must not stop the device
                log.info("%s: %s", type(e).__name__, e)

    async def dispatch(self, m):
        if m.get("approved"):
            await self.call_if_online()
        elif "peer_update" in m:
            await self.update(m["peer_update"])
        elif "offer" in m:
            await self.answer(m["source"], m["fingerprint"], m["offer"])
        elif "answer" in m:
            await self.accept(m["source"], m["fingerprint"], m["answer"])
        elif "candidate" in m:
            await self.candidate(m["source"], m["candidate"])
        elif "code" in m:
            log.info("peerbook: %s %s", m["code"], m.get("text"))

    async def call_if_online(self):
        """Calls the device to call once this one is approved, also after a reconnect to peerbook, unless the
        connection to it still works: peer-to-peer traffic does not depend on the socket to peerbook. "disconnected"
        counts as working: ICE goes back to connected by itself; only "failed" and "closed" are final."""
        if not self.call:
            return
        link = self.link
        if link and link.remote.lower() == self.call.lower() and link.pc.connectionState in ("connected", "disconnected"):
            log.info("still connected to %s: no new call", link.remote)
            return
        for entry in await self.peerbook.get_list():
            if entry["name"].lower() == self.call.lower() and entry["online"]:
                await self.dial(entry)
                return
        log.info("waiting for %s to come online", self.call)

    async def update(self, u):
        """Follows the device this one talks to: the connection ends when that device leaves, and the device to
        call is called when it comes online (again: it may have restarted), unless a call to it is under way."""
        log.info("peer %s: %s", u["name"], u["event"])
        linked = self.link is not None and self.link.remote.lower() == u["name"].lower()
        if linked and not u["online"]:
            await self.close()
            linked = False
        if self.call and u["name"].lower() == self.call.lower() and u["online"] and not linked:
            await self.dial(u)

    async def dial(self, remote):
        """Offers a connection to a device of the book, whose fingerprint peerbook vouches for."""
        log.info("calling %s", remote["name"])
        link = await self.open(remote["name"], remote["fingerprint"])
        self.chat.wire(link.pc.createDataChannel("chat"), link)
        await link.describe(await link.pc.createOffer())
        await self.peerbook.signal({"target": remote["name"], "offer": link.description()})

    async def answer(self, source, fingerprint, offer):
        if self.answer_from and source.lower() != self.answer_from.lower():
            log.info("ignoring an offer from %s: answering %s only", source, self.answer_from)
            return
        check_fingerprint(offer["sdp"], fingerprint)
        link = await self.open(source, fingerprint)
        link.pc.on("datachannel", lambda channel: self.chat.wire(channel, link))
        await link.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
        await link.add_early()
        await link.describe(await link.pc.createAnswer())
        await self.peerbook.signal({"target": source, "fingerprint": fingerprint, "answer": link.description()})

    async def accept(self, source, fingerprint, answer):
        """The answer must carry the fingerprint of the device called, as the book listed it and as peerbook
        stamped it on the answer."""
        link = self.link
        if link is None or link.remote.lower() != source.lower():
            return
        try:
            check_fingerprint(answer["sdp"], link.fingerprint)
            check_fingerprint(answer["sdp"], fingerprint)
        except Refused:
            await self.close()
            raise
        await link.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        await link.add_early()

    async def candidate(self, source, init):
        link = self.link
        if link is None or link.remote.lower() != source.lower() or not init or not init.get("candidate"):
            return
        await link.add(init)

    async def open(self, remote, fingerprint):
        """Replaces the current connection with a new one to this device."""
        await self.close()
        # Always the servers peerbook hands out (maybe none): aiortc's default STUN server may be out of reach.
        pc = RTCPeerConnection(RTCConfiguration(iceServers=await self.peerbook.ice_servers()))
        # aiortc 1.4 takes no certificate: it makes a new one per connection. The device's takes its place.
        pc._RTCPeerConnection__certificates = [self.certificate.rtc]
        pc.on("connectionstatechange", lambda: log.info("connection to %s: %s", remote, pc.connectionState))
        self.link = Link(remote, fingerprint, pc)
        return self.link

    async def close(self):
        if self.link is not None:
            link, self.link = self.link, None
            await link.pc.close()


def relay_only():
    """aiortc 1.4 has no iceTransportPolicy; its ICE library (aioice) has one, set here for every connection."""
    aiortc.rtcicetransport.Connection = functools.partial(aioice.Connection,
                                                          transport_policy=aioice.TransportPolicy.RELAY)


def with_loopback():
    """aioice leaves 127.0.0.1 out of its host candidates; tests on one machine without a network need it."""
    addresses = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: (
        (["127.0.0.1"] if use_ipv4 else []) + addresses(use_ipv4, use_ipv6))


def read_lines(loop, chat):
    for line in sys.stdin:
        loop.call_soon_threadsafe(chat.say, line.rstrip("\n"))


async def run(args, identity):
    chat = Chat(args.echo)
    agent = Agent(identity.certificate, args.call, args.answer_from, chat)
    agent.peerbook = Peerbook(args.url, identity, agent.handle)
    handling = asyncio.create_task(agent.loop())
    if not args.echo:
        threading.Thread(target=read_lines, args=(asyncio.get_running_loop(), chat), daemon=True).start()
    try:
        await agent.peerbook.run()
    finally:
        handling.cancel()
        await agent.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="ws://localhost:8080/ws", help="peerbook's WebSocket endpoint")
    parser.add_argument("--email", required=True, help="the user whose book this device belongs to")
    parser.add_argument("--name", required=True, help="this device's name in the book")
    parser.add_argument("--kind", help="an optional label for the book, such as server")
    parser.add_argument("--cert", default="certificate.pem",
                        help="the certificate file, created on first use; its fingerprint is the device's identity")
    parser.add_argument("--device-key", default="device-key.pem", help="the device key file, created on first use")
    parser.add_argument("--no-key", action="store_true", help="connect without a device key (fingerprint only)")
    parser.add_argument("--identity", action="store_true",
                        help="print the fingerprint and device key, then exit (to provision the device beforehand)")
    parser.add_argument("--call", help="call this device of the book when it is online")
    parser.add_argument("--from", dest="answer_from",
                        help="answer calls from this device only (default: any device of the book)")
    parser.add_argument("--echo", action="store_true", help="send every message back instead of chatting")
    parser.add_argument("--relay", action="store_true",
                        help="relay-only ICE: connect through the TURN server peerbook hands out, never directly")
    parser.add_argument("--loopback", action="store_true",
                        help="also offer loopback candidates (both devices on one machine without a network)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s.%(msecs)03d %(message)s",
                        datefmt="%H:%M:%S")
    log.setLevel(logging.INFO)

    certificate = Certificate(args.cert)
    print(f"fingerprint {certificate.fingerprint}", flush=True)
    if certificate.not_after - datetime.datetime.now(datetime.timezone.utc) < datetime.timedelta(days=30):
        log.warning("the certificate expires on %s: remove %s to make a new one (the user approves its fingerprint "
                    "again)", certificate.not_after.date(), args.cert)
    key = None
    if not args.no_key:
        key = DeviceKey(args.device_key)
        print(f"device key id {key.id}", flush=True)
        print(f"device key {key.public}", flush=True)
    if args.identity:
        return
    if args.relay:
        relay_only()
    if args.loopback:
        with_loopback()
    try:
        asyncio.run(run(args, Identity(args.email, args.name, args.kind, certificate, key)))
    except Stop as e:
        log.error("stopped: %s", e)
        sys.exit(1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
