#!/usr/bin/env bash
# SPEC §6 and /metrics against the real refgwd: a known mix of referrals, some
# acknowledged, the rest expired (short retention); every event, many `by`
# combinations, suppression with the complementary rule, CSV, every
# invalid_parameter case, partners refused, and the exposition format parsed
# and checked value by value. No organisation id in any metric label.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start '{"retention_days": 0.00005}' # about 4.3 s: what is not acknowledged expires

MONTH=$(date -u +%Y-%m)
ALL="from=2000-01&to=2999-12"
N_FORBIDDEN=0 # forbidden_role answers provoked, checked against /metrics
N_INVALID=0   # invalid_parameter answers provoked

# send FROM TO SIGNAL URGENCY SUBJECT-JSON: sends, prints the id
send() {
    req "$1" POST /v1/referrals "$(referral "$2" "$3" ".urgency=\"$4\" | .subject=$5")"
    [ "$STATUS" = 202 ] || { fail "send $1 -> $2: $STATUS $(cat "$BODY_FILE")"; return; }
    jqb .id
}
ack() {
    req "$1" POST "/v1/inbox/$2/ack"
    expect_status 200 "ack by $1"
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

# Wait until the ten unacknowledged ones have expired.
for i in $(seq 1 60); do
    req audit GET "/v1/stats?$ALL&event=expired"
    [ "$(jqb .total)" = 10 ] && break
    sleep 0.5
done
expect_eq "$(jqb .total)" 10 "expired total after retention"

# stats QUERY: GET /v1/stats as the admin, expecting 200
stats() {
    req audit GET "/v1/stats?$1"
    expect_status 200 "stats $1"
}
# rows_as_text: "v1/v2=count" per row, "S" for a suppressed count, joined by spaces
rows() { jqb '[.rows[] | ([to_entries[] | select(.key != "count" and .key != "suppressed") | .value] | join("/")) + "=" + (if .suppressed then "S" else (.count | tostring) end)] | join(" ")'; }
# expect_stats QUERY ROWS TOTAL
expect_stats() {
    stats "$1"
    expect_eq "$(rows)" "$2" "rows of $1"
    expect_eq "$(jqb '.total // "null"')" "$3" "total of $1"
}

# ---- the answer's shape ----
stats "$ALL&by=signal"
expect_eq "$(jqb '[.from, .to, .event, (.by | join(",")), .min_count] | join(" ")')" \
    "2000-01 2999-12 accepted signal 5" "answer header"
expect_eq "$(jqb '[.rows[] | select(.suppressed) | .count] | unique | tostring')" "[null]" \
    "suppressed rows have count null"
expect_eq "$(jqb '[.rows[] | select(.suppressed | not) | has("suppressed")] | any')" false \
    "shown rows carry no suppressed flag"
expect_eq "$(jqb 'has("total_suppressed")')" false "no total_suppressed on a shown total"

# ---- accepted ----
expect_stats "$ALL" "=22" 22
expect_stats "" "=22" 22 # defaults: this month, accepted
expect_stats "from=$MONTH&to=$MONTH&event=accepted" "=22" 22
expect_stats "from=1999-01&to=1999-12" "" null # nothing then: no rows, total below threshold
expect_eq "$(jqb .total_suppressed)" true "an empty period's total is suppressed"
expect_stats "$ALL&by=month" "$MONTH=22" 22
expect_stats "$ALL&by=signal" \
    "criminal_exploitation=6 dependency=S loverboy=8 other=S sexual_exploitation=5" 22
expect_stats "$ALL&by=sender_type" "police=5 prevention=S school=14 youth_care=S" 22
expect_stats "$ALL&by=sender" "police-a=5 prev-a=S school-a=14 youth-a=S" 22
expect_stats "$ALL&by=recipient" "care-a=6 ecmj=10 police-a=6" 22
expect_stats "$ALL&by=recipient_type,urgency" \
    "care_coordinator/normal=6 expertise_centre/normal=10 police/urgent=6" 22
expect_stats "$ALL&by=urgency" "normal=16 urgent=6" 22
expect_stats "$ALL&by=age_band" "12_15=S 16_17=9 18_22=S unknown=8" 22
expect_stats "$ALL&by=housing" "homeless=6 unknown=8 with_parents=8" 22
expect_stats "$ALL&by=addiction" "drugs=S unknown=S" 22 # one small cell: its complement too
# The complementary rule: drugs=2 alone would be 22-20; so unknown is suppressed as well.
stats "$ALL&by=addiction"
expect_eq "$(jqb '[.rows[] | select(.suppressed)] | length')" 2 "complement suppressed"
expect_stats "$ALL&by=municipality" "GM0935=6 unknown=16" 22
expect_stats "$ALL&by=gender" "unknown=22" 22
expect_stats "$ALL&by=signal,age_band" \
    "criminal_exploitation/16_17=S criminal_exploitation/18_22=S dependency/unknown=S loverboy/12_15=S loverboy/16_17=6 other/unknown=S sexual_exploitation/unknown=5" 22
expect_stats "$ALL&by=age_band,signal" \
    "12_15/loverboy=S 16_17/criminal_exploitation=S 16_17/loverboy=6 18_22/criminal_exploitation=S unknown/dependency=S unknown/other=S unknown/sexual_exploitation=5" 22
expect_stats "$ALL&by=sender,recipient,signal,urgency" \
    "police-a/care-a/sexual_exploitation/normal=5 prev-a/care-a/other/normal=S school-a/ecmj/loverboy/normal=8 school-a/police-a/criminal_exploitation/urgent=6 youth-a/ecmj/dependency/normal=S" 22

# ---- acknowledged ----
expect_stats "$ALL&event=acknowledged" "=12" 12
expect_stats "$ALL&event=acknowledged&by=recipient" "care-a=5 ecmj=7" 12
# dependency=2 alone; the next smallest are loverboy=5 and sexual_exploitation=5:
# the first of equals in row order goes.
expect_stats "$ALL&event=acknowledged&by=signal" \
    "dependency=S loverboy=S sexual_exploitation=5" 12
expect_stats "$ALL&event=acknowledged&by=sender_type,recipient_type" \
    "police/care_coordinator=S school/expertise_centre=5 youth_care/expertise_centre=S" 12
expect_stats "$ALL&event=acknowledged&by=age_band" "16_17=5 unknown=7" 12
expect_stats "$ALL&event=acknowledged&by=month,addiction" "$MONTH/drugs=S $MONTH/unknown=S" 12

# ---- expired ----
expect_stats "$ALL&event=expired" "=10" 10
expect_stats "$ALL&event=expired&by=signal" "criminal_exploitation=6 loverboy=S other=S" 10
expect_stats "$ALL&event=expired&by=recipient_type" \
    "care_coordinator=S expertise_centre=S police=6" 10
expect_stats "$ALL&event=expired&by=housing" "homeless=6 unknown=S with_parents=S" 10
expect_stats "$ALL&event=expired&by=urgency,sender" \
    "normal/prev-a=S normal/school-a=S urgent/school-a=6" 10
expect_stats "$ALL&event=expired&by=education" "unknown=10" 10

# ---- CSV ----
req audit GET "/v1/stats?$ALL&by=signal&format=csv" "" -D "$T/headers"
expect_status 200 "csv"
grep -qi '^content-type: text/csv' "$T/headers" && pass || fail "csv content type: $(grep -i content-type "$T/headers")"
expect_eq "$(cat "$BODY_FILE")" "signal,count
criminal_exploitation,6
dependency,<5
loverboy,8
other,<5
sexual_exploitation,5" "csv body"
req audit GET "/v1/stats?$ALL&event=acknowledged&by=recipient_type,month&format=csv"
expect_eq "$(cat "$BODY_FILE")" "recipient_type,month,count
care_coordinator,$MONTH,5
expertise_centre,$MONTH,7" "csv of two dimensions"
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
invalid "by=age_band,gender" by
invalid "by=month,housing,addiction" by
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
# The counts table survived all of that.
expect_stats "$ALL" "=22" 22

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

# Every line is a comment, or `name{labels} integer`; every family has HELP and TYPE.
bad=$(grep -Ev '^# (HELP|TYPE) refgw_[a-z_]+ .+$|^refgw_[a-z_]+(\{[a-z_]+="[a-z0-9_]+"(,[a-z_]+="[a-z0-9_]+")*\})? [0-9]+$' "$M" || true)
expect_eq "$bad" "" "malformed exposition lines"
for fam in refgw_referrals_total:counter refgw_rejections_total:counter \
    refgw_tls_handshake_failures_total:counter refgw_connections_open:gauge \
    refgw_referrals_pending:gauge refgw_oldest_pending_age_seconds:gauge; do
    grep -q "^# HELP ${fam%%:*} " "$M" && pass || fail "no HELP for ${fam%%:*}"
    grep -qx "# TYPE ${fam%%:*} ${fam#*:}" "$M" && pass || fail "no TYPE ${fam#*:} for ${fam%%:*}"
done
# Samples of a family come after its TYPE line and nowhere else.
order=$(awk '/^# TYPE/ {fam=$3; seen[fam]=1; next} /^#/ {next}
    { n=$1; sub(/\{.*/, "", n); if (n != fam) print "sample " n " outside its family" }' "$M")
expect_eq "$order" "" "samples grouped under their TYPE"

# metric NAME LABELS: the value of the sample with exactly these labels ("" if none)
metric() { awk -v want="$1$2" '$1 == want {print $2}' "$M"; }
# msum NAME FILTER: the sum of NAME's samples whose labels contain FILTER
msum() { grep "^$1{" "$M" | grep -F -- "$2" | awk '{s += $2} END {print s + 0}'; }

expect_eq "$(metric refgw_referrals_total '{event="accepted",sender_type="school",recipient_type="expertise_centre",signal="loverboy"}')" 8 "accepted school->ecmj loverboy"
expect_eq "$(metric refgw_referrals_total '{event="accepted",sender_type="school",recipient_type="police",signal="criminal_exploitation"}')" 6 "accepted school->police"
expect_eq "$(metric refgw_referrals_total '{event="acknowledged",sender_type="youth_care",recipient_type="expertise_centre",signal="dependency"}')" 2 "acknowledged dependency (no suppression in metrics)"
expect_eq "$(metric refgw_referrals_total '{event="expired",sender_type="prevention",recipient_type="care_coordinator",signal="other"}')" 1 "expired other"
expect_eq "$(msum refgw_referrals_total 'event="accepted"')" 22 "accepted sum"
expect_eq "$(msum refgw_referrals_total 'event="acknowledged"')" 12 "acknowledged sum"
expect_eq "$(msum refgw_referrals_total 'event="expired"')" 10 "expired sum"
expect_eq "$(grep -c '^refgw_referrals_total{' "$M")" 11 "referral series (5 accepted, 3 acknowledged, 3 expired)"
expect_eq "$(metric refgw_rejections_total '{code="forbidden_role"}')" "$N_FORBIDDEN" "forbidden_role rejections"
expect_eq "$(metric refgw_rejections_total '{code="invalid_parameter"}')" "$N_INVALID" "invalid_parameter rejections"
expect_eq "$(metric refgw_rejections_total '{code="method_not_allowed"}')" 1 "method_not_allowed rejections"
expect_eq "$(metric refgw_rejections_total '{code="unknown_organisation"}')" 1 "unknown_organisation rejections"
expect_eq "$(metric refgw_rejections_total '{code="invalid_json"}')" 0 "no invalid_json"
expect_eq "$(grep -c '^refgw_rejections_total{' "$M")" 18 "a series per error code"
hs=$(metric refgw_tls_handshake_failures_total "")
[ "${hs:-0}" -ge 1 ] && pass || fail "handshake failures: '$hs'"
conns=$(metric refgw_connections_open "")
[ "${conns:-0}" -ge 1 ] && pass || fail "open connections: '$conns'"
expect_eq "$(msum refgw_referrals_pending '')" 0 "nothing pending after ack and expiry"
expect_eq "$(grep -c '^refgw_referrals_pending{' "$M")" 6 "a pending series per partner type"
expect_eq "$(msum refgw_oldest_pending_age_seconds '')" 0 "no age when nothing is pending"

# No organisation id and no subject attribute in any label; only these label names.
for pair in $ORGS; do
    id=${pair%%:*}
    grep -q -- "\"$id\"" "$M" && fail "organisation id $id in metrics" || pass
done
labels=$(grep -o '[a-z_]*="' "$M" | sort -u | tr -d '="' | tr '\n' ' ')
expect_eq "$labels" "code event recipient_type sender_type signal " "label names"
for attr in age_band gender municipality origin socioeconomic education housing addiction GM0935 16_17 homeless drugs; do
    grep -q -- "$attr" "$M" && fail "subject attribute $attr in metrics" || pass
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
expect_stats "$ALL&by=signal" \
    "criminal_exploitation=6 dependency=2 loverboy=8 other=1 sexual_exploitation=5" 22
stats "$ALL"
expect_eq "$(jqb .min_count)" 1 "min_count from the configuration"
# Every subject attribute: its values sum to the same total.
for attr in age_band gender municipality origin socioeconomic education housing addiction; do
    stats "$ALL&by=$attr"
    expect_eq "$(jqb '[.rows[].count] | add')" 22 "accepted by $attr sums to the total"
    stats "$ALL&event=expired&by=signal,$attr,month"
    expect_eq "$(jqb '[.rows[].count] | add')" 10 "expired by signal,$attr,month sums to 10"
done
expect_stats "$ALL&by=age_band" "12_15=2 16_17=9 18_22=3 unknown=8" 22
expect_stats "$ALL&event=expired&by=age_band" "12_15=2 16_17=4 18_22=3 unknown=1" 10
expect_stats "$ALL&by=month,signal,urgency,sender,sender_type,recipient,recipient_type,origin" \
    "$MONTH/criminal_exploitation/urgent/school-a/school/police-a/police/unknown=6 $MONTH/dependency/normal/youth-a/youth_care/ecmj/expertise_centre/unknown=2 $MONTH/loverboy/normal/school-a/school/ecmj/expertise_centre/unknown=8 $MONTH/other/normal/prev-a/prevention/care-a/care_coordinator/unknown=1 $MONTH/sexual_exploitation/normal/police-a/police/care-a/care_coordinator/unknown=5" 22
req audit GET "/v1/stats?$ALL&by=signal&format=csv"
expect_eq "$(sed -n 3p "$BODY_FILE")" "dependency,2" "csv with threshold 1"

# Pending gauges: two for the police, waiting.
send school-a police-a loverboy normal '{}' >/dev/null
send school-a police-a other urgent '{}' >/dev/null
sleep 2
req audit GET /metrics
cp "$BODY_FILE" "$M"
expect_eq "$(metric refgw_referrals_pending '{recipient_type="police"}')" 2 "pending for police"
expect_eq "$(metric refgw_referrals_pending '{recipient_type="expertise_centre"}')" 0 "none pending for ecmj"
age=$(metric refgw_oldest_pending_age_seconds '{recipient_type="police"}')
[ "${age:-0}" -ge 2 ] && [ "${age:-0}" -lt 60 ] && pass || fail "oldest pending age for police: '$age'"
expect_eq "$(msum refgw_referrals_total 'event="accepted"')" 24 "accepted after the restart"
expect_eq "$(metric refgw_tls_handshake_failures_total "")" 0 "handshake failures count since start"

# ---- the client: refgw stats ----
REFGW=${REFGW:-$(dirname "$REFGWD")/../cli/refgw}
if [ -x "$REFGW" ]; then
    export REFGW_GATEWAY=$URL REFGW_CERT=$CERTS/audit.crt REFGW_KEY=$CERTS/audit.key REFGW_CA=$CERTS/ca.crt
    out=$("$REFGW" stats --from 2000-01 --to 2999-12 --event expired --by signal) && pass || fail "refgw stats"
    expect_eq "$out" "$(printf 'criminal_exploitation\t6\nloverboy\t3\nother\t1')" "refgw stats, tab-separated"
    # The client shows published values only (counts v2): rows the gateway
    # withholds ("<5" in a v1 gateway's CSV) are not printed.
    req audit GET "/v1/stats?$ALL&by=sender,signal&format=csv"
    out=$("$REFGW" stats --from 2000-01 --to 2999-12 --by sender,signal --csv) && pass || fail "refgw stats --csv"
    expect_eq "$out" "$(grep -v ',<' "$BODY_FILE")" "refgw stats --csv is the gateway's CSV"
    req audit GET "/v1/stats?$ALL&event=acknowledged&by=month,recipient"
    out=$("$REFGW" --json stats --from 2000-01 --to 2999-12 --event acknowledged --by month,recipient)
    expect_eq "$(echo "$out" | jq -S -c .)" "$(jq -S -c . "$BODY_FILE")" "refgw --json stats is the answer"
    out=$("$REFGW" stats) && pass || fail "refgw stats without options"
    expect_eq "$out" "24" "refgw stats: this month's total"
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
expect_stats "$ALL&by=signal" \
    "criminal_exploitation=S dependency=S loverboy=S other=S sexual_exploitation=S" null
expect_eq "$(jqb .total_suppressed)" true "total below the threshold"
req audit GET "/v1/stats?$ALL&by=urgency&format=csv"
expect_eq "$(cat "$BODY_FILE")" "urgency,count
normal,<50
urgent,<50" "csv with threshold 50"
rg_stop
finish
