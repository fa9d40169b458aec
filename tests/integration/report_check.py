#!/usr/bin/env python3
"""Checks the DOM of a rendered `refgw report` page against the gateway's answers.

usage: report_check.py DOM.html ANSWERS.json

ANSWERS.json maps a chart id (data-chart) to {"dims": [category, series?],
"answer": <GET /v1/stats JSON>}, plus "totals": {event: answer}. For every
chart: one <rect class="bar"> per shown row with the row's count (and a height
proportional to it), one <g class="suppressed"> per suppressed row and no bar
for it, nothing else; every taxonomy value labelled in the attribute charts;
the threshold, period and generation time stated. Prints what is wrong, exits 1.
"""
import calendar
import json
import re
import sys
import time
from html.parser import HTMLParser

# The taxonomy of SPEC §4 (the oracle: written here again on purpose).
TAXONOMY = {
    "age_band": ["under_12", "12_15", "16_17", "18_22", "23_plus", "unknown"],
    "gender": ["male", "female", "other", "unknown"],
    "municipality": ["unknown"],
    "origin": ["netherlands", "eu", "outside_eu", "unknown"],
    "socioeconomic": ["low", "middle", "high", "unknown"],
    "education": ["primary", "vmbo", "havo_vwo", "mbo", "hbo_wo", "none", "unknown"],
    "housing": ["with_parents", "independent", "supported_living", "institution",
                "homeless", "unknown"],
    "addiction": ["none", "alcohol", "drugs", "gambling", "multiple", "unknown"],
}
SIGNALS = ["sexual_exploitation", "criminal_exploitation", "loverboy", "dependency", "other"]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts = {}
        self.chart = None
        self.svg_depth = 0
        self.text_into = None
        self.tables = {}
        self.table = None
        self.cell = None
        self.ids = {}
        self.id_into = None
        self.attrs_by_id = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if "id" in a:
            self.attrs_by_id[a["id"]] = a
            self.id_into = a["id"]
            self.ids[a["id"]] = ""
        if tag == "svg":
            self.svg_depth += 1
            if "data-chart" in a:
                self.chart = {"bars": [], "suppressed": [], "zero": [], "texts": [],
                              "width": float(a["width"]), "height": float(a["height"])}
                self.charts[a["data-chart"]] = self.chart
        if self.chart is not None:
            if tag == "rect" and "bar" in cls:
                self.chart["bars"].append(a)
            elif tag == "g" and "suppressed" in cls:
                self.chart["suppressed"].append(a)
            elif tag == "text":
                self.text_into = [a, ""]
                if "zero" in cls:
                    self.chart["zero"].append(a)
        if tag == "table" and "id" in a:
            self.table = self.tables.setdefault(a["id"], [])
        if self.table is not None and tag in ("td", "th"):
            self.cell = [tag, cls, ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1
            if self.svg_depth == 0:
                self.chart = None
        if tag == "text" and self.text_into is not None and self.chart is not None:
            self.chart["texts"].append(self.text_into[1])
            self.text_into = None
        if tag in ("td", "th") and self.cell is not None:
            self.table.append(self.cell)
            self.cell = None
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.text_into is not None:
            self.text_into[1] += data
        if self.cell is not None:
            self.cell[2] += data
        if self.id_into is not None:
            self.ids[self.id_into] += data
            self.id_into = None


def main():
    dom_path, answers_path = sys.argv[1], sys.argv[2]
    page = Page()
    with open(dom_path, encoding="utf-8") as f:
        page.feed(f.read())
    with open(answers_path, encoding="utf-8") as f:
        answers = json.load(f)
    errors = []
    checked_bars = checked_suppressed = 0

    for chart_id, spec in answers["charts"].items():
        chart = page.charts.get(chart_id)
        if chart is None:
            errors.append(f"{chart_id}: no chart in the page")
            continue
        dims, answer = spec["dims"], spec["answer"]
        series_dim = dims[1] if len(dims) > 1 else None

        def key(row):
            return (row[dims[0]], row[series_dim] if series_dim else None)

        want_bars = sorted((key(r), r["count"]) for r in answer["rows"] if not r.get("suppressed"))
        want_supp = sorted(key(r) for r in answer["rows"] if r.get("suppressed"))
        got_bars = sorted(((b.get("data-category"), b.get("data-series")), int(b["data-count"]))
                          for b in chart["bars"])
        got_supp = sorted((g.get("data-category"), g.get("data-series")) for g in chart["suppressed"])
        if got_bars != want_bars:
            errors.append(f"{chart_id}: bars {got_bars}, wanted {want_bars}")
        if got_supp != want_supp:
            errors.append(f"{chart_id}: suppressed marks {got_supp}, wanted {want_supp}")
        for g in chart["suppressed"]:
            if g.get("data-suppressed") != "true" or "data-count" in g:
                errors.append(f"{chart_id}: a suppressed mark carries a count or no flag: {g}")
        if set(got_supp) & {k for k, _ in got_bars}:
            errors.append(f"{chart_id}: a suppressed value is drawn as a bar")
        # The figure is drawn to scale: one length per unit across the chart.
        horizontal = chart_id.startswith("attribute-")
        units = []
        for b in chart["bars"]:
            length = float(b["width"] if horizontal else b["height"])
            x, y, w, h = (float(b[k]) for k in ("x", "y", "width", "height"))
            if x < 0 or y < 0 or x + w > chart["width"] + 0.5 or y + h > chart["height"] + 0.5:
                errors.append(f"{chart_id}: bar outside the chart: {b}")
            if int(b["data-count"]) <= 0:
                errors.append(f"{chart_id}: a bar of zero: {b}")
                continue
            units.append(length / int(b["data-count"]))
        if units and max(units) - min(units) > 0.02 * max(units):
            errors.append(f"{chart_id}: bar lengths not proportional to counts: {units}")
        checked_bars += len(got_bars)
        checked_suppressed += len(got_supp)

        if horizontal:
            attr = chart_id[len("attribute-"):]
            for value in TAXONOMY[attr] + [r[attr] for r in answer["rows"]]:
                if value not in chart["texts"]:
                    errors.append(f"{chart_id}: value {value} is not labelled")
            shown = {r[attr] for r in answer["rows"]}
            zero = sorted(z.get("data-category") for z in chart["zero"])
            want_zero = sorted(v for v in TAXONOMY[attr] if v not in shown)
            if zero != want_zero:
                errors.append(f"{chart_id}: zeros {zero}, wanted {want_zero}")
            cells = page.tables.get(f"table-{attr}", [])
            supp_cells = sum(1 for c in cells if "suppressed" in c[1])
            want = len(want_supp) + (1 if answer.get("total_suppressed") else 0)
            if supp_cells != want:
                errors.append(f"table-{attr}: {supp_cells} suppressed cells, wanted {want}")
        else:
            for s in SIGNALS:
                if s not in chart["texts"]:
                    errors.append(f"{chart_id}: no legend entry for {s}")
            if "suppressed" not in chart["texts"]:
                errors.append(f"{chart_id}: no legend entry for suppressed")
            cells = page.tables.get("table-signals-by-month", [])
            if sum(1 for c in cells if "suppressed" in c[1]) != len(want_supp):
                errors.append("table-signals-by-month: suppressed cells do not match")
            shown_cells = sorted(int(c[2]) for c in cells if c[0] == "td" and "num" in c[1]
                                 and c[2] != "0")
            if shown_cells != sorted(n for _, n in want_bars):
                errors.append(f"table-signals-by-month: figures {shown_cells}")

    extra = set(page.charts) - set(answers["charts"])
    if extra:
        errors.append(f"charts nobody checked: {sorted(extra)}")
    if checked_bars == 0 or checked_suppressed == 0:
        errors.append("the data gave no bar or no suppressed mark to check")

    # Threshold, period, generation time, totals.
    note = page.attrs_by_id.get("suppression", {})
    if note.get("data-min-count") != str(answers["min_count"]):
        errors.append(f"threshold stated as {note.get('data-min-count')}")
    if page.ids.get("period-from") != answers["from"] or page.ids.get("period-to") != answers["to"]:
        errors.append(f"period {page.ids.get('period-from')} to {page.ids.get('period-to')}")
    generated = page.ids.get("generated", "")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", generated):
        errors.append(f"generation time '{generated}'")
    else:
        t = calendar.timegm(time.strptime(generated, "%Y-%m-%dT%H:%M:%SZ"))
        if abs(t - time.time()) > 600:
            errors.append(f"generation time {generated} is not now")
    cells = page.tables.get("totals", [])
    tds = [c for c in cells if c[0] == "td" and ("num" in c[1] or "suppressed" in c[1])]
    for (event, answer), cell in zip(answers["totals"].items(), tds):
        want = "suppressed" if answer.get("total_suppressed") else str(answer["total"])
        if cell[2] != want:
            errors.append(f"total of {event}: '{cell[2]}', wanted '{want}'")
    if len(tds) != len(answers["totals"]):
        errors.append(f"{len(tds)} totals in the page")

    for e in errors:
        print("report_check:", e)
    print(f"report_check: {checked_bars} bars and {checked_suppressed} suppressed marks checked")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
