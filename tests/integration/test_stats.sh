#!/usr/bin/env bash
# SPEC §6 v2 flow tables and /metrics against the real refgwd: a known mix of
# referrals, some acknowledged, the rest expired (short retention). Every
# answer is checked against the true counts of a ledger the test keeps
# (stats_check.py): cells below the threshold left out, zero included; the
# rest within 2 of the truth and never below the threshold; the same
# question always the same answer. Then CSV, every invalid_parameter case
# (subject attributes joined with anything, running periods), partners
# refused, and the exposition parsed: operational series only.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start '{"retention_days": 0.00005}' # about 4.3 s: what is not acknowledged expires

MONTH=$(date -u +%Y-%m)
ALL="from=2000-01&to=2999-12"
N_FORBIDDEN=0 # forbidden_role answers provoked, checked against /metrics
N_INVALID=0   # invalid_parameter answers provoked
LEDGER=$T/ledger.jsonl
CHECK="python3 $(dirname "$0")/stats_check.py"
: >"$LEDGER"

type_of() { for p in $ORGS; do [ "${p%%:*}" = "$1" ] && echo "${p#*:}"; done; }

# send FROM TO SIGNAL URGENCY SUBJECT-JQ: sends, records it, prints the id
send() {
    req "$1" POST /v1/referrals "$(referral "$2" "$3" ".urgency=\"$4\" | .subject=$5")"
    [ "$STATUS" = 202 ] || { fail "send $1 -> $2: $STATUS $(cat "$BODY_FILE")"; return; }
    local id
    id=$(jqb .id)
    jq -cn --arg id "$id" --arg s "$1" --arg st "$(type_of "$1")" --arg r "$2" \
        --arg rt "$(type_of "$2")" --arg sig "$3" --arg u "$4" --arg m "$MONTH" \
        "{id: \$id, sender: \$s, sender_type: \$st, recipient: \$r, recipient_type: \$rt,
          signal: \$sig, urgency: \$u, month: \$m, subject: ($5), events: [\"accepted\"]}" >>"$LEDGER"
    echo "$id"
}
ack() {
    req "$1" POST "/v1/inbox/$2/ack"
    expect_status 200 "ack by $1"
    jq -c --arg id "$2" 'if .id == $id then .events += ["acknowledged"] else . end' \
        "$LEDGER" >"$LEDGER.new" && mv "$LEDGER.new" "$LEDGER"
}

# ---- the mix: 22 accepted, 12 acknowledged at once, 10 left to expire ----
# school-a -> ecmj: 8 loverboy, normal, housing with_parents; 6 aged 16_17 (5 acked), 2 aged 12_15
for i in 1 2 3 4 5 6; do
    id=$(send school-a ecmj loverboy normal '{age_band:"16_17",housing:"with_parents",municipality:"GM0935"}')
    [ "$i" -le 5 ] && ack ecmj "$id"
done
for i in 1 2; do
    send school-a ecmj loverboy normal '{age_band:"12_15",housing:"with_parents"}' >/dev/null
done
# school-a -> police-a: 6 criminal_exploitation, urgent, homeless; 3 aged 16_17, 3 aged 18_22; none acked
for age in 16_17 16_17 16_17 18_22 18_22 18_22; do
    send school-a police-a criminal_exploitation urgent "{age_band:\"$age\",housing:\"homeless\"}" >/dev/null
done
# police-a -> care-a: 5 sexual_exploitation, no subject (all unknown), all acked
for i in 1 2 3 4 5; do
    ack care-a "$(send police-a care-a sexual_exploitation normal '{}')"
done
# youth-a -> ecmj: 2 dependency, addiction drugs, both acked
for i in 1 2; do
    ack ecmj "$(send youth-a ecmj dependency normal '{addiction:"drugs"}')"
done
# prev-a -> care-a: 1 other, not acked
send prev-a care-a other normal '{}' >/dev/null

# Wait until the ten unacknowledged ones have expired (true count, from the store).
for i in $(seq 1 60); do
    [ "$(exact_count expired)" = 10 ] && break
    sleep 0.5
done
expect_eq "$(exact_count expired)" 10 "expired after retention"
jq -c 'if (.events | index("acknowledged")) then . else .events += ["expired"] end' \
    "$LEDGER" >"$LEDGER.new" && mv "$LEDGER.new" "$LEDGER"
expect_eq "$(exact_count accepted)" 22 "accepted, exactly"
expect_eq "$(exact_count acknowledged)" 12 "acknowledged, exactly"

# check QUERY [MIN]: the answer to QUERY holds against the ledger
check() {
    req audit GET "/v1/stats?$1"
    expect_status 200 "stats $1"
    cp "$BODY_FILE" "$T/answer"
    if $CHECK "$LEDGER" "$T/answer" "$1" "${2:-5}" >"$T/check.out"; then pass; else
        fail "$(cat "$T/check.out")"
    fi
}

