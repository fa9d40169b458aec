#!/usr/bin/env python3
"""loadconn.py - many mutual-TLS connections to refgwd at once (asyncio, stdlib only).

    loadconn.py hold PORT CERTDIR --orgs A,B --count N [--release FILE] [--status FILE]
        Opens N connections (orgs in turn), each proven admitted by one
        GET /v1/health, and holds them open. Writes the status JSON to
        --status once all are tried, then waits until --release exists (or
        --hold seconds), asks GET /v1/health again on every held connection,
        and closes them. The final JSON goes to stdout.
    loadconn.py churn PORT CERTDIR --orgs A,B --seconds S [--concurrency C]
        For S seconds, C workers each loop: connect, handshake, then at random
        drop at once, drop after half a request, or ask GET /v1/health and
        drop. Prints counts as JSON.
    loadconn.py probe PORT CERTDIR --orgs A --count N
        N connections one after the other with a 5 s limit each: how many
        were admitted (an answer to GET /v1/health), how many refused, and
        the slowest refusal.
    loadconn.py flood PORT CERTDIR --count N [--release FILE] [--status FILE]
        Holds N TCP connections that never send a byte (no TLS), from one
        address, and opens a new one whenever the server closes one (at most
        --reopen-rate a second), as an attacker keeping max_connections full
        would. Writes the status JSON to --status once all N were tried, then
        holds until --release exists (or --hold seconds). For each close by
        the server it notes the connection's rank: how many of the flood's
        connections still open had been opened before it (0: the oldest
        went). Prints counts, ranks, lifetimes and how many were held.
        TCP keepalive probes (no byte of the stream) find connections the
        server never had: when its accept queue is full it answers SYNs
        with cookies and drops the final ACK, which leaves the client a
        connection that only a reset ends; those are opened again, not
        counted as closes ("lost").
"""
import argparse
import asyncio
import bisect
import json
import os
import random
import socket
import ssl
import sys
import time

REQUEST = b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


def context(certdir, org):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(certdir, "ca.crt"))
    ctx.load_cert_chain(os.path.join(certdir, org + ".crt"), os.path.join(certdir, org + ".key"))
    return ctx


async def read_answer(reader):
    """Status of one HTTP answer with a Content-Length, or raises."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def ask(reader, writer):
    writer.write(REQUEST)
    await writer.drain()
    return await read_answer(reader)


def kind(e):
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    if isinstance(e, (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError,
                      ssl.SSLEOFError)):
        return "closed"
    if isinstance(e, ssl.SSLError):
        return "tls"
    if isinstance(e, OSError):
        return "connect"
    return type(e).__name__


async def open_admitted(port, ctx, timeout=30):
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"),
        timeout)
    status = await asyncio.wait_for(ask(reader, writer), timeout)
    if status != 200:
        writer.close()
        raise RuntimeError("status %d" % status)
    return reader, writer


async def hold(a):
    ctxs = [context(a.certdir, o) for o in a.orgs.split(",")]
    sem = asyncio.Semaphore(a.concurrency)
    conns, errors = [], {}
    t0 = time.monotonic()

    async def one(i):
        async with sem:
            try:
                conns.append(await open_admitted(a.port, ctxs[i % len(ctxs)]))
            except Exception as e:  # noqa: BLE001 - counted by kind
                errors[kind(e)] = errors.get(kind(e), 0) + 1

    await asyncio.gather(*(one(i) for i in range(a.count)))
    status = {"open": len(conns), "errors": errors, "seconds": round(time.monotonic() - t0, 1)}
    if a.status:
        with open(a.status + ".tmp", "w") as f:
            json.dump(status, f)
        os.rename(a.status + ".tmp", a.status)
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline and not (a.release and os.path.exists(a.release)):
        await asyncio.sleep(0.1)

    # Are the held connections still served?
    again = {"ok": 0}

    async def recheck(reader, writer):
        try:
            s = await asyncio.wait_for(ask(reader, writer), 30)
            key = "ok" if s == 200 else "http_%d" % s
        except Exception as e:  # noqa: BLE001
            key = kind(e)
        again[key] = again.get(key, 0) + 1

    sem2 = asyncio.Semaphore(500)

    async def guarded(c):
        async with sem2:
            await recheck(*c)

    await asyncio.gather(*(guarded(c) for c in conns))
    for _, w in conns:
        w.close()
    status["recheck"] = again
    print(json.dumps(status), flush=True)


async def churn(a):
    ctxs = [context(a.certdir, o) for o in a.orgs.split(",")]
    counts = {"cycles": 0, "answered": 0}
    deadline = time.monotonic() + a.seconds

    async def worker(w):
        rnd = random.Random(w)
        while time.monotonic() < deadline:
            ctx = ctxs[rnd.randrange(len(ctxs))]
            how = rnd.choice(["drop", "half", "ask"])
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(
                    "127.0.0.1", a.port, ssl=ctx, server_hostname="localhost"), 10)
                if how == "half":
                    writer.write(REQUEST[:20])
                    await writer.drain()
                elif how == "ask":
                    if await asyncio.wait_for(ask(reader, writer), 10) == 200:
                        counts["answered"] += 1
                writer.transport.abort()  # no close_notify: the rudest drop
                counts["cycles"] += 1
            except Exception as e:  # noqa: BLE001
                counts[kind(e)] = counts.get(kind(e), 0) + 1

    await asyncio.gather(*(worker(w) for w in range(a.concurrency)))
    print(json.dumps(counts), flush=True)


async def probe(a):
    ctx = context(a.certdir, a.orgs.split(",")[0])
    result = {"admitted": 0, "refused": 0, "slowest_refusal": 0.0}
    for _ in range(a.count):
        t = time.monotonic()
        try:
            reader, writer = await open_admitted(a.port, ctx, timeout=5)
            result["admitted"] += 1
            writer.close()
        except Exception as e:  # noqa: BLE001
            result["refused"] += 1
            result["refused_as"] = kind(e)
            result["slowest_refusal"] = max(result["slowest_refusal"],
                                            round(time.monotonic() - t, 3))
    print(json.dumps(result), flush=True)


def quantile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def keepalive(writer, idle=5):
    """Probes after idle seconds, the reset of a connection the server never
    had comes within a few more."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


