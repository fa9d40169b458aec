#!/usr/bin/env bash
# refgw stats and refgw report against counts v2 (SPEC §6), with a fake
# gateway that answers GET /v1/stats as the contract says
# (fake_gateway.py: mutual TLS, the SPEC's checks, published values only),
# for answers refgwd cannot be made to give; against refgwd itself:
# tests/integration/test_report.sh.
#
# The page is checked against the answers the gateway gave
# (tests/integration/report_check.py): every published value drawn and
# tabled, every other one marked "not published", never a bar; exactly the
# ended periods; words, not codes, in Dutch and English. What the gateway
# would refuse is refused by refgw first, in words, with no request made.
source "$(dirname "$0")/cli_common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK=$HERE/../integration/report_check.py

ORGS="audit:admin school-a:school"
rg_setup
LOG=$T/answers.jsonl

start_fake() { # MODE: sets URL, FAKE
    local port=$T/fake-${1:-plain}.port
    FAKE_MODE=$1 python3 "$HERE/fake_gateway.py" "$CERTS/server.crt" "$CERTS/server.key" \
        "$CERTS/ca.crt" "$LOG" >"$port" 2>"$T/fake.err" &
    FAKE=$!
    track "$FAKE"
    wait_until 10 grep -q '^[0-9][0-9]*$' "$port" || { cat "$T/fake.err" >&2; fail "no fake gateway"; finish; exit 1; }
    URL="https://localhost:$(head -n 1 "$port")"
}
as_locale() { # "VAR=VALUE ..." ARGS...: as audit, in that locale (set for refgw alone)
    local settings=$1
    shift
    RC=0
    # shellcheck disable=SC2086
    env $settings "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/audit.crt" \
        --key "$CERTS/audit.key" "$@" >"$OUT" 2>"$ERR" || RC=$?
    no_sanitizer_report "$ERR"
}
requests() { [ -f "$LOG" ] && wc -l <"$LOG" || echo 0; }
refused_before_asking() { # WHAT TEXT ARGS...: exit 1, TEXT on stderr, no request
    local what=$1 text=$2 before
    shift 2
    before=$(requests)
    as audit "$@"
    expect_rc 1 "$what"
    expect_err "$text" "$what"
    expect_eq "$(requests)" "$before" "$what: requests made"
}

start_fake ""
NOW=$(date -u +%Y-%m)
YEAR=${NOW%-*}
FROM=$((YEAR - 1))-01 # a whole ended year, its quarters and months, and this year so far
TO=$NOW
ENDED_Q=$((YEAR - 1))-Q3

# ---- report, Dutch: every figure against the gateway's answers ----
: >"$LOG"
as audit report --from "$FROM" --to "$TO" -o "$T/nl.html" --lang nl
expect_rc 0 "report nl"
if python3 "$CHECK" "$T/nl.html" "$LOG" nl "$FROM" "$TO" "$NOW" >"$T/check.out" 2>&1; then pass; else
    fail "the Dutch page does not show the answers: $(head -c 2000 "$T/check.out")"
fi
grep -q '<html lang="nl">' "$T/nl.html" && pass || fail "no <html lang=\"nl\">"
for words in 'Gemeente Maastricht' 'niet gepubliceerd (minder dan 5)' '16–17 jaar' \
    'Loverboyproblematiek' 'Zo leest u deze cijfers' 'hoogstens 2 meer of 2 minder' \
    'hoeven de rijen van een tabel niet op te tellen tot het totaal' 'veranderen daarna nooit meer'; do
    grep -qF "$words" "$T/nl.html" && pass || fail "the Dutch page lacks '$words'"
done

# ---- English: from the locale, and --lang wins over it ----
: >"$LOG"
as_locale "LC_ALL= LC_MESSAGES= LANG=en_GB.UTF-8" report --from "$FROM" --to "$TO" -o "$T/en.html"
expect_rc 0 "report en"
if python3 "$CHECK" "$T/en.html" "$LOG" en "$FROM" "$TO" "$NOW" >"$T/check.out" 2>&1; then pass; else
    fail "the English page does not show the answers: $(head -c 2000 "$T/check.out")"
fi
as_locale "LC_ALL= LC_MESSAGES=nl_NL.UTF-8 LANG=en_US.UTF-8" report --from "$NOW" --to "$NOW" -o "$T/l1.html"
grep -q '<html lang="nl">' "$T/l1.html" && pass || fail "LC_MESSAGES=nl_NL did not give Dutch"
as_locale "LC_ALL=nl_BE.UTF-8" report --from "$NOW" --to "$NOW" -o "$T/l2.html" --lang en
grep -q '<html lang="en">' "$T/l2.html" && pass || fail "--lang en did not win over LC_ALL"
# This month has not ended: no subject tables, and the page says why.
grep -q "data-periods=\"$NOW\"" "$T/l2.html" && pass || fail "the running month is not listed as pending"
grep -q 'class="period"' "$T/l2.html" && fail "subject tables for a running month" || pass

