"""autobahn-python (asyncio) peer of the wamp-rs benchmark.

Usage: python autobahn_peer.py ROLE URL SERIALIZER DURATION_MS
ROLE is callee, subscriber, caller-seq, caller-inflight, caller-payload,
publisher or register. The protocol on stdout is the one of the Rust peer:
"READY" once connected (and registered/subscribed), then for measuring roles
one line "RESULT {json}" with ops, secs, cpu_us (user+sys of this process
during the measured window, from getrusage) and ok.
"""

import asyncio
import json
import os
import resource
import sys
import time

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer
from autobahn.wamp.types import PublishOptions

ROLE, URL, SER, DURATION_MS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
IN_FLIGHT = 100
PAYLOAD = os.urandom(1024 * 1024)
REGISTRATIONS = 10_000


# ApplicationRunner caps WebSocket messages at 1 MiB, less than a 1 MiB binary
# argument in JSON (base64). Lift the cap (0 = unlimited), as wamp-rs has none
# below the router's.
_set_protocol_options = WampWebSocketClientFactory.setProtocolOptions


def _unlimited_protocol_options(self, **options):
    options["maxFramePayloadSize"] = 0
    options["maxMessagePayloadSize"] = 0
    return _set_protocol_options(self, **options)


WampWebSocketClientFactory.setProtocolOptions = _unlimited_protocol_options


def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e6


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def read_line():
    return await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline)


class Peer(ApplicationSession):
    async def onJoin(self, details):
        try:
            await getattr(self, "role_" + ROLE.replace("-", "_"))()
        except Exception as e:  # report and exit non-zero
            say("ERROR " + repr(e))
            os._exit(1)
        self.leave()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()

    async def role_callee(self):
        await self.register(lambda x: x, "bench.echo")
        say("READY")
        await read_line()

    async def role_subscriber(self):
        state = {"n": 0, "first": None, "last": None}

        def on_event(*args):
            now = time.perf_counter()
            if state["first"] is None:
                state["first"] = now
            state["last"] = now
            state["n"] += 1

        await self.subscribe(on_event, "bench.topic")
        say("READY")
        await read_line()
        secs = (state["last"] - state["first"]) if state["n"] > 1 else 0.0
        say("RESULT " + json.dumps({"ops": state["n"], "secs": secs, "cpu_us": 0.0, "ok": True}))

    def measured(self):
        say("READY")
        return time.perf_counter(), cpu_us(), time.perf_counter() + DURATION_MS / 1000.0

    def report(self, ops, t0, c0, ok=True):
        secs = time.perf_counter() - t0
        say("RESULT " + json.dumps({"ops": ops, "secs": secs, "cpu_us": cpu_us() - c0, "ok": ok}))

    async def role_caller_seq(self):
        t0, c0, deadline = self.measured()
        n = 0
        while time.perf_counter() < deadline:
            await self.call("bench.echo", n)
            n += 1
        self.report(n, t0, c0)

    async def role_caller_inflight(self):
        t0, c0, deadline = self.measured()
        counts = [0] * IN_FLIGHT

        async def worker(i):
            while time.perf_counter() < deadline:
                await self.call("bench.echo", i)
                counts[i] += 1

        await asyncio.gather(*(worker(i) for i in range(IN_FLIGHT)))
        self.report(sum(counts), t0, c0)

    async def role_caller_payload(self):
        t0, c0, deadline = self.measured()
        n, ok = 0, True
        while n < 2 or time.perf_counter() < deadline:
            result = await self.call("bench.echo", PAYLOAD)
            ok = ok and bytes(result) == PAYLOAD
            n += 1
        self.report(n, t0, c0, ok)

    async def role_publisher(self):
        t0, c0, deadline = self.measured()
        n = 0
        while time.perf_counter() < deadline:
            for _ in range(100):
                self.publish("bench.topic", n)
                n += 1
            await asyncio.sleep(0)  # let the transport flush
        self.report(n, t0, c0)

    async def role_register(self):
        t0, c0, _ = self.measured()
        await asyncio.gather(
            *(self.register(lambda: None, "bench.reg.%d" % i) for i in range(REGISTRATIONS))
        )
        self.report(REGISTRATIONS, t0, c0)


if __name__ == "__main__":
    ApplicationRunner(URL, "realm1", serializers=[SERIALIZERS[SER]()]).run(Peer, log_level="warn")