async def flood(a):
    t0 = time.monotonic()
    opened = []  # (open time, slot) of the connections open now, oldest first
    ranks, lifetimes, errors = [], [], {}
    state = {"released": False, "tried": 0, "connects": 0, "next_reopen": 0.0,
             "lost": 0}
    writers = {}
    held = []  # how many were open, sampled after all were tried
    sem = asyncio.Semaphore(a.concurrency)

    async def reopen_slot():
        """At most --reopen-rate new connections a second, for all slots."""
        now = time.monotonic()
        at = max(now, state["next_reopen"])
        state["next_reopen"] = at + 1.0 / a.reopen_rate
        await asyncio.sleep(at - now)

    async def slot(i):
        first = True
        while not state["released"]:
            if not first:
                await reopen_slot()
            try:
                async with sem:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", a.port), 10)
            except Exception as e:  # noqa: BLE001 - counted by kind
                errors[kind(e)] = errors.get(kind(e), 0) + 1
                if first:
                    state["tried"] += 1
                    first = False
                await asyncio.sleep(0.1)
                continue
            keepalive(writer)
            key = (time.monotonic(), i)
            bisect.insort(opened, key)
            writers[i] = writer
            state["connects"] += 1
            if first:
                state["tried"] += 1
                first = False
            lost = False
            try:
                await reader.read(1)  # nothing comes before TLS: this is the close
            except OSError:
                lost = True  # a reset: the server closes with a FIN
            if state["released"]:
                break
            at = bisect.bisect_left(opened, key)
            if lost:
                state["lost"] += 1
            else:
                ranks.append(at)
                lifetimes.append(time.monotonic() - key[0])
            del opened[at]
            writers.pop(i, None)
            writer.transport.abort()

    tasks = [asyncio.ensure_future(slot(i)) for i in range(a.count)]
    while state["tried"] < a.count:
        await asyncio.sleep(0.05)
    status = {"open": len(opened), "errors": dict(errors),
              "seconds": round(time.monotonic() - t0, 1)}
    if a.status:
        with open(a.status + ".tmp", "w") as f:
            json.dump(status, f)
        os.rename(a.status + ".tmp", a.status)
    closes_at_fill = len(ranks)
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline and not (a.release and os.path.exists(a.release)):
        held.append(len(opened))
        await asyncio.sleep(0.1)
    state["released"] = True
    for w in list(writers.values()):
        w.transport.abort()
    await asyncio.gather(*tasks, return_exceptions=True)
    status.update({
        "connects": state["connects"], "closes": len(ranks), "lost": state["lost"],
        "closes_while_held": len(ranks) - closes_at_fill,
        "rank_p50": quantile(ranks, 0.5), "rank_p99": quantile(ranks, 0.99),
        "rank_max": max(ranks) if ranks else None,
        "lifetime_min": round(min(lifetimes), 3) if lifetimes else None,
        "lifetime_p50": round(quantile(lifetimes, 0.5), 3) if lifetimes else None,
        "held_min": min(held) if held else None, "held_max": max(held) if held else None,
        "errors": errors})
    print(json.dumps(status), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["hold", "churn", "probe", "flood"])
    ap.add_argument("port", type=int)
    ap.add_argument("certdir")
    ap.add_argument("--orgs", default="")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--hold", type=float, default=600)
    ap.add_argument("--release")
    ap.add_argument("--status")
    ap.add_argument("--reopen-rate", type=float, default=2000,
                    help="flood: new connections a second at most, once all were tried")
    a = ap.parse_args()
    if a.mode != "flood" and not a.orgs:
        ap.error("--orgs is required")
    asyncio.run({"hold": hold, "churn": churn, "probe": probe, "flood": flood}[a.mode](a))


if __name__ == "__main__":
    sys.exit(main())
