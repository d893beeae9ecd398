"""xconn-python (asyncio AsyncClient) peer of the wamp-rs benchmark.

Usage: python xconn_peer.py ROLE URL SERIALIZER DURATION_MS
Roles and stdout protocol are those of the Rust peer and autobahn_peer.py:
"READY" once joined (and registered/subscribed), then for measuring roles one
line "RESULT {json}" with ops, secs, cpu_us (user+sys of this process during
the measured window, from getrusage) and ok. When xconn itself cannot do what
a role asks, the peer prints "UNSUPPORTED <why>" instead of READY and exits 0;
the orchestrator shows that as n/a in the table.

Runs with the python of the xconn venv (xconn-VERSION in wamp-testkit's
cache), never the Crossbar one.
"""

import asyncio
import json
import os
import resource
import sys
import time

import xconn.transports
from wampproto import messages
from xconn import CBORSerializer, JSONSerializer, MsgPackSerializer
from xconn.async_client import connect
from xconn.types import Result

ROLE, URL, SER, DURATION_MS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SERIALIZERS = {"json": JSONSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
IN_FLIGHT = 100
PAYLOAD = os.urandom(1024 * 1024)
REGISTRATIONS = 10_000

# xconn's asyncio WebSocket transport opens connections with the websockets
# library's default 1 MiB message limit and its TransportConfig has no knob
# for it, so a 1 MiB binary argument (plus the WAMP envelope) could never come
# back. Lift it (None = unlimited) the same way autobahn_peer.py lifts
# autobahn's: the router's limit is the one that should apply.
_websocket_connect = xconn.transports.async_connect


def _unlimited_websocket_connect(*args, **kwargs):
    kwargs["max_size"] = None
    return _websocket_connect(*args, **kwargs)


xconn.transports.async_connect = _unlimited_websocket_connect


def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e6


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def read_line():
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def measured():
    say("READY")
    t0 = time.perf_counter()
    return t0, cpu_us(), t0 + DURATION_MS / 1000.0


def report(ops, t0, c0, ok=True):
    secs = time.perf_counter() - t0
    say("RESULT " + json.dumps({"ops": ops, "secs": secs, "cpu_us": cpu_us() - c0, "ok": ok}))


def unsupported_payload():
    """Why this serializer cannot carry the binary argument, or None.

    Encodes the CALL exactly as AsyncSession.call would (wampproto's
    serializer), so the answer comes from xconn itself, not from this script.
    """
    call = messages.Call(messages.CallFields(1, "bench.echo", [PAYLOAD]))
    try:
        SERIALIZERS[SER]().serialize(call)
    except Exception as e:  # whatever the serializer raises is the reason
        return "xconn %s serializer cannot encode a binary argument: %s" % (SER, e)
    return None


async def echo(invocation):
    return Result(args=invocation.args)


async def role_callee(session):
    await session.register("bench.echo", echo)
    say("READY")
    await read_line()


async def role_subscriber(session):
    state = {"n": 0, "first": None, "last": None}

    async def on_event(event):
        now = time.perf_counter()
        if state["first"] is None:
            state["first"] = now
        state["last"] = now
        state["n"] += 1

    await session.subscribe("bench.topic", on_event)
    say("READY")
    await read_line()
    secs = (state["last"] - state["first"]) if state["n"] > 1 else 0.0
    say("RESULT " + json.dumps({"ops": state["n"], "secs": secs, "cpu_us": 0.0, "ok": True}))


async def role_caller_seq(session):
    t0, c0, deadline = measured()
    n = 0
    while time.perf_counter() < deadline:
        await session.call("bench.echo", [n])
        n += 1
    report(n, t0, c0)


async def role_caller_inflight(session):
    t0, c0, deadline = measured()
    counts = [0] * IN_FLIGHT

    async def worker(i):
        while time.perf_counter() < deadline:
            await session.call("bench.echo", [i])
            counts[i] += 1

    await asyncio.gather(*(worker(i) for i in range(IN_FLIGHT)))
    report(sum(counts), t0, c0)


async def role_caller_payload(session):
    t0, c0, deadline = measured()
    n, ok = 0, True
    while n < 2 or time.perf_counter() < deadline:
        result = await session.call("bench.echo", [PAYLOAD])
        ok = ok and bool(result.args) and bytes(result.args[0]) == PAYLOAD
        n += 1
    report(n, t0, c0, ok)


async def role_publisher(session):
    t0, c0, deadline = measured()
    n = 0
    while time.perf_counter() < deadline:
        # publish() without acknowledge returns once the frame is written.
        await session.publish("bench.topic", [n])
        n += 1
    report(n, t0, c0)


async def role_register(session):
    t0, c0, _ = measured()
    await asyncio.gather(*(session.register("bench.reg.%d" % i, echo) for i in range(REGISTRATIONS)))
    report(REGISTRATIONS, t0, c0)


async def main():
    if ROLE == "caller-payload":
        why = unsupported_payload()
        if why is not None:
            say("UNSUPPORTED " + why)
            return
    role = globals().get("role_" + ROLE.replace("-", "_"))
    if role is None:
        say("ERROR unknown role %r" % ROLE)
        sys.exit(2)
    session = await connect(URL, "realm1", serializer=SERIALIZERS[SER]())
    await role(session)
    await session.leave()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # report and exit non-zero
        say("ERROR " + repr(e))
        sys.exit(1)
