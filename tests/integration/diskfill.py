#!/usr/bin/env python3
"""diskfill.py - fill refgwd's disk with its own referrals, then drain it (stdlib only).

    diskfill.py fill PORT CERTDIR --ledger FILE [--size BYTES] [--refusals N]
        One sender sends referrals of about --size bytes until N sends in a
        row were refused (503 unavailable). The id of every 202 goes to the
        ledger. After each refusal GET /v1/health must say 200 "degraded"
        (in `both`, where a recipient frees space meanwhile, it may say ok).
    diskfill.py drain PORT CERTDIR --ledger FILE
        The recipient reads its inbox and acknowledges everything until the
        inbox is empty; every inbox read and ack must succeed, and every
        ledger id must have been delivered and acknowledged.
    diskfill.py both PORT CERTDIR --ledger FILE --seconds S [--size BYTES]
        Two senders keep sending while the recipient drains, for S seconds;
        then the senders stop and the recipient drains what is left.
    diskfill.py send PORT CERTDIR --ledger FILE --count N [--size BYTES]
        Sends N referrals, each of which must get 202.
    diskfill.py resume PORT CERTDIR --ledger FILE [--count N] [--size BYTES]
        Sends must be accepted again by themselves: waits (at most 10 s) for
        a 202, then N more sends must all get 202.

Each prints one JSON object of counts, and exits 1 if a rule above failed.
Sender school-a, recipient ecmj (tests/integration/common.sh's organisations).
"""
import argparse
import http.client
import json
import os
import random
import ssl
import string
import sys
import threading
import time

SENDERS = ("school-a", "school-b")
RECIPIENT = "ecmj"


