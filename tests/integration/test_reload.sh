#!/usr/bin/env bash
# SPEC §3 SIGHUP: the configuration, routes and CRL are reloaded without
# dropping connections, except those whose certificate the new CRL revokes or
# whose organisation was removed or disabled: those are closed, even in the
# middle of a keep-alive session or a long-poll. A bad file keeps the old
# configuration and says so on stderr. New organisations are admitted.
source "$(dirname "$0")/common.sh"
RAWTLS="$(cd "$(dirname "$0")" && pwd)/rawtls.py"
ORGS="$ORGS revoke-me:school remove-me:school disable-me:police poller:youth_care"
rg_setup
"$MAKE_CERTS" "$CERTS" org newcomer >/dev/null
rg_start

# keepalive NAME ORG ROUNDS: GET /v1/health every 0.5 s on one connection
keepalive() {
    printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n' |
        python3 "$RAWTLS" "$PORT" "$CERTS" --org "$2" --input - --repeat "$3" --interval 0.5 \
            --wait 0.5 >"$T/ka.$1" &
    clients+=($!)
}
answers() { jq -c 'select(.event == "response")' "$T/ka.$1" | wc -l; }
ended() { jq -r 'select(.event == "end") | .how' "$T/ka.$1"; }

# wait_answers NAME N: until the connection NAME has N answers (at most 10 s)
wait_answers() {
    local i
    for i in $(seq 1 100); do
        [ "$(answers "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    fail "$1: no answer on the open connection"
}

# expect_closed NAME WHAT: the server closed the connection (EOF, or TLS EOF without close_notify)
expect_closed() {
    local how
    how=$(ended "$1")
    case $how in
    eof | ragged | error | reset) pass ;;
    *) fail "$2: connection not closed by the server (end: '${how:-still open}', $(answers "$1") answers)" ;;
    esac
}

# wait_end NAME: until the connection NAME has ended (at most 5 s)
wait_end() {
    local i
    for i in $(seq 1 50); do
        [ -n "$(ended "$1")" ] && return 0
        sleep 0.1
    done
}

clients=()
reload() {
    kill -HUP "$PID"
    sleep 0.5
}

req newcomer GET /v1/health
expect_code 403 unknown_organisation "" "an organisation not yet configured"
req revoke-me GET /v1/health
expect_status 200 "revoke-me before the revocation"

keepalive steady school-a 40    # 20 s: must survive every reload
keepalive revoked revoke-me 40
keepalive removed remove-me 40
keepalive disabled disable-me 40
# A long-poll of an organisation that will be removed: a parked request.
printf 'GET /v1/inbox?wait=30 HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    python3 "$RAWTLS" "$PORT" "$CERTS" --org poller --input - --wait 25 >"$T/ka.poll" &
clients+=($!)
for c in steady revoked removed disabled; do wait_answers "$c" 2; done
sleep 0.3

# ---- 1. a new CRL revokes an organisation's certificate ----
"$MAKE_CERTS" "$CERTS" revoke revoke-me >/dev/null
reload
grep -q 'configuration reloaded' "$T/refgwd.err" && pass || fail "no 'configuration reloaded' on stderr"
wait_end revoked
expect_closed revoked "revoked certificate's open connection"
n=$(answers revoked)
[ "$n" -lt 40 ] && pass || fail "the revoked connection was served to the end ($n answers)"
req revoke-me GET /v1/health
expect_status 000 "a new connection with the revoked certificate"
for c in steady removed disabled; do
    expect_eq "$(ended "$c")" "" "$c still open after the CRL reload"
done
before=$(answers steady)
sleep 1
[ "$(answers steady)" -gt "$before" ] && pass || fail "the steady connection stopped being served"

# ---- 2. an organisation removed, one disabled, one added ----
jq '.organisations |= (map(select(.id != "remove-me" and .id != "poller")
        | if .id == "disable-me" then .disabled = true else . end)
    + [{"id": "newcomer", "name": "New partner", "type": "care_coordinator"}])' \
    "$T/refgwd.json" >"$T/next.json"
