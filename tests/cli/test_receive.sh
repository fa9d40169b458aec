#!/usr/bin/env bash
# The recipient's side: inbox (table, tab-separated, --json, --limit, --wait),
# receive into a folder (--once, a loop stopped by SIGTERM or SIGINT, a crash
# between write and ack, backing off while the gateway is away), ack, status,
# directory.
source "$(dirname "$0")/cli_common.sh"
rg_setup
rg_start

# send_one [SIGNAL] [BODY]: school-a sends to ecmj; the id in $ID.
send_one() {
    as school-a send --to ecmj --signal "${1:-loverboy}" --age-band 16_17 --body "${2:-body}"
    [ "$RC" = 0 ] || { fail "send: exit $RC: $(cat "$ERR")"; return 0; }
    ID=$(cat "$OUT")
}

status_of() { # ID: the sender's status field
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
        --key "$CERTS/school-a.key" --json status "$1" | jq -r .status
}

# on_terminal ORG ARGS...: refgw with a terminal as standard output (script(1)).
on_terminal() {
    local org=$1 cmd
    shift
    printf -v cmd '%q ' "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" \
        --cert "$CERTS/$org.crt" --key "$CERTS/$org.key" "$@"
    script -qec "$cmd" /dev/null | tr -d '\r' >"$OUT"
}

