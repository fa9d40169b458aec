#!/usr/bin/env bash
# SPEC §11: two gateways on one PostgreSQL. A referral sent through one is
# received, acknowledged and looked up through the other; a long-poll on
# one wakes on a commit through the other (LISTEN/NOTIFY), and still wakes
# when its listening connection is cut (made again, and the look at the
# table every few seconds); acknowledgement is exactly once, a client_ref
# is recognised through either node, every send is counted once whichever
# node counts it; the rate limit is per node.
source "$(dirname "$0")/../integration/common.sh"
source "$(dirname "$0")/nodes.sh"
rg_setup
node_start 1 '{"rate_limit_per_minute": 1000000}'
node_start 2 '{"rate_limit_per_minute": 1000000}'

# ---- sent through 1, received through 2 ----
on 1
req school-a POST /v1/referrals "$(referral ecmj loverboy '.client_ref="x-1" | .subject.age_band="16_17"')"
expect_status 202 "send through node 1"
id=$(jqb .id)
on 2
req ecmj GET /v1/inbox
expect_eq "$(jqb '[.referrals[].id] | join(",")')" "$id" "the inbox through node 2 has it"
expect_eq "$(jqb '.referrals[0] | [.from, .signal, .subject.age_band, .body] | join("|")')" \
    "school-a|loverboy|16_17|observed at school" "its fields through node 2"
req school-a GET "/v1/referrals/$id"
expect_eq "$(jqb .status)" delivered "its status through node 2"
req school-a POST /v1/referrals "$(referral ecmj loverboy '.client_ref="x-1" | .subject.age_band="16_17"')"
expect_status 200 "the same client_ref again, through node 2"
expect_eq "$(jqb '[.id, .duplicate] | join(" ")')" "$id true" "recognised as the same referral"
req school-a POST /v1/referrals "$(referral ecmj other '.client_ref="x-1"')"
expect_code 409 conflict client_ref "the same client_ref with other content, through node 2"

# ---- acknowledged once, whichever node and however many at once ----
ackers=()
for i in 1 2 3 4 5 6; do
    on $((i % 2 + 1))
    curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" \
        -X POST -o "$T/ack.$i" -w '%{http_code}\n' "$URL/v1/inbox/$id/ack" >"$T/ack.$i.status" &
    ackers+=($!)
done
wait "${ackers[@]}"
expect_eq "$(cat "$T"/ack.*.status | sort -u | paste -sd,)" 200 "six acknowledgements at once through both nodes"
expect_eq "$(exact_count acknowledged)" 1 "counted as acknowledged once"
on 1
req school-a GET "/v1/referrals/$id"
expect_eq "$(jqb .status)" acknowledged "acknowledged, seen through node 1"
req ecmj GET /v1/inbox
expect_eq "$(jqb '.referrals | length')" 0 "not handed out again"

# ---- a long-poll on 2 wakes on a commit through 1 ----
# waits_for_send NODE_POLL NODE_SEND: seconds from the send to the answer
waits_for_send() {
    on "$1"
    curl -sS --max-time 30 --cacert "$CERTS/ca.crt" --cert "$CERTS/police-a.crt" \
        --key "$CERTS/police-a.key" -o "$T/poll" -w '%{time_total}\n' \
        "$URL/v1/inbox?wait=25" >"$T/poll.t" &
    local poller=$!
    sleep 0.5 # parked by now
    on "$2"
    local t0 rc=0
    t0=$(date +%s.%N)
    req school-a POST /v1/referrals "$(referral police-a)"
    local sent
    sent=$(jqb .id)
    wait "$poller" || rc=$?
    local got
    got=$(jq -r '.referrals[0].id' "$T/poll" 2>/dev/null || echo "")
    [ "$rc" = 0 ] && [ "$got" = "$sent" ] || { echo 99; return; }
    # answered at (start + total); the send began at t0, 0.5 s after the start
    awk -v total="$(cat "$T/poll.t")" 'BEGIN { printf "%.3f\n", total - 0.5 }'
    req police-a POST "/v1/inbox/$sent/ack"
}
waits=()
for i in 1 2 3; do waits+=("$(waits_for_send 2 1)"); done
median=$(printf '%s\n' "${waits[@]}" | sort -g | sed -n 2p)
# NOTIFY, not the look every 2 s: well under a second even with the send's
# own handshake included.
awk -v m="$median" 'BEGIN { exit !(m < 1.0) }' && pass ||
    fail "a long-poll on node 2 woke ${waits[*]} s after sends through node 1"