cp "$T/next.json" "$T/refgwd.json"
reload
wait_end removed
wait_end disabled
wait_end poll
expect_closed removed "removed organisation's open connection"
expect_closed disabled "disabled organisation's open connection"
expect_closed poll "removed organisation's long-poll"
expect_eq "$(jq -c 'select(.event == "response")' "$T/ka.poll" | wc -l)" 0 "long-poll closed unanswered"
expect_eq "$(ended steady)" "" "steady connection open after the organisations changed"
req newcomer GET /v1/health
expect_status 200 "an organisation added by SIGHUP"
req school-a GET /v1/directory
expect_eq "$(jqb '[.organisations[].id] | index("newcomer") != null')" true "newcomer in the directory"
req remove-me GET /v1/health
expect_code 403 unknown_organisation "" "removed organisation on a new connection"
req disable-me GET /v1/health
expect_code 403 unknown_organisation "" "disabled organisation on a new connection"

# ---- 3. a bad file keeps the old configuration ----
printf '{"listen": "127.0.0.1:0", "organisations": [' >"$T/refgwd.json"
lines_before=$(wc -l <"$T/refgwd.err")
reload
tail -n +"$((lines_before + 1))" "$T/refgwd.err" >"$T/reload.err"
grep -q 'reload failed, keeping the old configuration' "$T/reload.err" && pass ||
    fail "a bad file on SIGHUP: stderr says '$(cat "$T/reload.err")'"
kill -0 "$PID" 2>/dev/null && pass || fail "refgwd died on a bad configuration file"
req newcomer GET /v1/health
expect_status 200 "the old configuration is kept"
req remove-me GET /v1/health
expect_code 403 unknown_organisation "" "the old configuration is kept (removed org)"
expect_eq "$(ended steady)" "" "steady connection open after a failed reload"

# A file that parses but names a missing certificate is refused too.
jq '.tls.cert = "certs/missing.crt"' "$T/next.json" >"$T/refgwd.json"
lines_before=$(wc -l <"$T/refgwd.err")
reload
tail -n +"$((lines_before + 1))" "$T/refgwd.err" >"$T/reload.err"
grep -q 'reload failed, keeping the old configuration' "$T/reload.err" && pass ||
    fail "a missing certificate on SIGHUP was not refused"
req newcomer GET /v1/health
expect_status 200 "the old TLS configuration is kept"

# ---- the steady connection was served throughout ----
cp "$T/next.json" "$T/refgwd.json"
wait "${clients[@]}" || true
expect_eq "$(answers steady)" 40 "answers on the steady connection"
bad=$(jq -c 'select(.event == "response" and .status != 200)' "$T/ka.steady" | head -n 1 || true)
[ -z "$bad" ] && pass || fail "steady connection got $bad"
expect_eq "$(jq -r 'select(.event == "response") | .status' "$T/ka.revoked" | sort -u)" 200 \
    "the revoked connection's answers before the reload"

# ---- keys that apply only after a restart: named by the reload line ----
jq '.listen = "127.0.0.1:1" | .data_dir = "var-next"' "$T/next.json" >"$T/refgwd.json"
lines_before=$(wc -l <"$T/refgwd.err")
reload
tail -n +"$((lines_before + 1))" "$T/refgwd.err" >"$T/reload.err"
grep -qE '^[0-9T:Z-]+ refgwd: configuration reloaded; changed, applying only after a restart: listen, data_dir$' \
    "$T/reload.err" && pass || fail "reload line for listen and data_dir: '$(cat "$T/reload.err")'"
req school-a GET /v1/health
expect_status 200 "still on the old port after listen changed"
[ -e "$T/var-next" ] && fail "a reload made the new data_dir" || pass
cp "$T/next.json" "$T/refgwd.json"
reload
grep -qE 'refgwd: configuration reloaded$' "$T/refgwd.err" && pass || fail "a plain reload line"

rg_stop
finish