# ---- inbox ----
as ecmj inbox
expect_rc 0 "an empty inbox"
[ -s "$OUT" ] && fail "an empty inbox printed rows: $(cat "$OUT")" || pass
send_one loverboy
A=$ID
send_one criminal_exploitation
B=$ID
# Not a terminal: tab-separated, no header, oldest first.
as ecmj inbox
expect_rc 0 "inbox"
expect_eq "$(wc -l <"$OUT")" 2 "two rows, no header"
expect_eq "$(head -n 1 "$OUT" | cut -f1,2,3,4,6)" "$A	school-a	loverboy	normal	1" "first row: id, from, signal, urgency, deliveries"
[[ $(head -n 1 "$OUT" | cut -f5) =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] && pass ||
    fail "received column: $(head -n 1 "$OUT")"
expect_eq "$(sed -n 2p "$OUT" | cut -f1,3,6)" "$B	criminal_exploitation	1" "second row"
# On a terminal: a header and aligned columns.
on_terminal ecmj inbox
expect_eq "$(head -n 1 "$OUT" | tr -s ' ')" "ID FROM SIGNAL URGENCY RECEIVED DELIVERIES" "table header on a terminal"
expect_eq "$(sed -n 2p "$OUT" | awk '{print $1, $2, $3, $4, $6}')" "$A school-a loverboy normal 2" "first table row; deliveries counted"
col() { awk -v w="$1" '{ print index($0, w) }' <<<"$2"; }
expect_eq "$(col school-a "$(sed -n 2p "$OUT")")" "$(col FROM "$(head -n 1 "$OUT")")" "columns line up"
# --json: the API answer, bodies included.
as ecmj --json inbox
expect_rc 0 "inbox --json"
expect_eq "$(jq -r '[.referrals[] | .id] | join(" ")' "$OUT")" "$A $B" "--json ids"
expect_eq "$(jq -r '.referrals[0] | [.body, .from_type, .subject.age_band] | join(",")' "$OUT")" "body,school,16_17" "--json has every field"
as ecmj inbox --limit 1
expect_eq "$(cut -f1 "$OUT")" "$A" "--limit 1"
for bad in "--limit 0" "--limit 501" "--wait 61" "--wait x" "extra"; do
    # shellcheck disable=SC2086
    as ecmj --verbose inbox $bad
    expect_rc 1 "inbox $bad"
    grep -q 'refgw: GET' "$ERR" && fail "inbox $bad made a request" || pass
done
# --wait: answered as soon as a referral arrives.
as police-a inbox --wait 5
expect_rc 0 "police-a's empty inbox with --wait 5"
start=$(date +%s.%N)
(sleep 1 && "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" send --to police-a --signal other --body x >/dev/null) &
SENDER=$!
track $SENDER
as police-a inbox --wait 20
wait $SENDER
took=$(echo "$(date +%s.%N) - $start" | bc)
expect_rc 0 "inbox --wait 20"
expect_eq "$(wc -l <"$OUT")" 1 "the referral sent during the wait"
(($(echo "$took < 10" | bc))) && pass || fail "inbox --wait took $took s for a referral sent after 1 s"

# ---- ack and status ----
expect_eq "$(status_of "$A")" "delivered" "status once handed out"
as ecmj --verbose ack "$A" "$B"
expect_rc 0 "ack two"
expect_eq "$(cat "$OUT" | tr '\n' ' ')" "$A $B " "ack prints the ids"
expect_eq "$(grep -c 'new connection' "$ERR")" 1 "one connection for two acks (keep-alive)"
expect_eq "$(grep -c 'reused connection' "$ERR")" 1 "the second ack reuses it"
expect_eq "$(status_of "$A")" "acknowledged" "status after ack"
as school-a status "$A"
expect_rc 0 "status"
expect_eq "$(grep -c . "$OUT")" 6 "status: id, to, status and three times"
expect_eq "$(grep '^status' "$OUT" | cut -f2)" "acknowledged" "status field"
expect_eq "$(grep '^to' "$OUT" | cut -f2)" "ecmj" "to field"
as school-a --json status "$A"
[ "$(jq -r '.id + " " + .to' "$OUT")" = "$A ecmj" ] && jq -e .acknowledged_at "$OUT" >/dev/null && pass ||
    fail "status --json: $(cat "$OUT")"
on_terminal school-a status "$A"
[[ $(grep '^status' "$OUT") =~ ^status\ +acknowledged$ ]] && pass || fail "status on a terminal: $(cat "$OUT")"
as ecmj status "$A"
expect_rc 2 "status by the recipient"
expect_err "not_found" "only the sender sees status"
as ecmj ack "$A"
expect_rc 0 "ack again is harmless"
as police-a ack "$A"
expect_rc 2 "ack by someone else"
expect_err "not_found" "ack by someone else: not_found"
send_one other
C=$ID
as ecmj ack AAAAAAAAAAAAAAAAAAAAAAAA "$C"
expect_rc 2 "ack of an unknown id with a good one"
expect_out "$C" "the good one is acknowledged"
expect_err "AAAAAAAAAAAAAAAAAAAAAAAA: the gateway refused (HTTP 404): not_found" "the unknown one is named"
expect_eq "$(status_of "$C")" "acknowledged" "the good one, acknowledged"
as ecmj --verbose ack "$C" 'not-an-id'
expect_rc 1 "ack of something that is not an id"
grep -q 'refgw: POST' "$ERR" && fail "ack sent a request with a bad id" || pass
as ecmj ack
expect_rc 1 "ack without ids"
as ecmj status
expect_rc 1 "status without an id"
as ecmj status "../../v1/directory"
expect_rc 1 "status with a path for an id"

# ---- directory ----
as school-a directory
expect_rc 0 "directory"
expect_eq "$(cut -f1 "$OUT" | sort | tr '\n' ' ')" "care-a ecmj police-a youth-a " "a school may send to these"
expect_eq "$(grep '^ecmj' "$OUT")" "ecmj	expertise_centre	Org ecmj" "id, type, name"
on_terminal school-a directory
expect_eq "$(head -n 1 "$OUT" | tr -s ' ')" "ID TYPE NAME" "directory header on a terminal"
as prev-a --json directory
expect_eq "$(jq -r '[.organisations[].id] | sort | join(" ")' "$OUT")" "care-a ecmj" "directory --json of prevention"

# ---- receive --once ----
R=$T/received
send_one loverboy "first body"
A=$ID
send_one dependency "second body"
B=$ID
as ecmj receive --dir "$R" --once
expect_rc 0 "receive --once"
expect_eq "$(cat "$OUT")" "$R/$A.json
$R/$B.json" "receive prints each file, oldest first"
expect_eq "$(ls -A "$R" | sort | tr '\n' ' ')" "$(printf '%s.json\n' "$A" "$B" | sort | tr '\n' ' ')" \
    "one file per referral, no temporary left"
expect_eq "$(stat -c %a "$R")" 700 "the folder is private"
expect_eq "$(stat -c %a "$R/$A.json")" 600 "the files are private"
expect_eq "$(jq -r '[.id, .from, .signal, .subject.age_band, .body] | join(",")' "$R/$A.json")" \
    "$A,school-a,loverboy,16_17,first body" "the file is the inbox item"
expect_eq "$(status_of "$A")/$(status_of "$B")" "acknowledged/acknowledged" "acknowledged after writing"
as ecmj inbox
[ -s "$OUT" ] && fail "the inbox is not empty after receive: $(cat "$OUT")" || pass
as ecmj receive --dir "$R" --once
expect_rc 0 "receive --once with nothing waiting"
[ -s "$OUT" ] && fail "receive --once with nothing waiting printed $(cat "$OUT")" || pass
as ecmj receive --once
expect_rc 1 "receive without --dir"
touch "$T/plainfile"
as ecmj receive --dir "$T/plainfile" --once
expect_rc 1 "receive --dir on a file"

# ---- a crash between write and ack: the file comes again, then the ack ----
R2=$T/crash
send_one loverboy "crash body"
A=$ID
RC=0
REFGW_TEST_CRASH_AFTER_WRITE=1 "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" \
    --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" receive --dir "$R2" --once >"$OUT" 2>"$ERR" || RC=$?
expect_eq "$RC" 137 "the test hook kills refgw (SIGKILL) after the write"
expect_eq "$(jq -r '.body' "$R2/$A.json")" "crash body" "the file was durable before the crash"
expect_eq "$(jq -r '.deliveries' "$R2/$A.json")" 1 "first delivery"
[ -s "$OUT" ] && fail "refgw claimed the referral before its ack: $(cat "$OUT")" || pass
expect_eq "$(status_of "$A")" "delivered" "not acknowledged: the crash came first"
as ecmj receive --dir "$R2" --once
expect_rc 0 "the next run"
expect_eq "$(cat "$OUT")" "$R2/$A.json" "the same referral is written again"
expect_eq "$(jq -r '.deliveries' "$R2/$A.json")" 2 "second delivery, same file"
expect_eq "$(ls -A "$R2" | tr '\n' ' ')" "$A.json " "one file, no temporary left"
expect_eq "$(status_of "$A")" "acknowledged" "acknowledged by the next run"

# ---- receive in a loop, stopped by a signal ----
for sig in TERM INT; do
    R3=$T/loop-$sig
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" \
        --key "$CERTS/ecmj.key" receive --dir "$R3" --wait 30 >"$T/loop.out" 2>"$T/loop.err" &
    LOOP=$!
track $LOOP
    sleep 0.5
    send_one loverboy "loop 1"
    A=$ID
    wait_until 10 test -f "$R3/$A.json" && pass || fail "SIG$sig loop: first referral not received"
    send_one other "loop 2"
    B=$ID
    wait_until 10 grep -q "$B" "$T/loop.out" && pass || fail "SIG$sig loop: second referral not received"
    kill -0 $LOOP 2>/dev/null && pass || fail "SIG$sig loop: refgw receive ended by itself"
    # It is in a 30 s long-poll now; a signal ends it at once, cleanly.
    sleep 0.5
    start=$(date +%s.%N)
    kill -$sig $LOOP
    rc=0
    wait $LOOP || rc=$?
    took=$(echo "$(date +%s.%N) - $start" | bc)
    expect_eq "$rc" 0 "receive exits 0 on SIG$sig"
    (($(echo "$took < 3" | bc))) && pass || fail "SIG$sig: receive took $took s to stop"
    expect_eq "$(status_of "$A")/$(status_of "$B")" "acknowledged/acknowledged" "SIG$sig loop acknowledged both"
    expect_eq "$(ls -A "$R3" | wc -l)" 2 "SIG$sig loop: two files"
    no_sanitizer_report "$T/loop.err"
done

# ---- backing off while the gateway is away, then carrying on ----
rg_stop
P=$(free_port)
R4=$T/backoff
"$REFGW" --gateway "https://localhost:$P" --ca "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" \
    --key "$CERTS/ecmj.key" receive --dir "$R4" --wait 2 >"$T/loop.out" 2>"$T/loop.err" &
LOOP=$!
track $LOOP
sleep 2.5
kill -0 $LOOP 2>/dev/null && pass || fail "receive gave up while the gateway was away: $(cat "$T/loop.err")"
grep -q 'connection refused' "$T/loop.err" && grep -q 'retrying' "$T/loop.err" && pass ||
    fail "no word of the outage: $(cat "$T/loop.err")"
expect_eq "$(grep -c 'connection refused' "$T/loop.err")" 1 "the outage is said once, not at every retry"
rg_start "{\"listen\": \"127.0.0.1:$P\"}"
send_one loverboy "after the outage"
A=$ID
wait_until 70 test -f "$R4/$A.json" && pass || fail "no referral received after the gateway came back"
wait_until 5 grep -q 'answers again' "$T/loop.err" && pass || fail "the recovery is not said: $(cat "$T/loop.err")"
kill -TERM $LOOP
rc=0
wait $LOOP || rc=$?
expect_eq "$rc" 0 "receive exits 0 on SIGTERM after an outage"
no_sanitizer_report "$T/loop.err"
expect_eq "$(status_of "$A")" "acknowledged" "acknowledged after the outage"
# --once does not wait out an outage: exit 3.
rg_stop
as ecmj receive --dir "$R4" --once
expect_rc 3 "receive --once with the gateway away"
expect_err "connection refused" "receive --once says why"

finish
