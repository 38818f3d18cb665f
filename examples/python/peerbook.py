"""The connection to peerbook: it proves the device key when asked, follows the approval status, answers requests by
id, reconnects with backoff, and hands everything else to a handler in the order it came."""

import asyncio
import itertools
import json
import logging
import random
import urllib.parse

import websockets
from aiortc import RTCIceServer

REPLY_TIMEOUT = 10
MIN_DELAY = 0.5
MAX_DELAY = 30

log = logging.getLogger("peer")


class Stop(Exception):
    """Ends the run: reconnecting would not help (rejected, removed, replaced, refused)."""


class Peerbook:
    def __init__(self, url, identity, handle):
        """handle gets every message that is not a reply to a request; status 200 comes as {"approved": True}."""
        self.url = url
        self.identity = identity
        self.handle = handle
        self._ws = None
        self._ids = itertools.count(1)
        self._pending = {}

    async def run(self):
        """Connects, and reconnects after a drop with exponential backoff and full jitter (as peerbook.js does, so
        that a node's devices do not all come back at once), until a Stop."""
        attempt = 0
        while True:
            try:
                settled = await self._session()
                reason = "closed"
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as e:
                settled, reason = False, e
            attempt = 0 if settled else attempt
            delay = random.uniform(0, min(MAX_DELAY, MIN_DELAY * 2 ** attempt))
            attempt += 1
            log.info("connection lost (%s); retrying in %.3f s", reason, delay)
            await asyncio.sleep(delay)

    async def _session(self):
        """One socket from dial to close; returns whether peerbook answered with a status (approved or waiting),
        after which the backoff starts again from its shortest delay."""
        try:
            ws = await websockets.connect(f"{self.url}?{self._query()}", open_timeout=10)
        except websockets.exceptions.InvalidStatusCode as e:
            if e.status_code in (400, 403):
                raise Stop(f"peerbook refused the connection: HTTP {e.status_code}") from e
            raise
        self._ws = ws
        settled = approved = False
        try:
            async for text in ws:
                message = json.loads(text)
                if "challenge" in message:
                    await self._prove(message["challenge"])
                elif "code" in message and "id" not in message and "target" not in message:
                    settled = True
                    approved = self._status(message, approved)
                elif "id" in message and message["id"] in self._pending:
                    self._pending.pop(message["id"]).set_result(message)
                else:
                    self.handle(message)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            self._ws = None
            await ws.close()
            for waiting in self._pending.values():
                waiting.set_exception(ConnectionError("connection closed"))
            self._pending.clear()
        _stop_on(ws.close_code, ws.close_reason)
        return settled

    def _status(self, message, approved):
        """Follows the approval state; a 401 waits on the same socket for the 200 that approval brings."""
        code, text = message["code"], message.get("text", "")
        if code == 200:
            log.info("status approved")
            self.handle({"approved": True})
            return True
        if code == 401 and approved:
            raise Stop("removed from the book or another fingerprint approved: " + text)
        if code == 401:
            log.info("status waiting: %s", text)
        elif code == 403:
            raise Stop("rejected by the user: " + text)
        elif code == 503:
            log.info("status unavailable: %s", text)
        else:
            log.info("peerbook: %s %s", code, text)
        return approved

    async def _prove(self, challenge):
        """Answers the challenge peerbook sends first to a device that connects with its key. A server without
        device keys ignores the key and sends the status at once, which _session handles just the same."""
        me = self.identity
        if me.key is None:
            raise Stop("peerbook sent a challenge, but this device connected without a key")
        log.info("proving device key %s", me.key.id)
        signature = me.key.prove(challenge, me.email, me.name, me.certificate.fingerprint)
        await self.send({"command": "prove", "signature": signature})

    def _query(self):
        me = self.identity
        query = {"email": me.email, "name": me.name, "fingerprint": me.certificate.fingerprint}
        if me.kind:
            query["kind"] = me.kind
        if me.key is not None:
            query["key"] = me.key.public
        return urllib.parse.urlencode(query)

    async def send(self, message):
        if self._ws is None:
            raise ConnectionError("not connected")
        await self._ws.send(json.dumps(message))

    async def signal(self, message):
        """Sends an offer, answer or candidate; peerbook answers only a failure, which comes to the handler."""
        try:
            await self.send(message)
        except (ConnectionError, websockets.exceptions.ConnectionClosed) as e:
            log.info("could not signal %s: %s", message["target"], e)

    async def request(self, message):
        """Sends a command and waits for the reply with its id; a reply with a code of 400 or more raises."""
        request_id = f"r{next(self._ids)}"
        reply = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        try:
            await self.send({**message, "id": request_id})
            answer = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        finally:
            self._pending.pop(request_id, None)
        if answer.get("code", 0) >= 400:
            raise ConnectionError(f"peerbook answered {answer['code']} {answer.get('text')}")
        return answer

    async def ice_servers(self):
        """STUN and TURN servers with short-lived TURN credentials: ask for each connection."""
        servers = (await self.request({"command": "ice_servers"}))["ice_servers"]
        return [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
                for s in servers]

    async def get_list(self):
        return (await self.request({"command": "get_list"}))["list"]


def _stop_on(code, reason):
    """peerbook's close codes that say not to come back."""
    if code == 4401:
        raise Stop("removed from the book or no longer approved: " + reason)
    if code == 4403:
        raise Stop("rejected by the user: " + reason)
    if code == 4409:
        raise Stop("replaced by another connection of this device: " + reason)
