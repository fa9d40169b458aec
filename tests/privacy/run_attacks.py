#!/usr/bin/env python3
"""run_attacks.py - plays the administrator and the disk reader (SPEC §6 v2).

    run_attacks.py api  LEDGER URL CERTS YEAR NOW OUT
    run_attacks.py disk LEDGER STORE_DIR SNAPSHOT OUT

LEDGER: the referrals test_attacks.sh sent (oracles.py). YEAR: the ended
year they were sent in (its November and December); NOW: this month.
`api` runs with refgwd serving at URL: each attack of attacks.py first
against the replay it must beat (v1's rules, or a weakened publisher), where
it must recover what it is after, exactly as the ledger says; then against
refgwd, where it must get nothing, or be refused where SPEC §6 refuses.
OUT keeps the outcomes and every answer refgwd gave. `disk` runs on the
stopped store: each answer refgwd gave about an ended period is checked
against the rule from the exact counters (the store's flow counters, and
SNAPSHOT, the subject counters read before the release); then the disk
attacks of disk.py, against a v1 store and an unreleased store of the same
ledger (made beside OUT), then against the real file. It prints the closing note, one line an
attack with what the attacker got, and exits 1 if any attack succeeded
against refgwd or failed against its replay.
"""
import json
import os
import sys

import attacks
import disk
from oracles import (ATTRS, Gateway, NoisyReplay, V1Replay, cells, load_ledger,
                     periods_of, publish)

M = attacks.M
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def count(ledger, event, where, months):
    """True count of events in months whose referral matches where."""
    c = cells(ledger, event, list(where), months)
    return c.get(tuple(where.values()), 0)


# ---- what each claim should be, from the ledger ----

def true_profiles(ledger, claim, key_fields, months):
    """Every claimed profile is the one referral of its key, exactly."""
    for key, profile in claim.items():
        refs = [r for r in ledger
                if tuple(r[f] for f in key_fields) == tuple(key)
                and any(months(e["month"]) for e in r["events"])]
        if len(refs) != 1 or any(refs[0]["subject"][a] != v for a, v in profile.items()):
            return False
    return True


def right(got, n):
    return got == n if isinstance(got, int) else (got == "some" and n > 0)