# ---- the answer's shape ----
req audit GET "/v1/stats?$ALL&by=signal"
expect_eq "$(jqb '[.from, .to, .event, (.by | join(",")), .min_count] | join(" ")')" \
    "2000-01 2999-12 accepted signal 5" "answer header"
expect_eq "$(jqb '[.rows[] | keys | join(",")] | unique | join(" ")')" "count,signal" \
    "rows carry their dimensions and a count, nothing else"
expect_eq "$(jqb 'has("period")')" false "a flow table has no period"

# ---- flow tables, every event, many combinations ----
for ev in accepted acknowledged expired; do
    for by in "" month signal urgency sender sender_type recipient recipient_type \
        recipient_type,urgency sender,recipient,signal,urgency month,signal \
        sender_type,recipient_type month,signal,urgency,sender,sender_type,recipient,recipient_type; do
        check "$ALL&event=$ev${by:+&by=$by}"
    done
done
check "event=accepted"             # defaults: this month
check "from=$MONTH&to=$MONTH&by=signal"
check "from=1999-01&to=1999-12"    # nothing then: no rows, total null
expect_eq "$(jqb '"\(.rows | length) \(.total)"')" "0 null" \
    "an empty range: no rows, no total"

# The same question always gets the same answer.
req audit GET "/v1/stats?$ALL&by=sender,signal"
cp "$BODY_FILE" "$T/first"
for i in 1 2 3; do
    req audit GET "/v1/stats?$ALL&by=sender,signal"
    cmp -s "$BODY_FILE" "$T/first" && pass || fail "a repeated question got another answer"
done

# ---- CSV: the published rows of the JSON answer, no total line ----
req audit GET "/v1/stats?$ALL&by=signal&format=csv" "" -D "$T/headers"
expect_status 200 "csv"
grep -qi '^content-type: text/csv' "$T/headers" && pass || fail "csv content type: $(grep -i content-type "$T/headers")"
cp "$BODY_FILE" "$T/csv"
req audit GET "/v1/stats?$ALL&by=signal"
expect_eq "$(cat "$T/csv")" "$(jq -r '"signal,count", (.rows[] | "\(.signal),\(.count)")' "$BODY_FILE")" "csv body"
req audit GET "/v1/stats?from=1999-01&to=1999-02&by=signal&format=csv"
expect_eq "$(cat "$BODY_FILE")" "signal,count" "csv without rows"
req audit GET "/v1/stats?$ALL&format=json" "" -D "$T/headers"
grep -qi '^content-type: application/json' "$T/headers" && pass || fail "json content type"

# ---- every invalid_parameter case ----
invalid() { # QUERY FIELD
    req audit GET "/v1/stats?$1"
    expect_code 400 invalid_parameter "$2" "stats?$1"
    N_INVALID=$((N_INVALID + 1))
}
invalid "by=colour" by
invalid "by=age_band,gender&period=2000-01" by
invalid "by=month,housing,addiction&period=2000-01" by
invalid "by=sender,signal,urgency,age_band&period=2000-01" by
invalid "by=age_band" period
invalid "by=age_band&$ALL" from
invalid "by=housing&period=$MONTH" period       # running
invalid "by=housing&period=$(date -u +%Y)" period # running
invalid "by=housing&period=2999-Q1" period
invalid "by=housing&period=2026-Q5" period
invalid "period=2000-01" period                 # a flow table
invalid "by=signal&period=2000-01" period
invalid "by=signal,signal" by
invalid "by=" by
invalid "by=month,,signal" by
invalid "by=n" by
invalid "by=value" by
invalid "by=month;DROP%20TABLE%20counts" by
invalid "from=2026-13" from
invalid "from=2026-1" from
invalid "from=202601" from
invalid "from=" from
invalid "to=2026-00" to
invalid "to=2026-01-01" to
invalid "to=x" to
invalid "from=2026-05&to=2026-04" from
invalid "from=2999-01" from # after the default to, this month
invalid "event=sent" event
invalid "event=ACCEPTED" event
invalid "format=xml" format
invalid "format=" format
invalid "colour=red" colour
invalid "by=month&bye=signal" bye
invalid "from=2026-01&from=2026-02" from
invalid "event=accepted&event=expired" event
invalid "by=%zz" by
req audit GET "/metrics?x=1"
expect_code 400 invalid_parameter "" "metrics takes no parameter"
N_INVALID=$((N_INVALID + 1))
# The counters survived all of that.
expect_eq "$(exact_count accepted)" 22 "accepted after the invalid queries"

