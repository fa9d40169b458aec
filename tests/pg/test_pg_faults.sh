#!/usr/bin/env bash
# SPEC §11 under faults, with senders streaming to two gateways:
# - kill -9 of one node, three rounds: the other keeps answering 202, the
#   killed one comes back by itself once restarted, and no 202 is lost;
# - PostgreSQL stopped (as by a crash) and started again: sends get 503
#   meanwhile, the nodes reconnect without a restart, no 202 is lost;
# - retries of the sends that got no 202 make at most one referral each,
#   and every referral is counted as accepted once;
# - a connection string with a wrong password or host, or one libpq cannot
#   read: refgwd does not start, says why, and never logs the password; a
#   server without fsync is refused.
source "$(dirname "$0")/../integration/common.sh"
source "$(dirname "$0")/nodes.sh"
rg_setup
LIMIT='{"rate_limit_per_minute": 1000000}'
node_start 1 "$LIMIT"
node_start 2 "$LIMIT"

sender() { # sender N: sends to node N%2+1 until $T/stop; "ref node status id" per answer
    local n=$1 i=0 node out port
    node=$((n % 2 + 1))
    while [ ! -e "$T/stop" ]; do
        i=$((i + 1))
        port=$(cat "$T/node.$node.port")
        out=$(curl -sS --max-time 5 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
            --key "$CERTS/school-a.key" -H 'Content-Type: application/json' \
            --data-binary "$(referral ecmj other ".client_ref=\"s$n-$i\"")" \
            -w ' %{http_code}' "https://localhost:$port/v1/referrals" 2>/dev/null) || out="- 000"
        echo "s$n-$i $node ${out##* } $(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")" >>"$T/sent.$n"
    done
}
answers() { cat "$T"/sent.* 2>/dev/null | awk -v node="$1" -v st="$2" \
    '(node == "" || $2 == node) && $3 == st' | wc -l; }