class Run:
    def __init__(self, ledger, year, now):
        self.ledger, self.year, self.now = ledger, year, now
        self.nov, self.dec = f"{year}-11", f"{year}-12"
        self.quarters = {f"{year}-Q{q}": [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
                         for q in range(1, 5)}
        self.note = []

    def outcome(self, name, weak, weak_out, weak_ok, real_out, refused=None):
        """Records one attack: it must succeed against the weakened oracle
        (weak_ok) and get nothing from refgwd (empty claim); refused, when
        given, lists queries refgwd must have refused with 400."""
        if not (weak_out["claim"] and weak_ok):
            fail(f"{name}: did not succeed against {weak}: {weak_out['claim']}")
        if real_out["claim"]:
            fail(f"{name}: refgwd gave away {real_out['claim']}")
        for q, status in real_out.get("asked", []):
            if refused and refused(q) and status != 400:
                fail(f"{name}: refgwd answered {q} with {status}, not 400")
        n_refused = sum(1 for _, s in real_out.get("asked", []) if s == 400)
        self.note.append({"attack": name, "weak": weak, "weak_got": short(weak_out["claim"]),
                          "refgwd_got": short(real_out["claim"]) or "nothing",
                          "refused": n_refused,
                          "asked": len(real_out.get("asked", []))})


def short(claim, limit=160):
    """A claim as one line of the note."""
    if not claim:
        return ""
    if isinstance(claim, dict):
        claim = {str(k): v for k, v in claim.items()}
    text = json.dumps(claim, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def subject_query(q):
    return any(f"by={a}" in q or f",{a}" in q for a in ATTRS)


def api(ledger_path, url, certs, year, now, out):
    ledger = load_ledger(ledger_path)
    run = Run(ledger, year, now)
    gw = Gateway(url, certs)
    v1 = V1Replay(ledger, M, now)
    months = lambda mo: mo == run.nov  # noqa: E731

    a = [attacks.profile_join(o, r, run.nov) for o, r in ((v1, "exact"), (gw, "cellkey"))]
    run.outcome("profile join (sender,signal,urgency x each attribute)", "v1 replay", a[0],
                true_profiles(ledger, a[0]["claim"], ["sender", "signal", "urgency"], months),
                a[1], refused=subject_query)

    periods = {run.nov: [run.nov], run.dec: [run.dec], f"{year}-Q4": run.quarters[f"{year}-Q4"],
               year: [m for ms in run.quarters.values() for m in ms]}
    a = [attacks.label_existence(o, r, periods) for o, r in ((v1, "exact"), (gw, "cellkey"))]
    ok = all(0 < count(ledger, "accepted", {attr: value},
                       lambda mo, p=p: p in periods_of(mo)) < M for p, attr, value in a[0]["claim"])
    run.outcome("row-label existence (0 vs 1-4)", "v1 replay", a[0], ok, a[1],
                refused=lambda q: q.startswith("from="))

    a = [attacks.overlapping_ranges(o, r, run.nov, run.dec) for o, r in ((v1, "exact"), (gw, "cellkey"))]
    ok = all(right(got, count(ledger, "accepted", {dim: value}, months))
             for (dim, value), got in a[0]["claim"].items())
    run.outcome("overlapping ranges (Nov-Dec minus Dec)", "v1 replay", a[0], ok, a[1],
                refused=subject_query)

    a = [attacks.nested_tables(o, r, year, run.quarters) for o, r in ((v1, "exact"), (gw, "cellkey"))]
    run.outcome("nested tables (coarse minus fine)", "v1 replay", a[0],
                nested_right(run, a[0]["claim"]), a[1],
                refused=lambda q: subject_query(q) and q.startswith("from="))

    noisy = NoisyReplay(ledger, M)
    query = f"from={run.nov}&to={run.dec}&by=signal"
    a = [attacks.repeated_queries(o, query, 200) for o in (noisy, gw)]
    ok = all(got == count(ledger, "accepted", {"signal": s}, lambda mo: run.nov <= mo <= run.dec)
             for s, got in a[0]["claim"].items())
    run.outcome("repeated identical queries (200 times)", "fresh noise per answer", a[0], ok, a[1])
    answers = [json.dumps(ans, sort_keys=True) for q, s, ans in gw.log if q == query]
    if len(set(answers)) != 1:
        fail(f"repeated queries: refgwd gave {len(set(answers))} different answers")

    victims = []

    def send_victim():
        doc = dict(VICTIM)
        victims.append(gw.send("school-b", doc))
        ledger.append({"id": victims[-1], "sender": "school-b", "sender_type": "school",
                       "recipient": "police-a", "recipient_type": "police",
                       "signal": doc["signal"], "urgency": "normal", "subject": doc["subject"],
                       "body": doc["body"], "events": [{"event": "accepted", "month": now}]})

    a = [attacks.threshold_crossing(o, r, send_victim, now) for o, r in ((v1, "exact"), (gw, "cellkey"))]
    run.outcome("threshold crossing on a running period", "v1 replay", a[0],
                a[0]["claim"] == VICTIM["subject"], a[1], refused=subject_query)
    with open(ledger_path, "a") as f:
        for ref in ledger[-len(victims):]:
            f.write(json.dumps(ref) + "\n")

    a = [attacks.metrics_vs_stats(o) for o in (v1, gw)]
    ok = all(v == metric_truth(ledger, labels) for (name, *labels), v in a[0]["claim"].items())
    run.outcome("/metrics vs stats", "v1 replay", a[0], ok, a[1])
    check_metrics_labels(gw.metrics())

    json.dump({"note": run.note, "log": gw.log}, open(out, "w"))


VICTIM = {"to": "police-a", "signal": "criminal_exploitation",
          "subject": {"age_band": "23_plus", "gender": "other", "municipality": "GM0928",
                      "origin": "eu", "socioeconomic": "middle", "education": "hbo_wo",
                      "housing": "supported_living", "addiction": "multiple"},
          "body": "victim of the threshold-crossing trick"}


def nested_right(run, claim):
    for (parts, dim, value), got in claim.items():
        if dim == "signal":
            months = lambda mo: run.nov <= mo <= run.dec  # noqa: E731
            n = sum(count(run.ledger, "accepted", {"signal": value, "urgency": u}, months)
                    for u in parts)
        else:
            n = sum(count(run.ledger, "accepted", {dim: value},
                          lambda mo, p=p: p in periods_of(mo)) for p in parts)
        if not right(got, n):
            return False
    return True


def metric_truth(ledger, labels):
    labels = dict(labels)
    event = labels.pop("event")
    return count(ledger, event, labels, lambda mo: True)


def check_metrics_labels(text):
    names = {k for _, labels, _ in attacks.metrics_series(text) for k in labels}
    if not names <= attacks.OPERATIONAL_LABELS:
        fail(f"/metrics carries labels {sorted(names)}")


# ---- the stopped store ----

def expected_flow(store, event, by, frm, to):
    """A flow table by the rule, from the exact flow counters."""
    cols = "".join(f"{d}, " for d in by)
    group = f" GROUP BY {', '.join(map(str, range(1, len(by) + 1)))}" if by else ""
    rows = disk.sql(store, f"SELECT {cols}sum(n) AS n, sum(k) % 4294967296 AS k FROM"
                           f" flow_counts WHERE event = '{event}' AND month >= '{frm}'"
                           f" AND month <= '{to}'{group}")
    out = {tuple(r[d] for d in by): publish(r["n"], r["k"], M) for r in rows}
    total = publish(sum(r["n"] for r in rows), sum(r["k"] for r in rows) % 2**32, M)
    return {k: v for k, v in out.items() if v is not None}, total


def expected_subject(snapshot, period, event, attr):
    """A released table by the rule, from the counters read before it."""
    mine = [r for r in snapshot if r["period"] == period and r["event"] == event]
    out = {(r["value"],): publish(r["n"], r["k"], M) for r in mine if r["attr"] == attr}
    ages = [r for r in mine if r["attr"] == "age_band"]
    total = publish(sum(r["n"] for r in ages), sum(r["k"] for r in ages) % 2**32, M)
    return {k: v for k, v in out.items() if v is not None}, total


def conformance(log, store, snapshot, now):
    """Every answer about an ended period is exactly what the rule gives."""
    checked = 0
    for query, status, answer in log:
        if status != 200:
            continue
        q = dict(p.split("=", 1) for p in query.split("&"))
        by = [d for d in q.get("by", "").split(",") if d]
        event = q.get("event", "accepted")
        if "period" in q:
            want = expected_subject(snapshot, q["period"], event, by[0])
        elif q.get("to", now) < now:
            want = expected_flow(store, event, by, q.get("from", q["to"]), q["to"])
        else:
            continue
        got = ({tuple(r[d] for d in by): r["count"] for r in answer["rows"]}, answer["total"])
        if got != want:
            fail(f"conformance: {query}: refgwd {got}, the rule {want}")
        checked += 1
    return checked


def disk_stage(ledger_path, store_dir, snapshot_path, out):
    results = json.load(open(out))
    ledger = load_ledger(ledger_path)
    year = results["year"]
    run = Run(ledger, year, results["now"])
    store = f"{store_dir}/refgw.db"
    snapshot = json.load(open(snapshot_path))
    checked = conformance(results["log"], store, snapshot, results["now"])
    if checked < 100:
        fail(f"conformance: only {checked} answers about ended periods")
    released = [run.nov, run.dec, f"{year}-Q4", year]
    tmp = os.path.dirname(os.path.abspath(out))  # the test's folder, removed after it
    v1db, weak = f"{tmp}/v1.db", f"{tmp}/unreleased.db"
    disk.build_v1_store(v1db, ledger)
    disk.build_unreleased_store(weak, ledger)
    key = ["month", "sender", "recipient", "signal", "urgency"]

    def keyed(ref, ev):
        return dict(ref, month=ev["month"])

    rows = [keyed(r, e) for r in ledger for e in r["events"] if e["event"] == "accepted"]
    a = [disk.joined_counters(db) for db in (v1db, store)]
    run.outcome("sqlite3: joined counters", "v1 store", a[0],
                true_profiles(rows, a[0]["claim"], key, lambda mo: True), a[1])

    target = next(r for r in ledger if r["urgency"] == "urgent")
    where = "sender = 'youth-a' AND urgency = 'urgent'"
    towns = ["GM1680", "GM1883", "GM0363"]
    a = [disk.digest_bruteforce(db, target["body"], where, towns) for db in (v1db, store)]
    run.outcome("sqlite3: digest brute force (body known)", "v1 store", a[0],
                list(a[0]["claim"].values()) == [target["subject"]], a[1])
    digest_control(store, ledger)

    a = [disk.record_key_link(db, released) for db in (weak, store)]
    ok = all(any(all(r["subject"][at] == v for at, v in profile.items()) and
                 any(period in periods_of(e["month"]) for e in r["events"]) for r in ledger)
             for (period, _, _), profile in a[0]["claim"].items())
    run.outcome("sqlite3: record and cell keys of ended periods", "unreleased store", a[0],
                ok and any(named for (_, _, named) in a[0]["claim"]), a[1])
    running = disk.record_key_link(store, [results["now"], periods_of(results["now"])[1],
                                           results["now"][:4]])

    ended_refs = [r for r in ledger if disk.ended(r)]
    needles = [r["body"] for r in ended_refs] + UNIQUE_TO_TARGET
    files = [store, store + "-wal", store + "-shm"]
    a = [disk.residue([v1db], needles), disk.residue(files, needles)]
    run.outcome("grep -a: bodies and values of ended referrals", "v1 store", a[0],
                set(a[0]["claim"]) <= set(needles), a[1])
    store_checks(store, released)

    print_note(results["note"] + run.note, checked, running)


# Values only the target referral had in the ended year (test_attacks.sh).
UNIQUE_TO_TARGET = ["GM1883", "outside_eu", "institution", "gambling"]


def digest_control(store, ledger):
    """The brute force hashes as refgwd does: a pending referral's stored
    digest is found again from its known content. (Matched by digest, not
    by id: the store keeps no id column for its own ids, schema 3.)"""
    secret = bytes.fromhex(disk.sql(store, "SELECT hex(value) AS v FROM meta"
                                           " WHERE key = 'secret'")[0]["v"])
    pending = disk.sql(store, "SELECT hex(digest) AS d FROM referrals WHERE state < 2")
    known = {disk.digest(secret, r["recipient"], r["signal"], r["urgency"],
                         [r["subject"][a] for a in ATTRS], r["body"]) for r in ledger}
    matched = sum(1 for p in pending if p["d"] in known)
    if not pending or matched != len(pending):
        fail(f"digest control: {matched} of {len(pending)} pending digests reproduced")


def store_checks(store, released):
    marks = ",".join(map(disk.quote, released))
    for what, query, want in [
        ("subject counters of released periods",
         f"SELECT count(*) AS c FROM subject_counts WHERE period IN ({marks})", 0),
        ("released periods marked", f"SELECT count(*) AS c FROM releases WHERE period IN ({marks})",
         len(released)),
        ("ended referrals with a digest or a record key",
         "SELECT count(*) AS c FROM referrals WHERE state >= 2 AND (length(digest) > 0"
         " OR rkey IS NOT NULL)", 0),
        ("pending referrals without a record key",
         "SELECT count(*) AS c FROM referrals WHERE state < 2 AND rkey IS NULL", 0),
        ("content of ended referrals",
         "SELECT count(*) AS c FROM content WHERE seq IN (SELECT seq FROM referrals"
         " WHERE state >= 2)", 0),
        ("body tails of ended referrals",
         "SELECT count(*) AS c FROM content_tail WHERE seq IN (SELECT seq FROM referrals"
         " WHERE state >= 2)", 0),
    ]:
        got = disk.sql(store, query)[0]["c"]
        if got != want:
            fail(f"store: {what}: {got}, wanted {want}")


def print_note(note, checked, running):
    print("\nClosing note: what each attack got (first against the replay it must beat)")
    for n in note:
        asked = f" ({n['refused']} of {n['asked']} questions refused)" if n["asked"] else ""
        print(f"- {n['attack']}: {n['weak']} gave {n['weak_got']}; refgwd gave"
              f" {n['refgwd_got']}{asked}")
    print(f"- conformance: {checked} answers about ended periods, each exactly max(m, n + d)"
          " of its cell's exact count and key, or absent below m")
    print(f"- residual, running periods (SPEC §6 keeps their exact counters): the cell keys"
          f" of single-referral counters tie {len(running['claim'])} sets of attributes"
          f" together until the release: {short(running['claim'])}")


if __name__ == "__main__":
    if sys.argv[1] == "api":
        api(*sys.argv[2:8])
        data = json.load(open(sys.argv[7]))
        data.update(year=sys.argv[5], now=sys.argv[6])
        json.dump(data, open(sys.argv[7], "w"))
    else:
        disk_stage(*sys.argv[2:6])
    sys.exit(1 if FAILURES else 0)
