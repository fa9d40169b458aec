#!/usr/bin/env python3
"""rawtls.py - send raw bytes to refgwd over mutual TLS and report what comes back.

For the abuse, reload and load tests: curl cannot send a lying Content-Length,
pipeline requests, trickle a header byte by byte, hold a connection that says
nothing, cut requests into tiny TLS records sent in one TCP write, or read an
answer late through a small window. Standard library only.

    rawtls.py PORT CERTDIR [--org ORG] [--input FILE] [options]

Writes JSON lines on stdout, one per event:
    {"event": "handshake", "ok": true, "version": "TLSv1.3", "t": 0.01}
    {"event": "interim", "status": 100, ...}          (1xx, no body)
    {"event": "response", "status": 413, "headers": {...}, "body": "...", "t": ...}
    {"event": "end", "how": "eof"|"ragged"|"timeout"|"reset"|"error", "error": "...", "t": ...}
"t" is seconds since the TCP connection was made. "eof" is a clean end of TLS
(the server's close_notify came before its FIN); "ragged" a TCP close without
it, which a client cannot tell from a truncation.
"""
import argparse
import warnings
import json
import os
import socket
import ssl
import sys
import time

warnings.filterwarnings("ignore", category=DeprecationWarning)

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def emit(**kw):
    print(json.dumps(kw), flush=True)


def client_context(certdir, org, tls_min=None, tls_max=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(certdir, "ca.crt"))
    if org:
        ctx.load_cert_chain(os.path.join(certdir, org + ".crt"),
                            os.path.join(certdir, org + ".key"))
    if tls_min or tls_max:
        # Old protocols need security level 0 or this client refuses itself,
        # and the test would prove nothing about the server.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = VERSIONS[tls_min or "1.0"]
        ctx.maximum_version = VERSIONS[tls_max or "1.3"]
    return ctx


class RecordSocket:
    """TLS through memory buffers, so that what several SSL writes make leaves
    in one TCP write: the server gets many records in one read (its
    read-ahead), the client's last handshake message with them if held."""

    def __init__(self, raw, ctx, record_size, hold_finished):
        self.raw, self.record_size = raw, record_size
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._fill()
        if not hold_finished:
            self._flush()

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.raw.sendall(data)

    def _fill(self):
        data = self.raw.recv(65536)
        if data:
            self.incoming.write(data)
        else:
            self.incoming.write_eof()

    def version(self):
        return self.obj.version()

    def settimeout(self, t):
        self.raw.settimeout(t)

    def sendall(self, data):
        for i in range(0, len(data), self.record_size):
            self.obj.write(data[i:i + self.record_size])
        self._flush()

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLZeroReturnError:
                return b""
            except ssl.SSLWantReadError:
                self._fill()

    def close(self):
        self.raw.close()


