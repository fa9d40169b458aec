"""oracles.py - what the attacker talks to, and the publishing rules.

Three oracles answer GET /v1/stats and GET /metrics:

- Gateway: the real refgwd, over mutual TLS with the admin's certificate
  (standard library only); it keeps every answer it got, for the check that
  each was published by SPEC §6's rule.
- V1Replay: v1's rules over the ledger of referrals the test sent, as v1's
  docs/counts.md and server/store_stats.c (6cf68fe) had them: counts exact;
  a row below the threshold kept with its labels as {"count": null,
  "suppressed": true}; when that hid exactly one row, the next smallest too;
  zero rows left out; a total below the threshold null; a subject attribute
  allowed with any other dimension and any range of months; /metrics with
  exact series by event, sender type, recipient type and signal.
- NoisyReplay: v2's bands, but a fresh draw of noise for every answer in
  place of the cell key: a deliberately weakened publisher.

The ledger is JSON lines, one referral each: {"id", "sender", "sender_type",
"recipient", "recipient_type", "signal", "urgency", "subject": {8 values},
"body", "events": [{"event", "month"}]}. Only the harness and the replays
read it; attacks see answers alone.
"""
import http.client
import json
import random
import ssl
import urllib.parse
from collections import Counter

ATTRS = ["age_band", "gender", "municipality", "origin", "socioeconomic", "education",
         "housing", "addiction"]
FLOW_DIMS = ["month", "signal", "urgency", "sender", "sender_type", "recipient",
             "recipient_type"]
# The taxonomy (lib/taxonomy.c), written again here on purpose.
VALUES = {
    "age_band": ["under_12", "12_15", "16_17", "18_22", "23_plus", "unknown"],
    "gender": ["male", "female", "other", "unknown"],
    "origin": ["netherlands", "eu", "outside_eu", "unknown"],
    "socioeconomic": ["low", "middle", "high", "unknown"],
    "education": ["primary", "vmbo", "havo_vwo", "mbo", "hbo_wo", "none", "unknown"],
    "housing": ["with_parents", "independent", "supported_living", "institution",
                "homeless", "unknown"],
    "addiction": ["none", "alcohol", "drugs", "gambling", "multiple", "unknown"],
}
BANDS = [(0.05, -2), (0.25, -1), (0.75, 0), (0.95, 1)]