# ---- partners are refused both endpoints; other methods ----
for org in school-a police-a ecmj care-a youth-a prev-a; do
    req "$org" GET "/v1/stats?$ALL"
    expect_code 403 forbidden_role "" "$org reads stats"
    req "$org" GET /metrics
    expect_code 403 forbidden_role "" "$org reads metrics"
    N_FORBIDDEN=$((N_FORBIDDEN + 2))
done
req audit POST /v1/referrals "$(referral ecmj)"
expect_code 403 forbidden_role "" "admin sends"
N_FORBIDDEN=$((N_FORBIDDEN + 1))
req audit POST "/v1/stats" '{}'
expect_code 405 method_not_allowed "" "POST /v1/stats"
req school-closed GET "/v1/stats"
expect_code 403 unknown_organisation "" "disabled org reads stats"

# ---- /metrics ----
req - GET /metrics # no certificate: a handshake failure
expect_eq "$STATUS" 000 "no certificate, no answer"
req audit GET /metrics "" -D "$T/headers"
expect_status 200 metrics
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" && pass ||
    fail "metrics content type: $(grep -i content-type "$T/headers")"
M=$T/metrics
cp "$BODY_FILE" "$M"

# Every line is a comment, or `name{labels} number`; every family has HELP and TYPE.
# (Label values are words, or the version; gauges of time left may be negative.)
bad=$(grep -Ev '^# (HELP|TYPE) refgw_[a-z_]+ .+$|^refgw_[a-z_]+(\{[a-z_]+="[a-z0-9_.]+"(,[a-z_]+="[a-z0-9_.]+")*\})? -?[0-9.]+$' "$M" || true)
expect_eq "$bad" "" "malformed exposition lines"
for fam in refgw_events_total:counter refgw_rejections_total:counter \
    refgw_handshakes_total:counter refgw_handshake_failures_total:counter \
    refgw_connections_open:gauge refgw_store_commits_total:counter \
    refgw_store_commit_seconds_total:counter; do
    grep -q "^# HELP ${fam%%:*} " "$M" && pass || fail "no HELP for ${fam%%:*}"
    grep -qx "# TYPE ${fam%%:*} ${fam#*:}" "$M" && pass || fail "no TYPE ${fam#*:} for ${fam%%:*}"