class Reader:
    """Parses HTTP/1.1 responses out of a byte stream."""

    def __init__(self, bodiless=()):
        self.buf = b""
        self.bodiless = set(bodiless)  # the indexes of answers to HEAD requests
        self.count = 0  # complete answers so far, interim ones not counted

    def feed(self, data):
        self.buf += data

    def take(self):
        """One complete response as a dict, or None if more bytes are needed."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1").split("\r\n")
        parts = head[0].split(" ", 2)
        headers = {}
        dup = []
        for line in head[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name in headers:
                dup.append(name)
            headers[name] = value.strip()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if 100 <= status < 200:
            # An interim answer (100 Continue) has no body.
            self.buf = self.buf[end + 4:]
            return {"status": status, "statusline": head[0], "headers": headers,
                    "interim": True}
        if "content-length" not in headers:
            # Without a length the body runs to EOF; report what there is.
            return None
        length = int(headers["content-length"])
        head_answer = self.count in self.bodiless
        if head_answer:
            length = 0
        if len(self.buf) < end + 4 + length:
            return None
        body = self.buf[end + 4:end + 4 + length]
        self.buf = self.buf[end + 4 + length:]
        self.count += 1
        return {"status": status, "statusline": head[0], "headers": headers, "duplicate_headers": dup,
                "body": body.decode("utf-8", "replace"), "head": head_answer}


def trickle_hello(raw, ctx, delay, emit_end, now):
    """Sends the client's first handshake flight (its ClientHello) one byte
    every delay seconds, and reports when and how the server ended it."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    sent = 0
    for i in range(len(hello)):
        try:
            raw.sendall(hello[i:i + 1])
        except OSError as e:
            emit_end("send-failed", str(e), sent)
            return
        sent += 1
        raw.settimeout(delay)
        try:
            if raw.recv(4096) == b"":
                emit_end("eof", "", sent)
                return
        except socket.timeout:
            continue
        except ConnectionResetError as e:
            emit_end("reset", str(e), sent)
            return
    emit_end("timeout", "the whole ClientHello was sent", sent)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("certdir")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--org", help="client certificate CERTDIR/ORG.crt (default: none)")
    ap.add_argument("--tcp-only", action="store_true", help="never start TLS")
    ap.add_argument("--tls-min")
    ap.add_argument("--tls-max")
    ap.add_argument("--input", help="bytes to send (FILE, or - for stdin)")
    ap.add_argument("--byte-delay", type=float, default=0,
                    help="send one byte every this many seconds")
    ap.add_argument("--repeat", type=int, default=1,
                    help="send the input this many times on one connection")
    ap.add_argument("--interval", type=float, default=0,
                    help="seconds between repeats (the connection stays open)")
    ap.add_argument("--expect", type=int, default=0,
                    help="stop once this many responses arrived (0: wait for the end)")
    ap.add_argument("--head", default="",
                    help="comma-separated 0-based indexes of the answers to HEAD requests: "
                    "they have no body")
    ap.add_argument("--rcvbuf", type=int, default=0,
                    help="the socket's receive buffer in bytes (0: the system's)")
    ap.add_argument("--read-delay", type=float, default=0,
                    help="seconds to wait after sending before reading anything")
    ap.add_argument("--record-size", type=int, default=0,
                    help="send the input as TLS records of at most this many bytes, all "
                    "in one TCP write together with the client's last handshake message")
    ap.add_argument("--hello-byte-delay", type=float, default=0,
                    help="send the ClientHello one byte every this many seconds, and "
                    "report how the server ended the connection")
    ap.add_argument("--wait", type=float, default=5,
                    help="seconds to wait for the end after the last byte was sent")
    a = ap.parse_args()

    data = b""
    if a.input == "-":
        data = sys.stdin.buffer.read()
    elif a.input:
        with open(a.input, "rb") as f:
            data = f.read()

    t0 = time.monotonic()
    now = lambda: round(time.monotonic() - t0, 3)
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if a.rcvbuf:
            # Before connecting, so that the window offered is small too.
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        raw.settimeout(10)
        raw.connect((a.host, a.port))
    except OSError as e:
        emit(event="end", how="connect", error=str(e), t=now())
        return
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.hello_byte_delay > 0:
        trickle_hello(raw, client_context(a.certdir, a.org, a.tls_min, a.tls_max),
                      a.hello_byte_delay,
                      lambda how, err, sent: emit(event="end", how=how, error=err, t=now(),
                                                  sent=sent),
                      now)
        raw.close()
        return
    sock = raw
    if not a.tcp_only:
        ctx = client_context(a.certdir, a.org, a.tls_min, a.tls_max)
        try:
            raw.settimeout(20)
            if a.record_size:
                sock = RecordSocket(raw, ctx, a.record_size, hold_finished=bool(data))
            else:
                sock = ctx.wrap_socket(raw, server_hostname="localhost",
                                       suppress_ragged_eofs=False)
            emit(event="handshake", ok=True, version=sock.version(), t=now())
        except (ssl.SSLError, OSError) as e:
            emit(event="handshake", ok=False, error=str(e), t=now())
            emit(event="end", how="handshake", error=str(e), t=now())
            return

    reader = Reader(int(i) for i in a.head.split(",") if i)
    responses = 0
    closed = None

    def pump(deadline):
        """Reads until deadline, EOF or enough responses; returns how it ended or None."""
        nonlocal responses
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                return None
            except ssl.SSLEOFError as e:
                return ("ragged", str(e))
            except ssl.SSLError as e:
                return ("error", str(e))
            except ConnectionResetError as e:
                return ("reset", str(e))
            except OSError as e:
                return ("error", str(e))
            if not chunk:
                return ("eof", "")
            reader.feed(chunk)
            while True:
                r = reader.take()
                if r is None:
                    break
                if r.get("interim"):
                    emit(event="interim", t=now(), **r)
                    continue
                responses += 1
                emit(event="response", t=now(), **r)
            if a.expect and responses >= a.expect:
                return ("enough", "")

    def send(buf):
        try:
            sock.sendall(buf)
            return None
        except (ssl.SSLError, OSError) as e:
            return ("send-failed", str(e))

    sent = 0
    for round_ in range(a.repeat):
        if round_ > 0 and a.interval > 0:
            # Idle between rounds, but notice a close by the server.
            closed = pump(time.monotonic() + a.interval)
            if closed:
                break
        if a.byte_delay > 0:
            for i in range(len(data)):
                closed = send(data[i:i + 1])
                if closed:
                    break
                sent += 1
                closed = pump(time.monotonic() + a.byte_delay)
                if closed:
                    break
        elif data:
            closed = send(data)
            if not closed:
                sent += len(data)
        if closed:
            break
        if a.repeat > 1:
            # Each round waits for its own answer before the next is sent.
            want, a.expect = a.expect, round_ + 1
            closed = pump(time.monotonic() + a.wait)
            a.expect = want
            if closed and closed[0] != "enough":
                break
            closed = None
    if closed is None and not (a.expect and responses >= a.expect):
        time.sleep(a.read_delay)
        closed = pump(time.monotonic() + a.wait)
    if closed and closed[0] == "send-failed":
        # The server closed while we were sending: collect what it said first.
        more = pump(time.monotonic() + 2)
        if more:
            closed = more
    how, err = closed if closed else ("timeout", "")
    emit(event="end", how=how, error=err, t=now(), sent=sent, responses=responses,
         leftover=reader.buf.decode("latin-1")[:300])
    try:
        sock.close()
    except OSError:
        pass


if __name__ == "__main__":
    main()
