#!/usr/bin/env bash
# The privacy attack suite (SPEC §6 v2): the administrator and the disk
# reader try to learn about the young people behind the counts, and must
# fail. Each attack is first shown to succeed against a replay of v1's rules
# or a deliberately weakened publisher or store over the same referrals, so
# that it would catch a gateway that answered like them (run_attacks.py).
#
# The referrals: with refgwd's clock in November of last year (libfaketime),
# 20 sends, all acknowledged: 9 school-a -> ecmj loverboy, 9 police-a ->
# care-a sexual_exploitation, one youth-a -> ecmj dependency urgent about a
# young person whose values no other referral of that year has (the
# target), one prev-a -> care-a other with no subject; in December, 6
# youth-a -> ecmj dependency about under-12s and two single sends. Then
# refgwd on the real clock: last year's months, its fourth quarter and the
# year have ended and are released; this month 4 pending sends of one
# profile (the threshold crossing adds one more) and two acknowledged sends
# of two others. The attacks run against refgwd and the replays; then,
# refgwd stopped, against its store with sqlite3 and grep. The closing note
# says what each one got.
source "$(dirname "$0")/../integration/common.sh"
source "$(dirname "$0")/../integration/faketime.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in faketime sqlite3; do
    command -v "$tool" >/dev/null || "$HERE/../../scripts/install-deps" >&2 ||
        { echo "FAIL: $tool is missing and could not be installed" >&2; exit 1; }
done

YEAR=$(($(date -u +%Y) - 1))
NOW=$(date -u +%Y-%m)
LEDGER=$T/ledger.jsonl
: >"$LEDGER"
MAKE_CERTS_REAL=$MAKE_CERTS
REFGWD_REAL=$REFGWD
# Certificates valid since before last November.
rg_clock_command "$T/make-certs-then" "$YEAR-11-01 00:00:00" "$MAKE_CERTS_REAL"
MAKE_CERTS=$T/make-certs-then
rg_setup

# start_at WHEN: refgwd with its clock at WHEN ("now": the real clock), and
# a CRL made an hour before (a CRL of November has expired by December; one
# made at WHEN itself could start a second after refgwd's clock).
start_at() {
    if [ "$1" = now ]; then
        "$MAKE_CERTS_REAL" "$CERTS" crl >/dev/null
        REFGWD=$REFGWD_REAL
    else
        rg_clock_command "$T/make-certs-at" "$(date -u -d "$1 UTC -1 hour" '+%F %T')" \
            "$MAKE_CERTS_REAL"
        "$T/make-certs-at" "$CERTS" crl >/dev/null
        rg_clock_wrapper "$T/refgwd-at" "$1" "$REFGWD_REAL"
        REFGWD=$T/refgwd-at
    fi
    # Hundreds of questions a minute: more than the default rate limit.
    rg_start '{"rate_limit_per_minute": 100000}'
}

