#!/usr/bin/env bash
# `refgw report` against the real refgwd, the page opened in headless
# Chromium: a screenshot is taken, and the rendered DOM is checked against the
# gateway's own answers (report_check.py): one bar per shown value with its
# figure, a suppressed mark (never a bar) per suppressed value, every
# taxonomy value labelled, the threshold, period and generation time stated.
# Chromium is installed (scripts/install-deps chromium) when missing; if it
# cannot be, this test fails: it never passes without having looked.
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
REFGW=${REFGW:-$(dirname "$REFGWD")/../cli/refgw}
[ -x "$REFGW" ] || { echo "FAIL: no refgw client at $REFGW" >&2; exit 1; }

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
    echo "test_report: installing chromium" >&2
    "$HERE/../../scripts/install-deps" chromium >&2 ||
        { echo "FAIL: chromium is missing and could not be installed" >&2; exit 1; }
    CHROMIUM=$(command -v chromium || true)
    [ -n "$CHROMIUM" ] || { echo "FAIL: chromium still missing after install" >&2; exit 1; }
fi
command -v python3 >/dev/null || { echo "FAIL: python3 is needed to read the DOM" >&2; exit 1; }

rg_setup
rg_start '{"retention_days": 0.00005}' # about 4.3 s: what is not acknowledged expires

send() { # FROM TO SIGNAL SUBJECT-JQ: prints the id
    req "$1" POST /v1/referrals "$(referral "$2" "$3" ".subject=$4")"
    [ "$STATUS" = 202 ] || fail "send $1 -> $2: $STATUS"
    jqb .id
}
ack() { req "$1" POST "/v1/inbox/$2/ack"; expect_status 200 "ack"; }

for i in 1 2 3 4 5 6 7; do
    id=$(send school-a ecmj loverboy '{age_band:"16_17",housing:"with_parents",origin:"netherlands"}')
    [ "$i" -le 6 ] && ack ecmj "$id"
done
for age in 12_15 12_15 12_15 16_17 16_17; do
    send school-a police-a criminal_exploitation "{age_band:\"$age\",housing:\"homeless\"}" >/dev/null
done
for i in 1 2 3 4 5 6; do ack care-a "$(send police-a care-a sexual_exploitation '{age_band:"18_22"}')"; done
for i in 1 2; do send youth-a ecmj dependency '{addiction:"gambling"}' >/dev/null; done
send prev-a care-a other '{municipality:"GM0917"}' >/dev/null

for i in $(seq 1 60); do
    req audit GET "/v1/stats?event=expired"
    [ "$(jqb .total)" = 9 ] && break
    sleep 0.5
done
expect_eq "$(jqb .total)" 9 "expired before the report"

# A dozen months ending with this one.
TO=$(date -u +%Y-%m)
FROM=$(date -u -d "$(date -u +%Y-%m-15) -11 months" +%Y-%m)
export REFGW_GATEWAY=$URL REFGW_CERT=$CERTS/audit.crt REFGW_KEY=$CERTS/audit.key REFGW_CA=$CERTS/ca.crt
PAGE=$T/report.html
"$REFGW" report --from "$FROM" --to "$TO" -o "$PAGE" && pass || fail "refgw report exited $?"
[ -s "$PAGE" ] && pass || { fail "no page written"; finish; exit 1; }

# The refusals of the command itself.
rc=0; "$REFGW" report --from "$TO" -o "$T/x.html" 2>/dev/null || rc=$?
expect_eq "$rc" 1 "report without --to"
rc=0; "$REFGW" report --from "$TO" --to "$FROM" -o "$T/x.html" 2>/dev/null || rc=$?
expect_eq "$rc" 1 "report with from after to"
rc=0; REFGW_CERT=$CERTS/school-a.crt REFGW_KEY=$CERTS/school-a.key \
    "$REFGW" report --from "$FROM" --to "$TO" -o "$T/x.html" 2>"$T/err" || rc=$?
expect_eq "$rc" 2 "a partner's report is refused"
grep -q forbidden_role "$T/err" && pass || fail "partner's refusal: $(cat "$T/err")"
[ -e "$T/x.html" ] && fail "a refused report left a file" || pass
[ -z "$(ls "$T" | grep 'x.html.tmp')" ] && pass || fail "a temporary file was left"

# Self-contained: no script, no external resource, nothing fetched.
grep -qi '<script' "$PAGE" && fail "the page has a script" || pass
grep -Eio '(src|href)=' "$PAGE" && fail "the page refers to resources" || pass
grep -Eo 'https?://[^"]*' "$PAGE" | grep -v '^http://www.w3.org/2000/svg$' && fail "the page has a URL" || pass
grep -Eo 'url\([^)]*\)' "$PAGE" | grep -v '^url(#' && fail "the page uses an external url()" || pass
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$PAGE" && pass || fail "no CSP"

# The gateway's answers for what the page shows, as the oracle.
ANS=$T/answers.json
Q="from=$FROM&to=$TO"
echo '{}' >"$ANS"
add_answer() { # JQ-PATH QUERY DIMS-JSON
    req audit GET "/v1/stats?$2"
    expect_status 200 "stats $2"
    jq --slurpfile a "$BODY_FILE" --argjson d "$3" "$1 = {dims: \$d, answer: \$a[0]}" "$ANS" >"$ANS.new"
    mv "$ANS.new" "$ANS"
}
add_answer '.charts["signals-by-month"]' "$Q&by=month,signal" '["month","signal"]'
for attr in age_band gender municipality origin socioeconomic education housing addiction; do
    add_answer ".charts[\"attribute-$attr\"]" "$Q&by=$attr" "[\"$attr\"]"
done
for event in accepted acknowledged expired; do
    req audit GET "/v1/stats?$Q&event=$event"
    jq --slurpfile a "$BODY_FILE" ".totals.$event = \$a[0]" "$ANS" >"$ANS.new" && mv "$ANS.new" "$ANS"
done
jq --arg f "$FROM" --arg t "$TO" '.from = $f | .to = $t | .min_count = 5' "$ANS" >"$ANS.new" && mv "$ANS.new" "$ANS"
# The data must exercise both: shown and suppressed values, a suppressed total.
expect_eq "$(jq '[.charts[].answer.rows[] | select(.suppressed)] | length > 3' "$ANS")" true "suppressed cells in the data"
expect_eq "$(jq '.totals.acknowledged.total, .totals.expired.total' "$ANS" | tr '\n' ' ')" "12 9 " "totals"

# Headless Chromium: a screenshot, then the DOM as rendered.
chrome() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
        --user-data-dir="$T/chrome-profile" "$@" 2>>"$T/chromium.err"
}
chrome --window-size=1280,6000 --screenshot="$T/report.png" "file://$PAGE" >/dev/null ||
    fail "chromium could not take a screenshot: $(tail -5 "$T/chromium.err")"
if [ -s "$T/report.png" ] && [ "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    pass
    size=$(stat -c %s "$T/report.png")
    [ "$size" -gt 20000 ] && pass || fail "the screenshot is nearly empty ($size bytes)"
else
    fail "no PNG screenshot"
fi
chrome --dump-dom "file://$PAGE" >"$T/dom.html" || fail "chromium could not render the page"
grep -q 'data-chart="signals-by-month"' "$T/dom.html" && pass || fail "the rendered DOM has no chart"
if python3 "$HERE/report_check.py" "$T/dom.html" "$ANS"; then pass; else fail "the rendered page does not show the counts"; fi
if [ -n "${REPORT_KEEP:-}" ]; then cp "$PAGE" "$T/report.png" "$REPORT_KEEP/" 2>/dev/null || true; fi

rg_stop
finish
