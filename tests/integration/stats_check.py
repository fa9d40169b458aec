#!/usr/bin/env python3
"""stats_check.py - checks a /v1/stats answer of counts v2 (SPEC §6) against
the true counts of a ledger of referrals, without knowing the record keys.

  stats_check.py LEDGER ANSWER QUERY MIN_COUNT

LEDGER: JSON lines, one per referral: {"sender", "sender_type", "recipient",
"recipient_type", "signal", "urgency", "subject": {...}, "month",
"events": ["accepted", "acknowledged"|"expired"...]}. QUERY: the query string
asked. Checks, for flow and subject tables alike:

- every cell whose true count n reaches MIN_COUNT is a row, and no other;
- each row's value v is within 2 of n and never below MIN_COUNT;
- the total is published exactly when the table's true total reaches
  MIN_COUNT, and then within 2 of it.
Prints what is wrong, one line each, and exits 1; exits 0 when all holds.
"""
import json
import sys
import urllib.parse
from collections import Counter

ATTRS = ["age_band", "gender", "municipality", "origin", "socioeconomic",
         "education", "housing", "addiction"]


def cell_of(ref, by):
    out = []
    for d in by:
        if d in ATTRS:
            out.append(ref["subject"].get(d, "unknown"))
        else:
            out.append(ref[d])
    return tuple(out)


def in_period(month, period):
    if len(period) == 4:
        return month[:4] == period
    if "Q" in period:
        q = (int(month[5:7]) - 1) // 3 + 1
        return month[:4] == period[:4] and q == int(period[6])
    return month == period


def main():
    ledger_path, answer_path, query, m = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ledger = [json.loads(l) for l in open(ledger_path) if l.strip()]
    answer = json.load(open(answer_path))
    q = dict(urllib.parse.parse_qsl(query))
    event = q.get("event", "accepted")
    by = [d for d in q.get("by", "").split(",") if d]
    cells = Counter()
    for ref in ledger:
        if event not in ref["events"]:
            continue
        month = ref["month"]
        if "period" in q:
            if not in_period(month, q["period"]):
                continue
        elif not (q.get("from", month) <= month <= q.get("to", month)):
            continue
        cells[cell_of(ref, by)] += 1
    errors = []
    seen = set()
    for row in answer.get("rows", []):
        key = tuple(row.get(d) for d in by)
        seen.add(key)
        n, v = cells.get(key, 0), row.get("count")
        if n < m:
            errors.append(f"row {key} shown with {v}, true count {n} is below {m}")
        elif not isinstance(v, int) or abs(v - n) > 2 or v < m:
            errors.append(f"row {key}: {v} for a true count of {n}")
    for key, n in cells.items():
        if n >= m and key not in seen:
            errors.append(f"row {key} with true count {n} missing")
    total, n = answer.get("total"), sum(cells.values())
    if n < m and total is not None:
        errors.append(f"total {total} shown, true total {n} is below {m}")
    if n >= m and (not isinstance(total, int) or abs(total - n) > 2 or total < m):
        errors.append(f"total {total} for a true total of {n}")
    if answer.get("min_count") != m:
        errors.append(f"min_count {answer.get('min_count')}, wanted {m}")
    for e in errors:
        print(f"{query}: {e}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