type_of() { for p in $ORGS; do [ "${p%%:*}" = "$1" ] && echo "${p#*:}"; done; }
N=0
# some COUNT MONTH FROM TO SIGNAL URGENCY SUBJECT-JSON ack|pending: sends,
# acknowledges if asked, and writes each referral to the ledger.
some() {
    local count=$1 month=$2 from=$3 to=$4 signal=$5 urgency=$6 subject=$7 end=$8 i id events
    for ((i = 0; i < count; i++)); do
        N=$((N + 1))
        local body="CANARYBODY-$N-q8Zt seen on the way to school"
        req "$from" POST /v1/referrals "$(jq -cn --arg to "$to" --arg s "$signal" \
            --arg u "$urgency" --arg b "$body" --argjson sub "$subject" \
            '{to: $to, signal: $s, urgency: $u, subject: $sub, body: $b}')"
        [ "$STATUS" = 202 ] || { fail "send $from -> $to: $STATUS $(cat "$BODY_FILE")"; continue; }
        id=$(jqb .id)
        events='[{"event": "accepted", "month": $m}]'
        if [ "$end" = ack ]; then
            req "$to" POST "/v1/inbox/$id/ack"
            expect_status 200 "ack by $to"
            events='[{"event": "accepted", "month": $m}, {"event": "acknowledged", "month": $m}]'
        fi
        jq -cn --arg id "$id" --arg s "$from" --arg st "$(type_of "$from")" --arg r "$to" \
            --arg rt "$(type_of "$to")" --arg sig "$signal" --arg u "$urgency" --arg m "$month" \
            --arg b "$body" --argjson sub "$subject" \
            "{id: \$id, sender: \$s, sender_type: \$st, recipient: \$r, recipient_type: \$rt,
              signal: \$sig, urgency: \$u, body: \$b, events: $events,
              subject: ({age_band: \"unknown\", gender: \"unknown\", municipality: \"unknown\",
                         origin: \"unknown\", socioeconomic: \"unknown\", education: \"unknown\",
                         housing: \"unknown\", addiction: \"unknown\"} + \$sub)}" >>"$LEDGER"
    done
}
profile() { # the eight values, in taxonomy order
    jq -cn --arg a "$1" --arg g "$2" --arg m "$3" --arg o "$4" --arg s "$5" --arg e "$6" \
        --arg h "$7" --arg d "$8" '{age_band: $a, gender: $g, municipality: $m, origin: $o,
        socioeconomic: $s, education: $e, housing: $h, addiction: $d}'
}

# ---- November of last year ----
start_at "$YEAR-11-10 12:00:00"
NOV=$YEAR-11
some 9 "$NOV" school-a ecmj loverboy normal \
    "$(profile 16_17 female GM0935 netherlands low vmbo with_parents none)" ack
some 9 "$NOV" police-a care-a sexual_exploitation normal \
    "$(profile 18_22 male GM0917 eu middle mbo homeless drugs)" ack
# The target: GM1883, outside_eu, institution and gambling are hers alone.
some 1 "$NOV" youth-a ecmj dependency urgent \
    "$(profile under_12 female GM1883 outside_eu high primary institution gambling)" ack
some 1 "$NOV" prev-a care-a other normal '{}' ack
rg_stop
# The exact subject counters, as only a test may read them: what each
# release must publish from. November is released when December starts.
SNAPSHOT=$T/snapshot.json
snapshot() {
    sqlite3 -readonly -json "$T/var/refgw.db" "SELECT period, event, attr, value, n, k
        FROM subject_counts WHERE period LIKE '$YEAR%'" >"$T/snapshot-$1.json"
}
snapshot NOV

# ---- December of last year ----
start_at "$YEAR-12-10 12:00:00"
some 6 "$YEAR-12" youth-a ecmj dependency normal \
    "$(profile under_12 male GM0935 netherlands low primary with_parents alcohol)" ack
# Two more small cells: v1 hid a second row when a table had one small
# row, which would have hidden the rows the v1 attacks subtract.
some 1 "$YEAR-12" school-b police-a criminal_exploitation normal '{"age_band": "23_plus"}' ack
some 1 "$YEAR-12" prev-a care-a other normal '{}' ack
rg_stop
snapshot DEC
# November from the first (the second has it only if its release had not
# run yet), the rest from the second.
jq -s '(.[0] | map(select(.period == "'"$NOV"'"))) + (.[1] | map(select(.period != "'"$NOV"'")))' \
    "$T/snapshot-NOV.json" "$T/snapshot-DEC.json" >"$SNAPSHOT"
expect_eq "$(jq '[.[] | select(.period == "'"$YEAR"'" and .attr == "age_band")] | map(.n) | add' \
    "$SNAPSHOT")" 56 "last year's counters before the release (28 sends, 28 acks)"
expect_eq "$(jq '[.[] | select(.period == "'"$NOV"'" and .attr == "age_band")] | map(.n) | add' \
    "$SNAPSHOT")" 40 "November's counters before its release (20 sends, 20 acks)"

# ---- this month, on the real clock ----
start_at now
some 4 "$NOW" school-b police-a criminal_exploitation normal \
    "$(profile 23_plus other GM0928 eu middle hbo_wo supported_living multiple)" pending
some 1 "$NOW" ecmj police-a sexual_exploitation urgent \
    "$(profile 12_15 male GM1680 unknown low mbo independent none)" ack
some 1 "$NOW" youth-a police-a dependency normal \
    "$(profile under_12 female GM0935 netherlands high primary with_parents alcohol)" ack

RESULTS=$T/results.json
python3 -B "$HERE/run_attacks.py" api "$LEDGER" "$URL" "$CERTS" "$YEAR" "$NOW" "$RESULTS" ||
    fail "attacks on refgwd's answers (above)"
rg_stop
python3 -B "$HERE/run_attacks.py" disk "$LEDGER" "$T/var" "$SNAPSHOT" "$RESULTS" ||
    fail "attacks on the store (above)"
finish
