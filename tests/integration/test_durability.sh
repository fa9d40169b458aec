#!/usr/bin/env bash
# A 202 means committed: senders stream referrals, refgwd is killed with
# SIGKILL mid-stream and restarted on the same data_dir. Every referral that
# got 202 is delivered; a retry of an unanswered send never makes a second
# referral; nothing acknowledged is delivered again; every referral is counted
# once, though sends are counted in bulk after their 202. Stopped with
# SIGTERM mid-stream, it exits cleanly and loses nothing that got 202.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start '{"rate_limit_per_minute": 1000000}'

sender() { # sender N: sends until killed, logs "client_ref id status" per answer
    local n=$1 i=0 out
    while :; do
        i=$((i + 1))
        out=$(curl -sS --max-time 5 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
            --key "$CERTS/school-a.key" -H 'Content-Type: application/json' \
            --data-binary "$(referral ecmj other ".client_ref=\"s$n-$i\"")" \
            -w ' %{http_code}' "$URL/v1/referrals" 2>/dev/null) || out="- 000"
        echo "s$n-$i ${out}" >>"$T/sent.$n"
    done
}
# Until the senders have had N answers 202 between them (at most 60 s):
# a fixed time is too short when other tests share the machine.
wait_accepted() { # N
    local i
    for i in $(seq 1 600); do
        [ "$(cat "$T"/sent.* 2>/dev/null | grep -c ' 202$')" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
pids=()
for n in 1 2 3 4; do sender "$n" & pids+=($!); done
wait_accepted 20 || true      # the count is checked below
sleep 0.3
rg_kill9                      # mid-stream
sleep 0.3
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done

cat "$T"/sent.* >"$T/sent"
grep -E ' 202$' "$T/sent" | sed -E 's/^([^ ]+) \{"id":"([^"]+)".*/\1 \2/' | sort >"$T/accepted"
accepted=$(wc -l <"$T/accepted")
[ "$accepted" -ge 20 ] && pass || fail "only $accepted sends were accepted before the kill"

rg_start '{"rate_limit_per_minute": 1000000}'
# Retry every send that got no 202 with the same client_ref: at most one referral each.
grep -vE ' 202$' "$T/sent" | awk '{print $1}' | while read -r ref; do
    req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"$ref\"")"
    case $STATUS in 200|202) echo "$ref $(jqb .id)" >>"$T/retried" ;; *) echo "retry $ref: $STATUS" >>"$T/bad" ;; esac
done
[ ! -s "$T/bad" ] && pass || fail "retries failed: $(head -3 "$T/bad")"
referrals=$(cat "$T/accepted" "$T/retried" 2>/dev/null | awk '{print $2}' | sort -u | wc -l)

# Each referral counted as accepted once: those the kill caught before their
# counting are counted after the restart, the others are not counted again.
expect_eq "$(exact_count accepted)" "$referrals" "referrals counted as accepted after the crash"

drain_inbox() { # FILE: takes ecmj's whole inbox, acknowledging it; ids to FILE
    : >"$1"
    while :; do
        req ecmj GET "/v1/inbox?limit=500"
        [ "$(jqb '.referrals | length')" -eq 0 ] && break
        jqb '.referrals[].id' >>"$1"
        for id in $(jqb '.referrals[].id'); do req ecmj POST "/v1/inbox/$id/ack"; done
    done
}

# Everything accepted (and retried) is in the inbox, each exactly once.
drain_inbox "$T/delivered"
sort "$T/delivered" >"$T/delivered.sorted"
missing=$(awk '{print $2}' "$T/accepted" | sort | comm -23 - "$T/delivered.sorted" | wc -l)
expect_eq "$missing" 0 "referrals that got 202 but were lost"
dups=$(uniq -d "$T/delivered.sorted" | wc -l)
expect_eq "$dups" 0 "referrals delivered twice in one pass"
total=$(( accepted + $(cat "$T/retried" 2>/dev/null | wc -l) ))
expect_eq "$(wc -l <"$T/delivered.sorted")" "$(cat "$T/accepted" "$T/retried" 2>/dev/null | awk '{print $2}' | sort -u | wc -l)" \
    "one referral per client_ref ($total sends answered)"

# Acknowledged referrals do not come back after another crash.
rg_kill9
rg_start '{"rate_limit_per_minute": 1000000}'
req ecmj GET "/v1/inbox?limit=500"
expect_eq "$(jqb '.referrals | length')" 0 "acknowledged referrals delivered again after restart"
expect_eq "$(exact_count acknowledged)" "$referrals" "acknowledgements counted once across the crash"
expect_eq "$(exact_count accepted)" "$referrals" "sends counted once across two crashes"

# SIGTERM mid-stream: refgwd answers or refuses what is in flight, exits 0
# (under ASan: without a memory error report), and nothing that got 202 is
# lost.
rm -f "$T"/sent.*
pids=()
for n in 5 6 7 8; do sender "$n" & pids+=($!); done
wait_accepted 10 || true      # the count is checked below
sleep 0.3
rg_stop
sleep 0.3
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
cat "$T"/sent.* | grep -E ' 202$' | sed -E 's/^[^ ]+ \{"id":"([^"]+)".*/\1/' | sort >"$T/accepted2"
[ "$(wc -l <"$T/accepted2")" -ge 10 ] && pass || fail "only $(wc -l <"$T/accepted2") sends accepted before SIGTERM"
rg_start '{"rate_limit_per_minute": 1000000}'
drain_inbox "$T/delivered2"
missing=$(sort "$T/delivered2" | comm -23 "$T/accepted2" - | wc -l)
expect_eq "$missing" 0 "referrals that got 202 but were lost to SIGTERM"
rg_stop
finish
