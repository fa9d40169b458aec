"""attacks.py - the administrator's attacks on the published counts.

Each attack sees only what an oracle answers (oracles.py) and reasons
soundly under the publishing rule the oracle follows: "exact" for v1, where
a number is the count, or "cellkey" for SPEC §6 v2, where a published v
means the count lies in feasible(v) and a row that is not there means
anything from 0 to m-1. An attack claims only what it has proved: a value
when one is left, or "some" when 0 is ruled out for a cell the tables
withhold. Each returns {"claim": ..., "asked": [(query, status)]}.
"""
import re

from oracles import ATTRS, VALUES

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', re.M)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"')

M = 5


def feasible(v, rule, m=M):
    """The counts a published value v can stand for."""
    if rule == "exact":
        return range(v, v + 1)
    return range(m, m + 3) if v == m else range(max(m, v - 2), v + 3)


def hidden(rule, labelled, m=M):
    """A cell not shown. Under v1 a labelled row holds at least one (zero
    rows were left out) and maybe many (suppressed only to protect another);
    a row that is absent holds none. Under v2 either is 0..m-1."""
    if rule == "exact":
        return range(1, 10**9) if labelled else range(0, 1)
    return range(0, m)


def span(ranges):
    """The interval of sums of one value from each range."""
    return sum(r.start for r in ranges), sum(r.stop - 1 for r in ranges)


def verdict(lo, hi, withheld):
    """What a proof that a withheld cell lies in lo..hi tells: its value, or
    that it is not zero, or nothing."""
    lo, hi = max(lo, withheld.start), min(hi, withheld.stop - 1)
    if lo > hi:
        return None
    if lo == hi:
        return lo
    return "some" if lo > 0 else None


class Asker:
    """Records every query and its status; table() is None when refused."""

    def __init__(self, oracle):
        self.oracle, self.asked = oracle, []

    def table(self, query):
        status, answer = self.oracle.stats(query)
        self.asked.append((query, status))
        return answer if status == 200 else None

    def first(self, *queries):
        """The first of queries that is answered (v1's form, then v2's)."""
        for q in queries:
            t = self.table(q)
            if t is not None:
                return t
        return None


def key_of(row, dims):
    return tuple(row[d] for d in dims)


def profile_join(oracle, rule, month):
    """The profile join: a flow table whose total, minus its visible rows,
    shows that each labelled hidden row is a single referral; then the same
    table joined with each subject attribute lists that key's one value."""
    ask = Asker(oracle)
    dims = ["sender", "signal", "urgency"]
    t = ask.table(f"from={month}&to={month}&by={','.join(dims)}")
    singles = []
    if t is not None and t["total"] is not None:
        shown = [r for r in t["rows"] if r["count"] is not None]
        labelled = [r for r in t["rows"] if r["count"] is None]
        lo, hi = span([feasible(t["total"], rule)])
        slo, shi = span([feasible(r["count"], rule) for r in shown])
        # Each labelled row holds at least one: all are 1 when the rest is
        # exactly as many as there are labelled rows.
        if labelled and lo - shi == hi - slo == len(labelled):
            singles = [key_of(r, dims) for r in labelled]
    claim = {}
    for attr in ATTRS:
        joined = ask.table(f"from={month}&to={month}&by={','.join(dims)},{attr}")
        for key in singles:
            rows = [r for r in (joined or {"rows": []})["rows"]
                    if key_of(r, dims) == key]
            if len(rows) == 1:
                claim.setdefault(key, {})[attr] = rows[0][attr]
    return {"claim": {k: p for k, p in claim.items() if len(p) == len(ATTRS)},
            "asked": ask.asked}


def period_forms(period, months):
    """v1's way to ask for a period (a range of months), then v2's."""
    return [f"from={months[0]}&to={months[-1]}", f"period={period}"]


def label_existence(oracle, rule, periods):
    """Row labels: a row shown for a value with fewer than m referrals says
    that one exists (v1's labelled suppressed rows): 0 and 1-4 told apart.
    A labelled row is proved small when all labelled rows of its table
    together are (the total minus the rows shown, or a total withheld)."""
    ask = Asker(oracle)
    claim = set()
    for period, months in periods.items():
        for attr in ATTRS:
            t = ask.first(*(f"{f}&by={attr}" for f in period_forms(period, months)))
            if t is None:
                continue
            small = [r for r in t["rows"] if r["count"] is not None and r["count"] < M]
            labelled = [r for r in t["rows"] if r["count"] is None]
            rest = (t["total"] - sum(r["count"] for r in t["rows"] if r["count"] is not None)
                    if t["total"] is not None else 0)
            if rule == "exact" and rest < M:
                small += labelled
            claim |= {(period, attr, r[attr]) for r in small}
    return {"claim": sorted(claim), "asked": ask.asked}


def cell_of(t, dim, value, rule):
    """What a table says of its cell dim=value: the counts it can hold, and
    whether the table withholds it (v1's labelled row, or no row under v2;
    under v1 no row means 0)."""
    for r in (t or {"rows": []})["rows"]:
        if r[dim] == value:
            if r["count"] is None:
                return hidden(rule, True), True
            return feasible(r["count"], rule), False
    return hidden(rule, False), rule != "exact"