done
# Samples of a family come after its TYPE line and nowhere else.
order=$(awk '/^# TYPE/ {fam=$3; seen[fam]=1; next} /^#/ {next}
    { n=$1; sub(/\{.*/, "", n); if (n != fam) print "sample " n " outside its family" }' "$M")
expect_eq "$order" "" "samples grouped under their TYPE"

# metric NAME LABELS: the value of the sample with exactly these labels ("" if none)
metric() { awk -v want="$1$2" '$1 == want {print $2}' "$M"; }

expect_eq "$(metric refgw_events_total '{event="accepted"}')" 22 "accepted events"
expect_eq "$(metric refgw_events_total '{event="acknowledged"}')" 12 "acknowledged events"
expect_eq "$(metric refgw_events_total '{event="expired"}')" 10 "expired events"
expect_eq "$(metric refgw_rejections_total '{code="forbidden_role"}')" "$N_FORBIDDEN" "forbidden_role rejections"
expect_eq "$(metric refgw_rejections_total '{code="invalid_parameter"}')" "$N_INVALID" "invalid_parameter rejections"
expect_eq "$(metric refgw_rejections_total '{code="method_not_allowed"}')" 1 "method_not_allowed rejections"
expect_eq "$(metric refgw_rejections_total '{code="unknown_organisation"}')" 1 "unknown_organisation rejections"
expect_eq "$(metric refgw_rejections_total '{code="invalid_json"}')" 0 "no invalid_json"
expect_eq "$(grep -c '^refgw_rejections_total{' "$M")" 19 "a series per error code (lib/errors.c: 501 not_implemented the 19th)"
hs=$(metric refgw_handshake_failures_total '{class="refused"}')
[ "${hs:-0}" -ge 1 ] && pass || fail "refused handshakes: '$hs'"
ok=$(metric refgw_handshakes_total "")
[ "${ok:-0}" -ge 10 ] && pass || fail "handshakes: '$ok'"
conns=$(metric refgw_connections_open "")
[ "${conns:-0}" -ge 1 ] && pass || fail "open connections: '$conns'"
commits=$(metric refgw_store_commits_total "")
[ "${commits:-0}" -ge 1 ] && pass || fail "store commits: '$commits'"

# SPEC §6: operational series only. No signal, organisation, type or
# subject attribute in any label; only these label names.
for pair in $ORGS; do
    id=${pair%%:*}
    grep -q -- "\"$id\"" "$M" && fail "organisation id $id in metrics" || pass
done
labels=$(grep -o '[a-z_]*="' "$M" | sort -u | tr -d '="' | tr '\n' ' ')
expect_eq "$labels" "class code event version which " "label names"
for word in age_band gender municipality origin socioeconomic education housing addiction \
    GM0935 16_17 homeless drugs loverboy sexual_exploitation school police expertise_centre; do
    grep -q -- "$word" "$M" && fail "$word in metrics" || pass
done

# Each rejection is counted once, also across the store flush (tick every second).
req audit GET "/v1/stats?by=bogus"
sleep 2.2
req audit GET /metrics
expect_eq "$(awk '$1 == "refgw_rejections_total{code=\"invalid_parameter\"}" {print $2}' "$BODY_FILE")" \
    "$((N_INVALID + 1))" "a flushed rejection counted once"

# ---- a restart: counts persist; the threshold comes from the configuration ----
rg_stop
rg_start '{"stats_min_count": 1}'
for by in signal sender,recipient,signal,urgency month,recipient_type; do
    check "$ALL&by=$by" 1
    check "$ALL&event=expired&by=$by" 1
done
req audit GET "/v1/stats?$ALL"
expect_eq "$(jqb .min_count)" 1 "min_count from the configuration"
send school-a police-a loverboy normal '{}' >/dev/null
send school-a police-a other urgent '{}' >/dev/null
check "$ALL&by=signal" 1

# ---- the client: refgw stats ----
REFGW=${REFGW:-$(dirname "$REFGWD")/../cli/refgw}
if [ -x "$REFGW" ]; then
    export REFGW_GATEWAY=$URL REFGW_CERT=$CERTS/audit.crt REFGW_KEY=$CERTS/audit.key REFGW_CA=$CERTS/ca.crt
    out=$("$REFGW" stats --from 2000-01 --to 2999-12 --event expired --by signal) && pass || fail "refgw stats"
    req audit GET "/v1/stats?$ALL&event=expired&by=signal"
    expect_eq "$out" "$(jq -r '.rows[] | "\(.signal)\t\(.count)"' "$BODY_FILE")" "refgw stats, tab-separated"
    # The client shows published values only (counts v2): rows the gateway
    # withholds ("<5" in a v1 gateway's CSV) are not printed.
    req audit GET "/v1/stats?$ALL&by=sender,signal&format=csv"
    out=$("$REFGW" stats --from 2000-01 --to 2999-12 --by sender,signal --csv) && pass || fail "refgw stats --csv"
    expect_eq "$out" "$(grep -v ',<' "$BODY_FILE")" "refgw stats --csv is the gateway's CSV"
    req audit GET "/v1/stats?$ALL&event=acknowledged&by=month,recipient"
    out=$("$REFGW" --json stats --from 2000-01 --to 2999-12 --event acknowledged --by month,recipient)
    expect_eq "$(echo "$out" | jq -S -c .)" "$(jq -S -c . "$BODY_FILE")" "refgw --json stats is the answer"
    out=$("$REFGW" stats) && pass || fail "refgw stats without options"
    req audit GET "/v1/stats"
    expect_eq "$out" "$(jqb .total)" "refgw stats: this month's total"
    # Refused by the client before asking (counts v2), in words.
    rc=0; "$REFGW" stats --by age_band,housing 2>"$T/err" || rc=$?
    expect_eq "$rc" 1 "refgw stats with two attributes"
    grep -q 'both subject attributes' "$T/err" && pass || fail "refgw stats error: $(cat "$T/err")"
    rc=0; "$REFGW" stats --from 2026-13 2>/dev/null || rc=$?
    expect_eq "$rc" 1 "refgw stats with a bad month"
    rc=0; "$REFGW" stats --event sent 2>/dev/null || rc=$?
    expect_eq "$rc" 1 "refgw stats with a bad event"
    rc=0; REFGW_CERT=$CERTS/ecmj.crt REFGW_KEY=$CERTS/ecmj.key "$REFGW" stats 2>"$T/err" || rc=$?
    expect_eq "$rc" 2 "refgw stats as a partner"
    grep -q forbidden_role "$T/err" && pass || fail "partner's refusal: $(cat "$T/err")"
else
    fail "no refgw client at $REFGW"
fi

rg_stop
rg_start '{"stats_min_count": 50}'
check "$ALL&by=signal" 50
expect_eq "$(jqb '"\(.rows | length) \(.total)"')" "0 null" \
    "nothing reaches a threshold of 50"
req audit GET "/v1/stats?$ALL&by=urgency&format=csv"
expect_eq "$(cat "$BODY_FILE")" "urgency,count" "csv with threshold 50"
rg_stop
finish