# ---- refusals of report, before any request ----
refused_before_asking "no --to" "give --from, --to and -o FILE" report --from "$FROM" -o "$T/x.html"
refused_before_asking "from after to" "is after --to" report --from "$TO" --to "$FROM" -o "$T/x.html"
refused_before_asking "future" "is after this month" report --from "$NOW" --to "$((YEAR + 1))-01" -o "$T/x.html"
refused_before_asking "too long" "at most 60 months" report --from "$((YEAR - 6))-01" --to "$NOW" -o "$T/x.html"
refused_before_asking "--lang fr" "--lang must be nl or en" report --from "$NOW" --to "$NOW" -o "$T/x.html" --lang fr
refused_before_asking "bad month" "must be a month YYYY-MM" report --from 2026-13 --to "$NOW" -o "$T/x.html"
as school-a report --from "$NOW" --to "$NOW" -o "$T/x.html"
expect_rc 2 "a partner's report"
expect_err forbidden_role "a partner's report"
[ -e "$T/x.html" ] && fail "a refused report left a file" || pass
ls "$T" | grep -q 'x.html.tmp' && fail "a temporary file was left" || pass

# ---- stats: what the gateway answered, as TSV, CSV and JSON ----
: >"$LOG"
as audit stats --from "$FROM" --to "$TO" --by month,signal
expect_rc 0 "stats month,signal"
expect_eq "$(cat "$OUT")" "$(jq -r '.answer.rows[] | [.month, .signal, .count] | @tsv' "$LOG")" "stats TSV"
as audit stats --period "$ENDED_Q" --by municipality --csv
expect_rc 0 "stats subject csv"
expect_eq "$(cat "$OUT")" "$(tail -n 1 "$LOG" | jq -r '"municipality,count", (.answer.rows[] | "\(.municipality),\(.count)")')" "stats CSV"
expect_eq "$(tail -n 1 "$LOG" | jq -c .query)" "{\"event\":\"accepted\",\"by\":\"municipality\",\"period\":\"$ENDED_Q\"}" "the subject question"
as audit --json stats --period "$((YEAR - 1))" --by age_band --event expired
expect_rc 0 "stats --json"
expect_eq "$(jq -S . "$OUT")" "$(tail -n 1 "$LOG" | jq -S .answer)" "stats --json is the answer"
as audit stats
expect_rc 0 "stats, the total"
expect_eq "$(tail -n 1 "$LOG" | jq -c .query)" "{\"event\":\"accepted\",\"from\":\"$NOW\",\"to\":\"$NOW\"}" "stats defaults"

# ---- refusals of stats, in words, before any request ----
refused_before_asking "two attributes" "both subject attributes" stats --period "$ENDED_Q" --by age_band,housing
refused_before_asking "attribute and month" "stands alone" stats --period "$ENDED_Q" --by month,age_band
refused_before_asking "attribute over months" "give --period" stats --from "$FROM" --to "$TO" --by gender
refused_before_asking "running period" "has not ended yet" stats --period "$YEAR" --by gender
refused_before_asking "running month" "has not ended yet" stats --period "$NOW" --by gender
refused_before_asking "period without attribute" "--period is for the table of one subject attribute" stats --period "$ENDED_Q" --by signal
refused_before_asking "unknown dimension" "'body' is not a dimension" stats --by month,body
refused_before_asking "a dimension twice" "names 'month' twice" stats --by month,month
refused_before_asking "bad period" "a quarter YYYY-Q1 to YYYY-Q4" stats --period 2026-Q5 --by gender
refused_before_asking "bad event" "--event must be" stats --event sent

# ---- answers that are not for the question, or a v1 gateway ----
refused_by_gateway() { # MODE TEXT WHAT: the fake in MODE; report exits 2 with TEXT
    kill "$FAKE"
    wait "$FAKE" 2>/dev/null || true
    start_fake "$1"
    as audit report --from "$FROM" --to "$TO" -o "$T/$1.html"
    expect_rc 2 "$3"
    expect_err "$2" "$3"
    [ -e "$T/$1.html" ] && fail "$3: a page was written" || pass
}
refused_by_gateway mismatch "not for the question asked" "an answer for another period"
refused_by_gateway v1 "invalid_parameter" "a v1 gateway"
finish
