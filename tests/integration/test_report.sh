#!/usr/bin/env bash
# `refgw report` and `refgw stats` against the real refgwd, which speaks
# counts v2 (SPEC §6). The same client is also tested against a fake
# gateway (tests/cli/test_report_v2.sh), for answers refgwd cannot be made
# to give.
#
# Referrals are sent and acknowledged or left to expire with refgwd's clock
# in last month (libfaketime), so that last month has ended when refgwd runs
# again on the real clock and its subject tables are released; more are sent
# this month for the flow tables. The report is written in Dutch and opened
# in headless Chromium: a screenshot, and the rendered DOM checked against
# the gateway's own answers to the same questions (report_check.py: each
# published value drawn and tabled, every other one "niet gepubliceerd",
# never a bar; exactly the ended periods; words, not codes).
# Chromium and faketime are installed (scripts/install-deps chromium
# faketime) when missing; if they cannot be, this test fails.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/faketime.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
REFGW=${REFGW:-$(dirname "$REFGWD")/../cli/refgw}
[ -x "$REFGW" ] || { echo "FAIL: no refgw client at $REFGW" >&2; exit 1; }
for tool in chromium faketime; do
    if ! command -v "$tool" >/dev/null; then
        "$HERE/../../scripts/install-deps" chromium faketime >&2 ||
            { echo "FAIL: $tool is missing and could not be installed" >&2; exit 1; }
    fi
    command -v "$tool" >/dev/null || { echo "FAIL: $tool still missing" >&2; exit 1; }
done

send() { # FROM TO SIGNAL SUBJECT-JQ: prints the id
    req "$1" POST /v1/referrals "$(referral "$2" "$3" ".subject=$4")"
    [ "$STATUS" = 202 ] || fail "send $1 -> $2: $STATUS"
    jqb .id
}
ack() { req "$1" POST "/v1/inbox/$2/ack"; expect_status 200 "ack"; }
some() { # N FROM TO SIGNAL SUBJECT-JQ [ACK]: N referrals, acknowledged when ACK
    local i id
    for ((i = 0; i < $1; i++)); do
        id=$(send "$2" "$3" "$4" "$5")
        if [ -n "${6:-}" ]; then ack "$3" "$id"; fi
    done
}

NOW=$(date -u +%Y-%m)
LAST=$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)
# Certificates valid since before last month (made by a clock set back); the
# CRL is made again on the real clock before refgwd runs on it.
MAKE_CERTS_REAL=$MAKE_CERTS
rg_clock_command "$T/make-certs-then" "$LAST-01 00:00:00" "$MAKE_CERTS_REAL"
MAKE_CERTS=$T/make-certs-then
rg_setup

# ---- last month, by refgwd's clock ----
REFGWD_REAL=$REFGWD
rg_clock_wrapper "$T/refgwd-then" "$LAST-10 12:00:00" "$REFGWD_REAL"
REFGWD=$T/refgwd-then
rg_start
some 9 school-a ecmj loverboy '{age_band:"16_17",housing:"with_parents",municipality:"GM0935"}' ack
some 6 police-a care-a sexual_exploitation '{age_band:"18_22",housing:"homeless"}' ack
some 2 youth-a ecmj dependency '{addiction:"gambling"}' ack
rg_stop

# ---- this month, on the real clock: last month has ended ----
"$MAKE_CERTS_REAL" "$CERTS" crl >/dev/null
REFGWD=$REFGWD_REAL
rg_start
some 7 school-a ecmj criminal_exploitation '{age_band:"12_15"}' ack
some 3 prev-a care-a other '{}'

export REFGW_GATEWAY=$URL REFGW_CERT=$CERTS/audit.crt REFGW_KEY=$CERTS/audit.key REFGW_CA=$CERTS/ca.crt
PAGE=$T/report.html
"$REFGW" --verbose report --from "$LAST" --to "$NOW" -o "$PAGE" --lang nl 2>"$T/verbose" &&
    pass || fail "refgw report exited $?: $(tail -3 "$T/verbose")"
[ -s "$PAGE" ] && pass || { fail "no page written"; finish; exit 1; }

# The gateway's answers to the questions refgw asked, as the oracle.
ANS=$T/answers.jsonl
: >"$ANS"
sed -n 's/^refgw: GET \(\/v1\/stats?[^ ]*\) -> 200 .*/\1/p' "$T/verbose" | while read -r path; do
    req audit GET "$path"
    python3 -c 'import json, sys, urllib.parse as u
q = dict(u.parse_qsl(u.urlsplit(sys.argv[1]).query))
print(json.dumps({"query": q, "status": int(sys.argv[2]), "answer": json.load(open(sys.argv[3]))}))' \
        "$path" "$STATUS" "$BODY_FILE" >>"$ANS"
done
[ "$(wc -l <"$ANS")" -ge $((8 + 8)) ] && pass || fail "refgw asked $(wc -l <"$ANS") questions"
grep -q "\"period\": \"$LAST\"" "$ANS" && pass || fail "no subject table of $LAST was asked"

# Headless Chromium: a screenshot, then the DOM as rendered.
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
        --user-data-dir="$T/chrome-profile" "$@" 2>>"$T/chromium.err"
}
chrome --window-size=1280,4000 --screenshot="$T/report.png" "file://$PAGE" >/dev/null ||
    fail "chromium could not take a screenshot: $(tail -5 "$T/chromium.err")"
[ "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && pass || fail "no PNG screenshot"
chrome --dump-dom "file://$PAGE" >"$T/dom.html" || fail "chromium could not render the page"
if python3 "$HERE/report_check.py" "$T/dom.html" "$ANS" nl "$LAST" "$NOW" "$NOW" >"$T/check.out" 2>&1; then
    pass
else
    fail "the rendered page does not show the gateway's answers: $(head -c 2000 "$T/check.out")"
fi
# Published values only: last month's age band 18_22 had 6 referrals, so it
# reads 4 to 8 (never below 5); gambling had 2, so it is not published.
req audit GET "/v1/stats?event=accepted&period=$LAST&by=age_band"
v=$(jqb '.rows[] | select(.age_band == "18_22") | .count')
[ "$v" -ge 5 ] && [ "$v" -le 8 ] && pass || fail "18_22 published as '$v'"
req audit GET "/v1/stats?event=accepted&period=$LAST&by=addiction"
expect_eq "$(jqb '[.rows[] | select(.addiction == "gambling")] | length')" 0 "gambling (2) published"
if [ -n "${REPORT_KEEP:-}" ]; then cp "$PAGE" "$T/report.png" "$REPORT_KEEP/" 2>/dev/null || true; fi

rg_stop
finish