def overlapping_ranges(oracle, rule, first, second):
    """Two overlapping month ranges, first..second minus second..second:
    the first month's cell, which its own table withholds. Flow by signal,
    then each subject attribute by v1's ranges (v2 refuses those)."""
    ask = Asker(oracle)
    claim = {}
    for dim in ["signal"] + ATTRS:
        both = ask.table(f"from={first}&to={second}&by={dim}")
        later = ask.table(f"from={second}&to={second}&by={dim}")
        alone = ask.table(f"from={first}&to={first}&by={dim}")
        if both is None or later is None or alone is None:
            continue
        for r in both["rows"]:
            if r["count"] is None:
                continue
            first_only, withheld = cell_of(alone, dim, r[dim], rule)
            if not withheld:
                continue  # published on its own: nothing withheld to learn
            part, _ = cell_of(later, dim, r[dim], rule)
            whole = feasible(r["count"], rule)
            got = verdict(whole.start - (part.stop - 1), whole.stop - 1 - part.start,
                          first_only)
            if got is not None:
                claim[(dim, r[dim])] = got
    return {"claim": claim, "asked": ask.asked}


def coarse_minus_fine(coarse, fines, dim, rule):
    """For each value a coarse table shows: coarse minus the fine tables
    that show it bounds the sum of those that withhold it."""
    claim = {}
    for r in coarse["rows"]:
        if r["count"] is None:
            continue
        shown, withheld = [], []
        for name, fine in fines.items():
            counts, held = cell_of(fine, dim, r[dim], rule)
            (withheld if held else shown).append((name, counts))
        if not withheld:
            continue
        whole = feasible(r["count"], rule)
        lo, hi = span([c for _, c in shown])
        wlo, whi = span([c for _, c in withheld])
        got = verdict(whole.start - hi, whole.stop - 1 - lo, range(wlo, whi + 1))
        if got is not None:
            claim[(tuple(n for n, _ in withheld), dim, r[dim])] = got
    return claim


def nested_tables(oracle, rule, year, quarters):
    """Coarse minus fine: a flow table by signal minus the same by signal
    and urgency (the urgency a signal hides); a subject table of a year
    minus its quarters' tables, and of each quarter minus its months' (the
    periods that hide a value), by v1's ranges or v2's released periods.
    quarters: {"2025-Q4": ["2025-10", "2025-11", "2025-12"], ...}."""
    ask = Asker(oracle)
    months = [m for ms in quarters.values() for m in ms]
    rng = f"from={months[0]}&to={months[-1]}"
    claim = {}
    coarse = ask.table(f"{rng}&by=signal")
    fine = ask.table(f"{rng}&by=signal,urgency")
    if coarse is not None and fine is not None:
        fines = {u: {"rows": [r for r in fine["rows"] if r["urgency"] == u]}
                 for u in ["normal", "urgent"]}
        claim.update(coarse_minus_fine(coarse, fines, "signal", rule))
    nests = {year: {q: ms for q, ms in quarters.items()}}
    nests.update({q: {m: [m] for m in ms} for q, ms in quarters.items()})
    for attr in ATTRS:
        def table(period, ms):
            return ask.first(*(f"{f}&by={attr}" for f in period_forms(period, ms)))
        for whole, parts in nests.items():
            coarse = table(whole, [m for ms in parts.values() for m in ms])
            fines = {p: table(p, ms) for p, ms in parts.items()}
            if coarse is not None and all(f is not None for f in fines.values()):
                claim.update(coarse_minus_fine(coarse, fines, attr, rule))
    return {"claim": claim, "asked": ask.asked}


def repeated_queries(oracle, query, times):
    """The same question many times: if the answers vary, their mean is the
    count (noise drawn afresh averages out); if they never vary, nothing."""
    ask = Asker(oracle)
    seen = {}
    for _ in range(times):
        t = ask.table(query)
        for r in (t or {"rows": []})["rows"]:
            if r["count"] is not None:
                seen.setdefault(r["signal"], []).append(r["count"])
    claim = {}
    for value, counts in seen.items():
        if len(set(counts)) > 1:
            claim[value] = round(sum(counts) / len(counts))
    return {"claim": claim, "asked": ask.asked}


def threshold_crossing(oracle, rule, send_victim, month):
    """Tables of a running period before and after one referral: whatever
    row moved is that referral's value (a cell crossing the threshold
    appears). v1 answered any month; v2 refuses running periods."""
    ask = Asker(oracle)
    forms = [f"from={month}&to={month}", f"period={month}",
             f"period={month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}", f"period={month[:4]}"]

    def tables():
        return {a: ask.first(*(f"{f}&by={a}" for f in forms)) for a in ATTRS}

    before = tables()
    send_victim()
    after = tables()
    claim = {}
    for attr in ATTRS:
        if before[attr] is None or after[attr] is None:
            continue
        old = {r[attr]: r["count"] for r in before[attr]["rows"]}
        moved = [r[attr] for r in after[attr]["rows"]
                 if r[attr] not in old or old[r[attr]] != r["count"]]
        if len(moved) == 1:
            claim[attr] = moved[0]
    return {"claim": claim, "asked": ask.asked}


def metrics_series(text):
    """(name, labels, value) of every sample of an exposition."""
    out = []
    for m in SAMPLE.finditer(text):
        labels = dict(LABEL.findall(m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


# The labels of operational series (SPEC §6): the event type, the error
# code, the handshake failure class, which certificate expires (server, ca,
# crl) and the build's version. None names a signal, an organisation, a
# type or a subject attribute.
OPERATIONAL_LABELS = {"event", "code", "class", "which", "version"}


def metrics_vs_stats(oracle):
    """/metrics against stats: an exact series of a cell stats withholds (by
    signal, organisation or type, 1 to m-1) is that cell's count. The
    totals by event alone are operational (SPEC §6) and not looked at."""
    claim = {}
    for name, labels, value in metrics_series(oracle.metrics()):
        cell = {k: v for k, v in labels.items() if k not in OPERATIONAL_LABELS}
        if cell and 0 < value < M:
            claim[(name,) + tuple(sorted(labels.items()))] = int(value)
    return {"claim": claim, "asked": [("/metrics", 200)]}


def all_values(attr, seen=()):
    return VALUES.get(attr, sorted(set(seen) | {"unknown"}))