def load_ledger(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def publish(n, k, m):
    """SPEC §6: None below m (zero included), else max(m, n + d(k))."""
    if n < m:
        return None
    u = k / 2**32
    d = next((d for bound, d in BANDS if u < bound), 2)
    return max(m, n + d)


def quarter_of(month):
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def periods_of(month):
    """The subject periods an event of this month counts in."""
    return [month, quarter_of(month), month[:4]]


def cells(ledger, event, by, months):
    """True counts per combination of `by` of the events in `months` (a
    predicate on "YYYY-MM")."""
    out = Counter()
    for ref in ledger:
        for ev in ref["events"]:
            if ev["event"] == event and months(ev["month"]):
                out[tuple(ref["subject"][d] if d in ATTRS else
                          (ev["month"] if d == "month" else ref[d]) for d in by)] += 1
    return out


class Gateway:
    """refgwd over mutual TLS, one kept-alive connection per certificate."""

    def __init__(self, url, certs, org="audit"):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port, self.certs, self.org = parsed.hostname, parsed.port, certs, org
        self.conns = {}
        self.log = []  # (query, status, answer) of every /v1/stats asked

    def _request(self, org, method, path, body=None):
        for attempt in (0, 1):
            conn = self.conns.get(org)
            if conn is None:
                ctx = ssl.create_default_context(cafile=f"{self.certs}/ca.crt")
                ctx.load_cert_chain(f"{self.certs}/{org}.crt", f"{self.certs}/{org}.key")
                conn = self.conns[org] = http.client.HTTPSConnection(
                    self.host, self.port, context=ctx, timeout=30)
            try:
                headers = {"Content-Type": "application/json"} if body else {}
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                del self.conns[org]
                if attempt:
                    raise

    def stats(self, query):
        status, body = self._request(self.org, "GET", "/v1/stats?" + query)
        answer = json.loads(body) if body else None
        self.log.append((query, status, answer))
        return status, answer

    def metrics(self):
        return self._request(self.org, "GET", "/metrics")[1].decode()

    def send(self, org, doc):
        status, body = self._request(org, "POST", "/v1/referrals", json.dumps(doc))
        if status != 202:
            raise RuntimeError(f"send by {org}: {status} {body[:200]!r}")
        return json.loads(body)["id"]


def bad(field, message):
    return 400, {"error": {"code": "invalid_parameter", "message": message, "field": field}}


class V1Replay:
    """v1's answers over the ledger (see the module's header)."""

    def __init__(self, ledger, m=5, now_month="9999-12"):
        self.ledger, self.m, self.now_month = ledger, m, now_month

    def stats(self, query):
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        for name in q:
            if name not in ("from", "to", "event", "by", "format"):
                return bad(name, "v1 knows from, to, event, by and format")
        to = q.get("to", [self.now_month])[0]
        frm = q.get("from", [to])[0]
        event = q.get("event", ["accepted"])[0]
        by = [d for d in q.get("by", [""])[0].split(",") if d]
        if any(d not in FLOW_DIMS + ATTRS for d in by):
            return bad("by", "unknown dimension")
        if sum(d in ATTRS for d in by) > 1:
            return bad("by", "at most one subject attribute")
        counts = cells(self.ledger, event, by, lambda mo: frm <= mo <= to)
        rows = [dict(zip(by, key), count=n) for key, n in sorted(counts.items()) if n > 0]
        small = [r for r in rows if r["count"] < self.m]
        if len(small) == 1 and len(rows) > 1:
            # Secondary suppression: the next smallest row, the first on ties.
            rest = [r for r in rows if r["count"] >= self.m]
            small.append(min(rest, key=lambda r: r["count"]))
        for r in small:
            r["count"], r["suppressed"] = None, True
        total = sum(counts.values())
        answer = {"from": frm, "to": to, "event": event, "by": by, "min_count": self.m,
                  "rows": rows, "total": total if total >= self.m else None}
        if total < self.m:
            answer["total_suppressed"] = True
        return 200, answer

    def metrics(self):
        series = Counter()
        for ref in self.ledger:
            for ev in ref["events"]:
                series[(ev["event"], ref["sender_type"], ref["recipient_type"],
                        ref["signal"])] += 1
        lines = ["# TYPE refgw_referrals_total counter"]
        for (e, st, rt, sig), n in sorted(series.items()):
            lines.append(f'refgw_referrals_total{{event="{e}",sender_type="{st}",'
                         f'recipient_type="{rt}",signal="{sig}"}} {n}')
        return "\n".join(lines) + "\n"


class NoisyReplay:
    """v2's flow tables with fresh noise in every answer (weakened)."""

    def __init__(self, ledger, m=5, seed=7):
        self.ledger, self.m, self.random = ledger, m, random.Random(seed)

    def _publish(self, n):
        return publish(n, self.random.getrandbits(32), self.m)

    def stats(self, query):
        q = dict(urllib.parse.parse_qsl(query))
        by = [d for d in q.get("by", "").split(",") if d]
        frm, to = q.get("from", "0000-01"), q.get("to", "9999-12")
        counts = cells(self.ledger, q.get("event", "accepted"), by,
                       lambda mo: frm <= mo <= to)
        rows = []
        for key, n in sorted(counts.items()):
            v = self._publish(n)
            if v is not None:
                rows.append(dict(zip(by, key), count=v))
        return 200, {"by": by, "min_count": self.m, "rows": rows,
                     "total": self._publish(sum(counts.values()))}
