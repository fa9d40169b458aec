#!/usr/bin/env python3
"""fake_gateway.py CERT KEY CA LOG - GET /v1/stats as SPEC §6 (counts v2) says.

A stand-in for refgwd while it does not speak counts v2, so that `refgw stats`
and `refgw report` are tested against the contract now. Mutual TLS with the
test CA (a client without a certificate of CA never gets an answer); the
client certificate's CN "audit" is the administrator, any other CN gets
403 forbidden_role. HTTP/1.1 with keep-alive, as refgw uses it.

GET /v1/stats is checked as SPEC §6 says (unknown or repeated parameters,
dimensions, a subject attribute with anything else or with from/to, two
attributes, a period that has not ended by this machine's clock:
400 invalid_parameter). Its answers are published values made up from a
hash of the question, the same question always getting the same answer: a
cell's true count n is 0 to 29; n < min_count is left out; otherwise
max(m, n + d) with d in -2..+2. The total is published by the same rule,
null below m. Every answer is appended as one JSON line
{"query": {...}, "cn": CN, "status": S, "answer": {...}} to LOG: the oracle
of report_check.py.

FAKE_MODE=mismatch answers subject questions for another period (the client
must notice); FAKE_MODE=v1 refuses `period` as an unknown parameter, as a v1
gateway does. Prints the port on the first line, then serves until killed.
"""
import datetime
import hashlib
import http.server
import itertools
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
import urllib.parse

MIN_COUNT = 5
SIGNALS = ["sexual_exploitation", "criminal_exploitation", "loverboy", "dependency", "other"]
FLOW = {
    "signal": SIGNALS,
    "urgency": ["normal", "urgent"],
    "sender": ["school-a", "police-a", "youth-a"],
    "sender_type": ["school", "police", "youth_care"],
    "recipient": ["ecmj", "care-a"],
    "recipient_type": ["expertise_centre", "care_coordinator"],
}
SUBJECT = {
    "age_band": ["under_12", "12_15", "16_17", "18_22", "23_plus", "unknown"],
    "gender": ["male", "female", "other", "unknown"],
    # Two known municipalities, one code the list does not know, unknown.
    "municipality": ["GM0935", "GM0917", "GM0928", "GM9999", "unknown"],
    "origin": ["netherlands", "eu", "outside_eu", "unknown"],
    "socioeconomic": ["low", "middle", "high", "unknown"],
    "education": ["primary", "vmbo", "havo_vwo", "mbo", "hbo_wo", "none", "unknown"],
    "housing": ["with_parents", "independent", "supported_living", "institution",
                "homeless", "unknown"],
    "addiction": ["none", "alcohol", "drugs", "gambling", "multiple", "unknown"],
}
MODE = os.environ.get("FAKE_MODE", "")
LOCK = threading.Lock()


class Refused(Exception):
    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def bad(field, message):
    return Refused(400, "invalid_parameter", message, field)


def month_number(text, field):
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2 or not (1 <= int(month) <= 12):
            raise ValueError
        return int(year) * 12 + int(month) - 1
    except ValueError:
        raise bad(field, "a month is YYYY-MM")


def now_month():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.year * 12 + t.month - 1


def period_last_month(p):
    """The last month of "2026-11", "2026-Q3" or "2026", as a number."""
    if len(p) == 4 and p.isdigit():
        return int(p) * 12 + 11
    if len(p) == 7 and p[:4].isdigit() and p[4:6] == "-Q" and p[6] in "1234":
        return int(p[:4]) * 12 + int(p[6]) * 3 - 1
    return month_number(p, "period")


def month_text(n):
    return "%04d-%02d" % (n // 12, n % 12 + 1)


def unit(*parts):
    """A number in [0, 1) from the question and the cell: the same every time."""
    h = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32


def publish(n, u):
    if n < MIN_COUNT:
        return None
    d = -2 if u < 0.05 else -1 if u < 0.25 else 0 if u < 0.75 else 1 if u < 0.95 else 2
    return max(MIN_COUNT, n + d)


def stats(params):
    names = [k for k, _ in params]
    for name in names:
        if name not in ("event", "by", "from", "to", "period", "format"):
            raise bad(name, "unknown parameter")
        if names.count(name) > 1:
            raise bad(name, "given twice")
    q = dict(params)
    if MODE == "v1" and "period" in q:
        raise bad("period", "unknown parameter")
    event = q.get("event", "accepted")
    if event not in ("accepted", "acknowledged", "expired"):
        raise bad("event", "unknown event")
    if q.get("format", "json") != "json":
        raise bad("format", "this fake answers json only")
    by = q["by"].split(",") if q.get("by") else []
    for d in by:
        if d != "month" and d not in FLOW and d not in SUBJECT:
            raise bad("by", "unknown dimension")
    if len(set(by)) != len(by):
        raise bad("by", "a dimension twice")
    subject = [d for d in by if d in SUBJECT]
    answer = {"event": event, "by": by, "min_count": MIN_COUNT}
    if subject:
        if len(by) != 1:
            raise bad("by", "a subject attribute stands alone")
        if "from" in q or "to" in q or "period" not in q:
            raise bad("period", "subject tables are asked per period")
        if period_last_month(q["period"]) >= now_month():
            raise bad("period", "the period has not ended")
        answer["period"] = q["period"] if MODE != "mismatch" else "1999"
        axes = [SUBJECT[subject[0]]]
    else:
        if "period" in q:
            raise bad("period", "period is for subject tables")
        if "from" not in q or "to" not in q:
            raise bad("from", "flow tables need from and to")
        first, last = month_number(q["from"], "from"), month_number(q["to"], "to")
        if first > last:
            raise bad("from", "from is after to")
        answer["from"], answer["to"] = q["from"], q["to"]
        months = [month_text(m) for m in range(first, last + 1)]
        axes = [months if d == "month" else FLOW[d] for d in by]
    question = json.dumps(sorted(q.items()))
    rows, true_total = [], 0
    for cell in itertools.product(*axes):
        n = int(unit(question, *cell, "n") * 30)
        true_total += n
        v = publish(n, unit(question, *cell, "d"))
        if v is not None:
            row = dict(zip(by, cell))
            row["count"] = v
            rows.append(row)
    answer["rows"] = rows
    answer["total"] = publish(true_total if by else int(unit(question, "t") * 60),
                              unit(question, "total"))
    return answer


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # An answer is written in two pieces: without this, each waits for
        # the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        cert = self.connection.getpeercert()
        cn = dict(x[0] for x in cert["subject"]).get("commonName", "")
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        try:
            if url.path != "/v1/stats":
                raise Refused(404, "not_found", "no such resource")
            if cn != "audit":
                raise Refused(403, "forbidden_role", "only administrators read counts")
            status, doc = 200, stats(params)
        except Refused as e:
            error = {"code": e.code, "message": e.message}
            if e.field:
                error["field"] = e.field
            status, doc = e.status, {"error": error}
        with LOCK, open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"query": dict(params), "cn": cn, "status": status,
                                "answer": doc}) + "\n")
        self.reply(status, doc)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    cert, key, ca, LOG = sys.argv[1:5]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server = Server(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()
