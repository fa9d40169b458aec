"""disk.py - the disk reader: sqlite3 on a stopped store, and grep.

Attacks read a store file with the sqlite3 command, as anyone who copies
data_dir could; each returns {"claim": ...}. The replays they are first
shown to succeed against are built here from the ledger:

- a v1 store (6cf68fe's schema): counters joined with routing, and a
  content digest of every referral, HMAC-SHA256 under a key kept in the
  same file (the format of server/store/digests.c, which never changed);
- an unreleased v2 store: v2's counters and record keys as if no period
  were ever released and no record key erased (a deliberately weakened
  build).
"""
import hashlib
import hmac
import json
import os
import random
import subprocess
from collections import defaultdict

from oracles import ATTRS, VALUES, periods_of


def sql(db, query):
    """Rows of query as dicts, read with the sqlite3 command."""
    out = subprocess.run(["sqlite3", "-readonly", "-json", db, query], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []


def run_sql(db, script):
    subprocess.run(["sqlite3", db], input=script, check=True, text=True)


def quote(v):
    return "'" + str(v).replace("'", "''") + "'"


def digest(secret, to, signal, urgency, subject, body):
    """The content digest: each field led by its length in 8 bytes, little
    endian: to, signal, urgency, the eight attributes, the body."""
    msg = b""
    for f in [to, signal, urgency] + subject + [body]:
        b = f.encode()
        msg += len(b).to_bytes(8, "little") + b
    return hmac.new(secret, msg, hashlib.sha256).hexdigest().upper()


V1_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE referrals(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL, sender_type TEXT NOT NULL, recipient TEXT NOT NULL,
  recipient_type TEXT NOT NULL, signal TEXT NOT NULL, urgency TEXT NOT NULL,
  state INTEGER NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER,
  acknowledged_at INTEGER, ended_at INTEGER, deliveries INTEGER NOT NULL DEFAULT 0,
  ref_key BLOB UNIQUE, digest BLOB NOT NULL);
CREATE TABLE counts(month TEXT NOT NULL, event TEXT NOT NULL, sender TEXT NOT NULL,
  sender_type TEXT NOT NULL, recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,
  signal TEXT NOT NULL, urgency TEXT NOT NULL, attr TEXT NOT NULL, value TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY(month, event, attr, value, sender, recipient, signal, urgency)) WITHOUT ROWID;
"""
ROUTING = ["sender", "sender_type", "recipient", "recipient_type", "signal", "urgency"]


def ended(ref):
    return any(e["event"] in ("acknowledged", "expired") for e in ref["events"])


def build_v1_store(db, ledger):
    """v1's store of the ledger: joined counters, digests, no content of
    ended referrals (v1 erased that too)."""
    secret = os.urandom(32)
    lines = [V1_SCHEMA, "BEGIN;", f"INSERT INTO meta VALUES('secret', x'{secret.hex()}');"]
    counts = defaultdict(int)
    for seq, ref in enumerate(ledger, 1):
        d = digest(secret, ref["recipient"], ref["signal"], ref["urgency"],
                   [ref["subject"][a] for a in ATTRS], ref["body"])
        routing = ", ".join(quote(ref[c]) for c in ROUTING)
        lines.append(f"INSERT INTO referrals(seq, id, {', '.join(ROUTING)}, state,"
                     f" created_at, digest) VALUES({seq}, {quote(ref['id'])}, {routing},"
                     f" {2 if ended(ref) else 0}, 0, x'{d}');")
        for ev in ref["events"]:
            base = (ev["month"], ev["event"]) + tuple(ref[c] for c in ROUTING)
            counts[base + ("", "")] += 1
            for a in ATTRS:
                counts[base + (a, ref["subject"][a])] += 1
    for key, n in counts.items():
        lines.append(f"INSERT INTO counts VALUES({', '.join(map(quote, key))}, {n});")
    run_sql(db, "\n".join(lines + ["COMMIT;"]))


def build_unreleased_store(db, ledger):
    """v2's counters of the ledger with nothing released and every record
    key kept: what the store would hold if release or erasure were left out."""
    rnd = random.Random(11)
    lines = ["CREATE TABLE referrals(seq INTEGER PRIMARY KEY, state INTEGER, rkey INTEGER,"
             " digest BLOB);",
             "CREATE TABLE subject_counts(period, event, attr, value, n, k);", "BEGIN;"]
    counters = defaultdict(lambda: [0, 0])
    for seq, ref in enumerate(ledger, 1):
        r = rnd.getrandbits(32)
        lines.append(f"INSERT INTO referrals VALUES({seq}, {2 if ended(ref) else 0}, {r},"
                     " x'');")
        for ev in ref["events"]:
            for p in periods_of(ev["month"]):
                for a in ATTRS:
                    c = counters[(p, ev["event"], a, ref["subject"][a])]
                    c[0] += 1
                    c[1] = (c[1] + r) % 2**32
    for key, (n, k) in counters.items():
        lines.append(f"INSERT INTO subject_counts VALUES({', '.join(map(quote, key))},"
                     f" {n}, {k});")
    run_sql(db, "\n".join(lines + ["COMMIT;"]))


def tables_with(db, *columns):
    found = []
    for t in sql(db, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        cols = {c["name"] for c in sql(db, f"PRAGMA table_info({quote(t['name'])})")}
        if all(c in cols for c in columns):
            found.append(t["name"])
    return found


def joined_counters(db):
    """Counters that join an attribute with the routing: a routing key
    counted once gives, attribute by attribute, one young person's values."""
    claim = {}
    for table in tables_with(db, "sender", "recipient", "signal", "attr", "value", "n"):
        rows = sql(db, f"SELECT month, event, sender, recipient, signal, urgency, attr,"
                       f" value, n FROM {table} WHERE event = 'accepted'")
        once = {tuple(r[c] for c in ["month", "sender", "recipient", "signal", "urgency"])
                for r in rows if r["attr"] == "" and r["n"] == 1}
        for r in rows:
            key = tuple(r[c] for c in ["month", "sender", "recipient", "signal", "urgency"])
            if key in once and r["attr"]:
                claim.setdefault(key, {})[r["attr"]] = r["value"]
    return {"claim": {k: p for k, p in claim.items() if len(p) == len(ATTRS)}}


def digest_bruteforce(db, body, where, towns):
    """The content digest of each ended referral that `where` picks (the
    attacker's target: a routing seen once) against every combination of
    attributes, with the body guessed, under the key in the same file; the
    municipality among those in the file and a few `towns` guessed."""
    secret = sql(db, "SELECT hex(value) AS v FROM meta WHERE key = 'secret'")
    key = bytes.fromhex(secret[0]["v"]) if secret else b""
    targets = sql(db, "SELECT seq, recipient, signal, urgency, hex(digest) AS d FROM"
                      f" referrals WHERE state >= 2 AND length(digest) > 0 AND {where}")
    munis = {"unknown"} | set(towns)
    for t in tables_with(db, "attr", "value"):
        munis |= {r["value"] for r in sql(db, f"SELECT DISTINCT value FROM {t}"
                                              " WHERE attr = 'municipality'")}
    choices = [VALUES.get(a, sorted(munis)) for a in ATTRS]
    claim = {}
    for t in targets:
        found = search(key, t, choices, body)
        if found:
            claim[t["seq"]] = dict(zip(ATTRS, found))
    return {"claim": claim, "tried": len(targets)}


def search(key, t, choices, body):
    """Depth-first over the attributes, one HMAC state copied per level."""
    start = hmac.new(key, digestmod=hashlib.sha256)
    for f in (t["recipient"], t["signal"], t["urgency"]):
        start.update(len(f.encode()).to_bytes(8, "little") + f.encode())
    tail = len(body.encode()).to_bytes(8, "little") + body.encode()

    def walk(h, depth, picked):
        if depth == len(choices):
            h = h.copy()
            h.update(tail)
            return picked if h.hexdigest().upper() == t["d"] else None
        for v in choices[depth]:
            g = h.copy()
            g.update(len(v).to_bytes(8, "little") + v.encode())
            got = walk(g, depth + 1, picked + [v])
            if got:
                return got
        return None

    return walk(start, 0, [])


def record_key_link(db, periods):
    """Record keys and cell keys: a subject counter of one referral has its
    record key as k, the same in each attribute. Counters of `periods` are
    grouped by k (n = 1); ended referrals' record keys, if kept, name them."""
    marks = ",".join(map(quote, periods))
    rows = sql(db, "SELECT period, attr, value, k FROM subject_counts"
                   f" WHERE n = 1 AND event = 'accepted' AND period IN ({marks})")
    by_k = defaultdict(dict)
    for r in rows:
        by_k[(r["period"], r["k"])][r["attr"]] = r["value"]
    keys = {r["rkey"] for r in sql(db, "SELECT rkey FROM referrals WHERE state >= 2"
                                       " AND rkey IS NOT NULL")}
    claim = {}
    for (period, k), profile in by_k.items():
        if len(profile) >= 2:  # two attributes of one referral tied together
            claim[(period, k, k in keys)] = profile
    return {"claim": claim}


def residue(paths, needles):
    """Which needles any of the files holds, byte for byte."""
    found = set()
    for p in paths:
        if os.path.exists(p):
            data = open(p, "rb").read()
            found |= {n for n in needles if n.encode() in data}
    return {"claim": sorted(found)}