# ---- the listening connection cut: made again, and nothing missed ----
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'refgwd-watch'" >/dev/null
w=$(waits_for_send 2 1)
awk -v w="$w" 'BEGIN { exit !(w < 5) }' && pass ||
    fail "with its LISTEN connection cut, a long-poll on node 2 woke after $w s"
for i in $(seq 1 50); do
    [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'refgwd-watch'")" = 2 ] && break
    sleep 0.1
done
expect_eq "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'refgwd-watch'")" 2 \
    "both nodes listen again"
w=$(waits_for_send 2 1)
awk -v w="$w" 'BEGIN { exit !(w < 1.0) }' && pass ||
    fail "after listening again, a long-poll on node 2 woke after $w s"

# ---- counts: every send once, whichever node stored and counted it ----
for i in $(seq 1 20); do
    on $((i % 2 + 1))
    req school-b POST /v1/referrals "$(referral care-a sexual_exploitation ".client_ref=\"c-$i\"")"
done
on 1
accepted=$(pg_sql "SELECT count(*) FROM referrals")
expect_eq "$(exact_count accepted)" "$accepted" "every send counted as accepted once, through node 1's stats"
on 2
expect_eq "$(exact_count accepted)" "$accepted" "and through node 2's"
req audit GET /metrics
grep -q "^refgw_events_total{event=\"accepted\"} $accepted\$" "$BODY_FILE" && pass ||
    fail "/metrics on node 2 does not count $accepted accepted: $(grep -m1 accepted "$BODY_FILE")"

# ---- an ended period is released once, from every node's counters ----
# Two shards' exact counters of a month long gone, as two nodes left them;
# both nodes start together and each checks for releases at once. The cell
# keys add up to 2^31 (u = 0.5): published as its true count, 10 + 10.
node_stop 1
node_stop 2
pg_sql "INSERT INTO subject_counts (period, event, attr, value, shard, n, k)
        SELECT '2020-01', 'accepted', 'age_band', '16_17', s, 10, 1073741824
        FROM generate_series(5, 6) s" >/dev/null
node_spawn 1 '{"rate_limit_per_minute": 3}'
node_spawn 2 '{"rate_limit_per_minute": 3}'
node_ready 1
node_ready 2
for i in $(seq 1 50); do
    [ "$(pg_sql "SELECT count(*) FROM releases WHERE period = '2020-01'")" = 1 ] && break
    sleep 0.1
done
sleep 1 # both nodes' first checks are done by now
expect_eq "$(pg_sql "SELECT count(*) FROM releases WHERE period = '2020-01'")" 1 "released once"
expect_eq "$(pg_sql "SELECT count(*) FROM subject_counts WHERE period = '2020-01'")" 0 \
    "its exact counters erased"
on 2
req audit GET "/v1/stats?period=2020-01&by=age_band"
expect_eq "$(jqb '[.rows[] | "\(.age_band)=\(.count)"] | join(",")'),$(jqb .total)" "16_17=20,20" \
    "published from both shards' counters"
grep -h "store" "$T/node.1.err" "$T/node.2.err" | grep -v "lost\|connected" >"$T/store.log" || true
expect_eq "$(cat "$T/store.log")" "" "no store failure while both released"

# ---- the rate limit is each node's own (docs/scaling.md) ----
for node in 1 2; do
    on $node
    for i in 1 2 3; do req prev-a GET /v1/directory; done
    expect_status 200 "node $node: the third request of the minute"
    req prev-a GET /v1/directory
    expect_code 429 rate_limited "" "node $node: the fourth request of the minute"
done
node_stop 1
node_stop 2
finish