class Client:
    """One keep-alive mutual-TLS connection as one organisation."""

    def __init__(self, port, certdir, org):
        self.port = port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.load_verify_locations(os.path.join(certdir, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(certdir, org + ".crt"),
                                 os.path.join(certdir, org + ".key"))
        self.conn = None

    def request(self, method, path, body=None):
        """(status, parsed JSON body); reconnects once if the connection dropped."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("localhost", self.port,
                                                        context=self.ctx, timeout=60)
            try:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                data = json.dumps(body).encode() if body is not None else None
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else {})
            except (http.client.HTTPException, ConnectionError, ssl.SSLError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def body_of(size):
    # Random letters: nothing below the store makes them smaller.
    return "".join(random.choices(string.ascii_letters, k=size))


def referral(size, ref):
    return {"to": RECIPIENT, "signal": "other", "client_ref": ref, "body": body_of(size)}


class Ledger:
    """The ids of 202ed sends, appended as they come (thread-safe)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def add(self, ref_id):
        with self.lock, open(self.path, "a") as f:
            f.write(ref_id + "\n")

    def acked(self, ref_id):
        with self.lock, open(self.path + ".acked", "a") as f:
            f.write(ref_id + "\n")

    def ids(self, suffix=""):
        if not os.path.exists(self.path + suffix):
            return []
        with open(self.path + suffix) as f:
            return [line.strip() for line in f if line.strip()]


def send_until_refused(args, sender, ledger, stats, stop=None, refusals=None):
    """Sends until `refusals` refusals in a row, or until stop is set."""
    c = Client(args.port, args.certdir, sender)
    health = Client(args.port, args.certdir, sender)
    in_row = 0
    n = 0
    while stop is None or not stop.is_set():
        n += 1
        ref = "%s-%d-%d-%d" % (sender, os.getpid(), int(time.time() * 1000), n)
        status, doc = c.request("POST", "/v1/referrals", referral(args.size, ref))
        if status == 202:
            ledger.add(doc["id"])
            stats["accepted"] += 1
            in_row = 0
            continue
        if status == 503 and doc.get("error", {}).get("code") == "unavailable":
            stats["refused"] += 1
            in_row += 1
            hs, hdoc = health.request("GET", "/v1/health")
            if hs == 200 and hdoc.get("status") == "degraded":
                stats["health_degraded"] += 1
            else:
                stats["health_wrong"] += 1
                stats.setdefault("health_seen", []).append([hs, hdoc])
            if refusals is not None and in_row >= refusals:
                return
            time.sleep(0.05)
            continue
        stats["other"] += 1
        stats.setdefault("other_seen", []).append([status, doc])
        if stats["other"] > 20:
            return


def drain(args, ledger, stats, stop=None):
    """Reads and acknowledges until the inbox is empty (and stop is set)."""
    c = Client(args.port, args.certdir, RECIPIENT)
    empty = 0
    while True:
        status, doc = c.request("GET", "/v1/inbox?limit=500")
        if status != 200:
            stats["inbox_errors"] += 1
            stats.setdefault("inbox_seen", []).append([status, doc])
            if stats["inbox_errors"] > 50:
                return
            time.sleep(0.1)
            continue
        items = doc["referrals"]
        if not items:
            if stop is None or stop.is_set():
                empty += 1
                if empty >= 2:
                    return
            time.sleep(0.05)
            continue
        empty = 0
        for item in items:
            stats["delivered_ids"].add(item["id"])
            status, doc = c.request("POST", "/v1/inbox/%s/ack" % item["id"])
            if status == 200:
                stats["acked_ids"].add(item["id"])
                ledger.acked(item["id"])
            else:
                stats["ack_errors"] += 1
                stats.setdefault("ack_seen", []).append([status, doc])


def new_stats():
    return {"accepted": 0, "refused": 0, "health_degraded": 0, "health_wrong": 0,
            "other": 0, "inbox_errors": 0, "ack_errors": 0,
            "delivered_ids": set(), "acked_ids": set()}


def verdict(stats, ledger, failures):
    ids = set(ledger.ids())
    if "drained" in stats:
        # Every 202 so far (all rounds) acknowledged once the inbox is empty.
        acked = set(ledger.ids(".acked"))
        lost = ids - acked
        stats["lost"] = len(lost)
        if lost:
            failures.append("%d 202ed referrals never acknowledged: %s"
                            % (len(lost), sorted(lost)[:5]))
        stray = acked - ids
        if stray:
            failures.append("%d acknowledged referrals were never 202ed" % len(stray))
    strict = ("inbox_errors", "ack_errors", "other")
    if not stats.get("racing_drain"):
        strict += ("health_wrong",)
    for key in strict:
        if stats[key]:
            failures.append("%s: %d" % (key, stats[key]))
    out = {k: (len(v) if isinstance(v, set) else v) for k, v in stats.items()}
    out["ledger"] = len(ids)
    out["failures"] = failures
    print(json.dumps(out))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("fill", "drain", "both", "send", "resume"))
    p.add_argument("port", type=int)
    p.add_argument("certdir")
    p.add_argument("--ledger", required=True)
    p.add_argument("--size", type=int, default=60 * 1024)
    p.add_argument("--refusals", type=int, default=5)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--count", type=int, default=5)
    args = p.parse_args()
    ledger = Ledger(args.ledger)
    stats = new_stats()
    failures = []

    if args.mode == "fill":
        send_until_refused(args, SENDERS[0], ledger, stats, refusals=args.refusals)
        if stats["refused"] < args.refusals:
            failures.append("the disk never filled")
    elif args.mode == "drain":
        drain(args, ledger, stats)
        stats["drained"] = True
    elif args.mode == "both":
        stop = threading.Event()
        stats["racing_drain"] = True
        senders = [threading.Thread(target=send_until_refused,
                                    args=(args, s, ledger, stats, stop)) for s in SENDERS]
        for t in senders:
            t.start()
        reader = threading.Thread(target=drain, args=(args, ledger, stats, stop))
        reader.start()
        time.sleep(args.seconds)
        stop.set()
        for t in senders:
            t.join()
        reader.join()
        stats["drained"] = True
        if stats["refused"] == 0:
            failures.append("the disk never filled while draining")
    elif args.mode == "send":
        c = Client(args.port, args.certdir, SENDERS[0])
        for i in range(args.count):
            ref = "send-%d-%d" % (os.getpid(), i)
            status, doc = c.request("POST", "/v1/referrals", referral(args.size, ref))
            if status == 202:
                ledger.add(doc["id"])
                stats["accepted"] += 1
            else:
                failures.append("send %d: %d %s" % (i, status, doc))
                break
    elif args.mode == "resume":
        c = Client(args.port, args.certdir, SENDERS[0])
        deadline = time.time() + 10
        first = None
        n = 0
        while time.time() < deadline and first is None:
            n += 1
            ref = "resume-%d-%d" % (os.getpid(), n)
            status, doc = c.request("POST", "/v1/referrals", referral(args.size, ref))
            if status == 202:
                first = time.time() - (deadline - 10)
                ledger.add(doc["id"])
                stats["accepted"] += 1
            else:
                time.sleep(0.2)
        stats["seconds_to_first_202"] = first
        if first is None:
            failures.append("sends were not accepted again within 10 s")
        for i in range(args.count if first is not None else 0):
            status, doc = c.request("POST", "/v1/referrals",
                                    referral(args.size, "resume-%d-more-%d" % (os.getpid(), i)))
            if status == 202:
                ledger.add(doc["id"])
                stats["accepted"] += 1
            else:
                failures.append("send %d after recovery: %d %s" % (i, status, doc))
        # The store looks at the disk again within a second of going idle.
        for _ in range(30):
            hs, hdoc = c.request("GET", "/v1/health")
            if hs == 200 and hdoc.get("status") == "ok":
                break
            time.sleep(0.1)
        else:
            failures.append("health after recovery: %d %s" % (hs, hdoc))
    sys.exit(verdict(stats, ledger, failures))


if __name__ == "__main__":
    main()
