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
"""
import argparse
import asyncio
import json
import os
import random
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["hold", "churn", "probe"])
    ap.add_argument("port", type=int)
    ap.add_argument("certdir")
    ap.add_argument("--orgs", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--hold", type=float, default=600)
    ap.add_argument("--release")
    ap.add_argument("--status")
    a = ap.parse_args()
    asyncio.run({"hold": hold, "churn": churn, "probe": probe}[a.mode](a))


if __name__ == "__main__":
    sys.exit(main())