wait_answers() { # NODE STATUS COUNT: until the senders had COUNT such answers (30 s)
    local i
    for i in $(seq 1 300); do
        [ "$(answers "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

senders=()
for n in 1 2 3 4; do sender "$n" & senders+=($!); done

# ---- kill -9 of node 1, three times ----
for round in 1 2 3; do
    wait_answers 1 202 $((round * 10)) || true
    before=$(answers 2 202)
    node_kill9 1
    wait_answers 2 202 $((before + 5)) && pass ||
        fail "round $round: node 2 answered $(($(answers 2 202) - before)) sends with 202 while node 1 was down"
    node_start 1 "$LIMIT"
done
wait_answers 1 202 40 && pass || fail "node 1 did not answer sends again after its restarts"

# ---- PostgreSQL stops (immediate: as a crash) and starts again ----
pg_ctl_as stop -m immediate
wait_answers "" 503 8 && pass || fail "sends were not answered 503 while PostgreSQL was down"
pg_ctl_as start
for node in 1 2; do
    after=$(answers "$node" 202)
    wait_answers "$node" 202 $((after + 5)) && pass ||
        fail "node $node did not take sends again within 30 s of PostgreSQL's return"
done
for n in 1 2; do
    # Only the gateway's own lines: no notice of the server's passed through.
    expect_eq "$(grep -v 'refgwd: ' "$T/node.$n.err" | head -3)" "" "node $n: lines not the gateway's"
    grep -q "connection to PostgreSQL was lost" "$T/node.$n.err" &&
        grep -q "connected to PostgreSQL again" "$T/node.$n.err" && pass ||
        fail "node $n does not say that it lost PostgreSQL and connected again"
done
touch "$T/stop" # each finishes its send in flight: none unrecorded
wait "${senders[@]}"

# ---- nothing that got 202 is lost; a retry makes no second referral ----
cat "$T"/sent.* >"$T/sent"
awk '$3 == 202 {print $1, $4}' "$T/sent" | sort >"$T/accepted"
echo "$(wc -l <"$T/accepted") sends accepted, $(awk '$3 == 503' "$T/sent" | wc -l) refused with 503," \
    "$(awk '$3 == "000"' "$T/sent" | wc -l) unanswered (killed node)" >&2
on 2
retry() { # REF: sent again through node 2; "ref status id"
    local out
    out=$(curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
        --key "$CERTS/school-a.key" -H 'Content-Type: application/json' \
        --data-binary "$(referral ecmj other ".client_ref=\"$1\"")" \
        -w ' %{http_code}' "$URL/v1/referrals" 2>/dev/null) || out="- 000"
    echo "$1 ${out##* } $(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")"
}
export -f retry referral
export CERTS URL
awk '$3 != 202 {print $1}' "$T/sent" | xargs -P 8 -n 1 bash -c 'retry "$1"' _ >"$T/retries"
awk '$2 == 200 || $2 == 202 {print $1, $3}' "$T/retries" >"$T/retried"
expect_eq "$(awk '$2 != 200 && $2 != 202' "$T/retries" | head -3)" "" "retries that failed"

: >"$T/delivered"
while :; do # the whole inbox, acknowledged, through both nodes in turn
    for node in 1 2; do
        on $node
        req ecmj GET "/v1/inbox?limit=500"
        jqb '.referrals[].id' >>"$T/delivered"
        ids=$(jqb '.referrals[].id')
        # shellcheck disable=SC2086
        [ -z "$ids" ] || "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" \
            --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" ack $ids >/dev/null
    done
    [ "$(jqb '.referrals | length')" -eq 0 ] && break
done
sort "$T/delivered" >"$T/delivered.sorted"
expect_eq "$(awk '{print $2}' "$T/accepted" | sort | comm -23 - "$T/delivered.sorted" | wc -l)" 0 \
    "referrals that got 202 but were lost"
expect_eq "$(uniq -d "$T/delivered.sorted" | wc -l)" 0 "referrals delivered twice in one pass"
referrals=$(cat "$T/accepted" "$T/retried" | awk '{print $2}' | sort -u | wc -l)
expect_eq "$(wc -l <"$T/delivered.sorted")" "$referrals" "one referral per client_ref"
expect_eq "$(exact_count accepted)" "$referrals" "each referral counted as accepted once"
expect_eq "$(exact_count acknowledged)" "$referrals" "and as acknowledged once"
node_stop 1
node_stop 2

# ---- connection strings that cannot work: a clear error, no secret ----
SECRET=right-Secret-8810
WRONG=wrong-Secret-4471
pg_sql "CREATE ROLE gw LOGIN PASSWORD '$SECRET'; GRANT ALL ON ALL TABLES IN SCHEMA public TO gw;
        GRANT ALL ON SCHEMA public TO gw" >/dev/null
{ echo "local refgw gw scram-sha-256"; cat "$PGDIR/data/pg_hba.conf"; } >"$T/hba"
pg_as tee "$PGDIR/data/pg_hba.conf" <"$T/hba" >/dev/null
pg_ctl_as reload
refused() { # WHAT CONNINFO EXPECTED-TEXT: refgwd must exit non-zero saying so
    jq --arg c "$2" '.store.conninfo = $c' "$T/base.json" >"$T/bad.json"
    local rc=0
    timeout 30 "$REFGWD" --config "$T/bad.json" 2>"$T/bad.err" || rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && pass || fail "$1: refgwd exited $rc"
    grep -q -- "$3" "$T/bad.err" && pass || fail "$1: no '$3' in: $(cat "$T/bad.err")"
    grep -q -e "$WRONG" -e "$SECRET" "$T/bad.err" && fail "$1: the password is in the log" || pass
}
refused "wrong password" "host=$PGDIR dbname=refgw user=gw password=$WRONG" \
    "password authentication failed"
refused "wrong password in a URI" "postgresql://gw:$WRONG@/refgw?host=$PGDIR" \
    "password authentication failed"
refused "no such host" "host=$T/nowhere dbname=refgw user=gw password=$WRONG" \
    "cannot connect to PostgreSQL"
refused "not a connection string" "host=$PGDIR password=$WRONG oops" \
    "not a libpq connection string"
jq --arg c "host=$PGDIR dbname=refgw user=gw password=$SECRET" '.store.conninfo = $c' \
    "$T/base.json" >"$T/good.json"
"$REFGWD" --config "$T/good.json" 2>"$T/good.err" &
good=$!
for i in $(seq 1 100); do grep -q "listening on" "$T/good.err" && break; sleep 0.05; done
grep -q "listening on" "$T/good.err" && pass || fail "the right password: $(cat "$T/good.err")"
kill -TERM "$good"
wait "$good" && pass || fail "refgwd with the right password did not stop cleanly"
grep -q "$SECRET" "$T/good.err" && fail "the password is in the log" || pass

# ---- a server that would not make a commit durable is refused ----
echo "fsync = off" | pg_as tee -a "$PGDIR/data/postgresql.conf" >/dev/null
pg_ctl_as restart
refused "fsync off" "$PG_CONNINFO" "fsync off"
finish
