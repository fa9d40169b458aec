#!/usr/bin/env python3
"""Checks a `refgw report` page (counts v2) against the gateway's own answers.

usage: report_check.py PAGE.html ANSWERS.jsonl LANG FROM TO NOW

ANSWERS.jsonl holds one JSON object a line, {"query": {...}, "status": S,
"answer": {...}}: every GET /v1/stats the page is built from (the fake
gateway's log, or answers fetched from refgwd). NOW is the current month
(YYYY-MM, UTC). The oracle is independent of the client: which periods the
range holds whole and which have ended, the words of every code in both
languages (written here again on purpose), and each answer's rows.

For every chart: one <rect class="bar"> per published value, with that value
and a length proportional to it, one <g class="not-published"> (no count,
no bar) per value that is not published, nothing else. Every table: the same
values, the totals. The subject periods: exactly the ended ones, in order;
the pending ones listed. Words, not codes; the threshold; the language; no
script and nothing fetched. Prints what is wrong and exits 1.
"""
import calendar
import json
import re
import sys
import time
from html.parser import HTMLParser

EVENTS = ["accepted", "acknowledged", "expired"]
SIGNALS = ["sexual_exploitation", "criminal_exploitation", "loverboy", "dependency", "other"]
ATTRS = ["age_band", "gender", "municipality", "origin", "socioeconomic", "education",
         "housing", "addiction"]
# field -> code -> (English, Dutch): SPEC §12, "words, not codes".
WORDS = {
    "event": {"accepted": ("Sent", "Verstuurd"), "acknowledged": ("Taken in", "Opgehaald"),
              "expired": ("Expired", "Verlopen")},
    "signal": {"sexual_exploitation": ("Sexual exploitation", "Seksuele uitbuiting"),
               "criminal_exploitation": ("Criminal exploitation", "Criminele uitbuiting"),
               "loverboy": ("Loverboy grooming", "Loverboyproblematiek"),
               "dependency": ("Dependency situation", "Afhankelijkheidsrelatie"),
               "other": ("Other", "Overig")},
    "age_band": {"under_12": ("Under 12", "Jonger dan 12 jaar"),
                 "12_15": ("12–15 years", "12–15 jaar"), "16_17": ("16–17 years", "16–17 jaar"),
                 "18_22": ("18–22 years", "18–22 jaar"),
                 "23_plus": ("23 and older", "23 jaar en ouder"),
                 "unknown": ("Unknown", "Onbekend")},
    "gender": {"male": ("Male", "Man"), "female": ("Female", "Vrouw"),
               "other": ("Other", "Anders"), "unknown": ("Unknown", "Onbekend")},
    "municipality": {"unknown": ("Unknown", "Onbekend")},
    "origin": {"netherlands": ("The Netherlands", "Nederland"),
               "eu": ("Other EU country", "Ander EU-land"),
               "outside_eu": ("Outside the EU", "Buiten de EU"),
               "unknown": ("Unknown", "Onbekend")},
    "socioeconomic": {"low": ("Low", "Laag"), "middle": ("Middle", "Midden"),
                      "high": ("High", "Hoog"), "unknown": ("Unknown", "Onbekend")},
    "education": {"primary": ("Primary school", "Basisonderwijs"),
                  "vmbo": ("Pre-vocational (vmbo)", "Vmbo"),
                  "havo_vwo": ("Senior general secondary (havo/vwo)", "Havo/vwo"),
                  "mbo": ("Vocational (mbo)", "Mbo"),
                  "hbo_wo": ("Higher education (hbo/wo)", "Hbo/wo"),
                  "none": ("None", "Geen"), "unknown": ("Unknown", "Onbekend")},
    "housing": {"with_parents": ("With parents or carers", "Bij ouders of verzorgers"),
                "independent": ("On their own", "Zelfstandig"),
                "supported_living": ("Supported living", "Begeleid wonen"),
                "institution": ("In an institution", "In een instelling"),
                "homeless": ("Homeless", "Dakloos"), "unknown": ("Unknown", "Onbekend")},
    "addiction": {"none": ("None", "Geen"), "alcohol": ("Alcohol", "Alcohol"),
                  "drugs": ("Drugs", "Drugs"), "gambling": ("Gambling", "Gokken"),
                  "multiple": ("More than one", "Meerdere"),
                  "unknown": ("Unknown", "Onbekend")},
}
# CBS: the municipalities the test data uses; any other code reads as itself.
PLACES = {"GM0935": "Maastricht", "GM0917": "Heerlen", "GM0928": "Kerkrade",
          "GM0363": "Amsterdam"}
MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"],
          "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                 "september", "oktober", "november", "december"]}


def words(lang, field, code):
    if field in ("month", "monthyear"):  # charts: "januari"; tables: "januari 2026"
        name = MONTHS[lang][int(code[5:7]) - 1]
        return name + " " + code[:4] if field == "monthyear" else name
    if field == "municipality" and code in PLACES:
        return ("Gemeente " if lang == "nl" else "") + PLACES[code]
    pair = WORDS.get(field, {}).get(code)
    return pair[1 if lang == "nl" else 0] if pair else code


def month_number(text):
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def month_text(n):
    return "%04d-%02d" % (n // 12, n % 12 + 1)


def periods_within(first, last, now):
    """(ended, pending): the years, quarters, months lying whole in first..last."""
    ended, pending = [], []
    for size, name in ((12, lambda m: "%04d" % (m // 12)),
                       (3, lambda m: "%04d-Q%d" % (m // 12, m % 12 // 3 + 1)),
                       (1, month_text)):
        start = -(-first // size) * size
        for m in range(start, last - size + 2, size):
            (ended if m + size - 1 < now else pending).append(name(m))
    return ended, pending


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.charts, self.chart, self.depth = {}, None, 0
        self.tables, self.table, self.row, self.cell = {}, None, None, None
        self.attrs = {}  # id -> attributes
        self.periods = []
        self.text, self.in_style, self.in_svg_title = [], False, 0
        self.label = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "html":
            self.lang = a.get("lang")
        if "id" in a:
            self.attrs[a["id"]] = a
        if tag == "style":
            self.in_style = True
        if tag == "section" and "data-period" in a:
            self.periods.append(a["data-period"])
        if tag == "svg":
            self.depth += 1
            if "data-chart" in a:
                self.chart = {"bars": [], "np": [], "texts": [], "w": float(a["width"]),
                              "h": float(a["height"])}
                self.charts[a["data-chart"]] = self.chart
        if self.chart is not None:
            if tag == "rect" and "bar" in cls:
                self.chart["bars"].append(a)
            elif tag == "g" and "not-published" in cls:
                self.chart["np"].append(a)
            elif tag == "text":
                self.label = [""]
        if tag == "title":
            self.in_svg_title += 1
        if tag == "table":
            self.table = self.tables.setdefault(a.get("id"), {"cols": [], "rows": []})
        if self.table is not None:
            if tag == "tr":
                self.row = {"key": a.get("data-category"), "total": "total" in cls,
                            "head": "", "cells": []}
            elif tag == "th" and "data-series" in a:
                self.table["cols"].append(a["data-series"])
            elif tag in ("td", "th") and self.row is not None:
                self.cell = {"tag": tag, "cls": cls, "count": a.get("data-count"), "text": ""}

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag == "title":
            self.in_svg_title -= 1
        if tag == "svg":
            self.depth -= 1
            if self.depth == 0:
                self.chart = None
        if tag == "text" and self.label is not None and self.chart is not None:
            self.chart["texts"].append(self.label[0])
            self.label = None
        if tag in ("td", "th") and self.cell is not None:
            if self.cell["tag"] == "th":
                self.row["head"] = self.cell["text"]
            else:
                self.row["cells"].append(self.cell)
            self.cell = None
        if tag == "tr" and self.row is not None:
            if self.row["cells"]:
                self.table["rows"].append(self.row)
            self.row = None
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        if not self.in_style and not self.in_svg_title:
            self.text.append(data)
        if self.label is not None:
            self.label[0] += data
        if self.cell is not None:
            self.cell["text"] += data


class Check:
    def __init__(self, page, answers, lang, first, last, now):
        self.page, self.lang, self.errors = page, lang, []
        self.first, self.last = first, last
        self.flow, self.subject = {}, {}
        for a in answers:
            q = a["query"]
            if a["status"] != 200:
                continue
            if "period" in q:
                self.subject[(q["period"], q["by"])] = a["answer"]
            else:
                self.flow[(q.get("event", "accepted"), q.get("by", ""))] = a["answer"]
        self.ended, self.pending = periods_within(first, last, now)
        self.min_count = next(iter(self.flow.values()))["min_count"] if self.flow else None
        self.bars = self.marks = 0

    def fail(self, what):
        self.errors.append(what)

    def value(self, answer, key):
        """The published value of the first row with these dimensions, or None."""
        for row in answer["rows"]:
            if all(row.get(d) == v for d, v in key.items()):
                c = row.get("count")
                return c if isinstance(c, int) and c >= 1 else None
        return None

    def chart(self, chart_id, cats, series, value_of, field, series_field):
        ch = self.page.charts.pop(chart_id, None)
        if ch is None:
            return self.fail(f"{chart_id}: no chart")
        want_bars, want_np = {}, set()
        for c in cats:
            for s in series or [None]:
                v = value_of(c, s)
                if v is None:
                    want_np.add((c, s))
                else:
                    want_bars[(c, s)] = v
        got_bars = {(b.get("data-category"), b.get("data-series")): int(b["data-count"])
                    for b in ch["bars"]}
        got_np = {(g.get("data-category"), g.get("data-series")) for g in ch["np"]}
        if got_bars != want_bars:
            diff = set(got_bars.items()) ^ set(want_bars.items())
            self.fail(f"{chart_id}: bars differ at {sorted(diff, key=str)[:6]}")
        if got_np != want_np or len(ch["np"]) != len(want_np):
            self.fail(f"{chart_id}: not-published marks differ at "
                      f"{sorted(got_np ^ want_np, key=str)[:6]}")
        if any("data-count" in g for g in ch["np"]):
            self.fail(f"{chart_id}: a not-published mark carries a count")
        horizontal = not series
        units = []
        for b in ch["bars"]:
            x, y, w, h = (float(b[k]) for k in ("x", "y", "width", "height"))
            if x < 0 or y < 0 or x + w > ch["w"] + 0.5 or y + h > ch["h"] + 0.5:
                self.fail(f"{chart_id}: a bar outside the chart: {b}")
            if int(b["data-count"]) < 1:
                self.fail(f"{chart_id}: a bar for a value below 1: {b}")
                continue
            units.append((w if horizontal else h) / int(b["data-count"]))
        if units and max(units) - min(units) > 0.02 * max(units):
            self.fail(f"{chart_id}: bar lengths not proportional to the values")
        labels = [words(self.lang, field, c) for c in cats]
        if series:
            labels += [words(self.lang, series_field, s) for s in series]
        for label in labels:  # a turned month label carries its year after it
            if not any(t == label or t.startswith(label + " ") for t in ch["texts"]):
                self.fail(f"{chart_id}: no label '{label}'")
        self.bars += len(got_bars)
        self.marks += len(got_np)

    def table(self, table_id, cats, series, value_of, totals, field, series_field):
        t = self.page.tables.pop(table_id, None)
        if t is None:
            return self.fail(f"{table_id}: no table")
        if series and t["cols"] != series:
            self.fail(f"{table_id}: columns {t['cols']}, wanted {series}")
        body = [r for r in t["rows"] if not r["total"]]
        if [r["key"] for r in body] != cats:
            self.fail(f"{table_id}: rows {[r['key'] for r in body]}, wanted {cats}")
        rows = [(r, [value_of(c, s) for s in series or [None]]) for r, c in zip(body, cats)]
        total = [r for r in t["rows"] if r["total"]]
        if totals is not None:
            if len(total) != 1:
                self.fail(f"{table_id}: {len(total)} total rows")
            else:
                rows.append((total[0], totals))
        for r, want in rows:
            got = [int(c["count"]) if c["count"] else None for c in r["cells"]]
            if got != want:
                self.fail(f"{table_id}: row {r['key'] or 'total'}: {got}, wanted {want}")
            for c in r["cells"]:
                if c["count"] is None and ("not-published" not in c["cls"] or
                                           not c["text"].startswith(
                                               "niet gepubliceerd" if self.lang == "nl"
                                               else "not published")):
                    self.fail(f"{table_id}: a value left out is not marked: {c}")
        for r, c in zip(body, cats):
            if field and r["head"] != words(self.lang, field, c):
                self.fail(f"{table_id}: row label '{r['head']}' for {c}")

    def flow_parts(self):
        months = [month_text(m) for m in range(self.first, self.last + 1)]
        f = self.flow
        total = {e: f[(e, "")]["total"] for e in EVENTS}
        t = self.page.tables.pop("totals", None)
        got = [int(c["count"]) if c["count"] else None
               for r in (t or {"rows": []})["rows"] for c in r["cells"]]
        if got != [total[e] for e in EVENTS]:
            self.fail(f"totals: {got}, wanted {[total[e] for e in EVENTS]}")

        def by_month(m, e):
            return self.value(f[(e, "month")], {"month": m})
        self.chart("months", months, EVENTS, by_month, "month", "event")
        self.table("table-months", months, EVENTS, by_month,
                   [f[(e, "month")]["total"] for e in EVENTS], "monthyear", "event")

        def by_signal(s, _):
            return self.value(f[("accepted", "signal")], {"signal": s})
        self.chart("signals", SIGNALS, None, by_signal, "signal", None)
        self.table("table-signals", SIGNALS, None, by_signal,
                   [f[("accepted", "signal")]["total"]], "signal", None)

        def by_both(m, s):
            return self.value(f[("accepted", "month,signal")], {"month": m, "signal": s})
        self.chart("months-signals", months, SIGNALS, by_both, "month", "signal")
        self.table("table-months-signals", months, SIGNALS, by_both, None, "monthyear",
                   "signal")

    def subject_parts(self):
        if self.page.periods != self.ended:
            self.fail(f"periods {self.page.periods}, wanted {self.ended}")
        asked = sorted({p for p, _ in self.subject})
        if asked != sorted(self.ended):
            self.fail(f"subject tables asked for {asked}, wanted {sorted(self.ended)}")
        shown = self.page.attrs.get("pending", {}).get("data-periods", "").split()
        if shown != self.pending:
            self.fail(f"pending periods {shown}, wanted {self.pending}")
        for period in self.ended:
            for attr in ATTRS:
                answer = self.subject.get((period, attr))
                if answer is None:
                    self.fail(f"{period}/{attr}: never asked")
                    continue
                cats = [c for c in WORDS[attr] if c != "unknown"]
                if attr == "municipality":
                    codes = [r["municipality"] for r in answer["rows"]
                             if r["municipality"] != "unknown"]
                    cats = sorted((c for c in codes if c in PLACES),
                                  key=lambda c: words(self.lang, attr, c))
                    cats += sorted(c for c in codes if c not in PLACES)
                cats.append("unknown")

                def of(c, _, answer=answer, attr=attr):
                    return self.value(answer, {attr: c})
                self.chart(f"{period}/{attr}", cats, None, of, attr, None)
                self.table(f"table-{period}-{attr}", cats, None, of, [answer["total"]],
                           attr, None)

    def whole_page(self, html):
        p = self.page
        if p.lang != self.lang:
            self.fail(f"<html lang='{p.lang}'>, wanted {self.lang}")
        for extra in sorted(p.charts):
            self.fail(f"a chart nobody checked: {extra}")
        for extra in sorted(t for t in p.tables if t):
            self.fail(f"a table nobody checked: {extra}")
        if self.bars == 0 or self.marks == 0:
            self.fail("the data gave no bar or no not-published mark to check")
        reading = p.attrs.get("reading", {})
        if reading.get("data-min-count") != str(self.min_count):
            self.fail(f"threshold stated as {reading.get('data-min-count')}")
        text = " ".join(p.text)
        phrase = ("niet gepubliceerd (minder dan %d)" if self.lang == "nl"
                  else "not published (fewer than %d)") % self.min_count
        if phrase not in text:
            self.fail(f"the page never says '{phrase}'")
        codes = {c for f in WORDS.values() for c in f if "_" in c} | set(SIGNALS)
        for code in sorted(codes):
            if re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(code), text):
                self.fail(f"the code '{code}' is shown instead of words")
        stamp = p.attrs.get("generated", {}).get("datetime", "")
        try:
            t = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
            if abs(t - time.time()) > 600:
                self.fail(f"generated {stamp}, not now")
        except ValueError:
            self.fail(f"generation time '{stamp}'")
        if re.search(r"<script", html, re.I) or re.search(r"\b(src|href)\s*=", html, re.I):
            self.fail("the page has a script or refers to a resource")
        urls = set(re.findall(r"https?://[^\"' )]*", html)) - {"http://www.w3.org/2000/svg"}
        if urls:
            self.fail(f"the page names URLs: {sorted(urls)}")
        if [u for u in re.findall(r"url\(([^)]*)\)", html) if not u.startswith("#")]:
            self.fail("the page uses an external url()")
        if "default-src 'none'" not in html:
            self.fail("no Content-Security-Policy")


def main():
    page_path, answers_path, lang, first, last, now = sys.argv[1:7]
    with open(page_path, encoding="utf-8") as f:
        html = f.read()
    page = Page()
    page.feed(html)
    with open(answers_path, encoding="utf-8") as f:
        answers = [json.loads(line) for line in f if line.strip()]
    check = Check(page, answers, lang, month_number(first), month_number(last),
                  month_number(now))
    check.flow_parts()
    check.subject_parts()
    check.whole_page(html)
    for e in check.errors:
        print("report_check:", e)
    print(f"report_check: {check.bars} bars and {check.marks} not-published marks checked")
    return 1 if check.errors else 0


if __name__ == "__main__":
    sys.exit(main())
