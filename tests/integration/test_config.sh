#!/usr/bin/env bash
# SPEC §3: --check-config, errors that name the key at fault, port 0, the start
# line, SIGTERM within 5 s (answering long-polls), a store that cannot be used.
source "$(dirname "$0")/common.sh"
rg_setup

out=$("$REFGWD" --check-config "$T/refgwd.json" 2>&1) && pass || fail "a good configuration was refused: $out"

# bad_config JQ-EDIT EXPECTED-MESSAGE-PART
bad_config() {
    jq "$1" "$T/base.json" >"$T/bad.json"
    local rc=0
    out=$("$REFGWD" --check-config "$T/bad.json" 2>&1) || rc=$?
    if [ "$rc" -eq 1 ] && grep -qF -- "$2" <<<"$out"; then pass; else
        fail "config edit '$1': exit $rc, message '$out' does not name '$2'"
    fi
}
bad_config '.colour = "blue"' "colour: unknown key"
bad_config 'del(.listen)' "listen: required"
bad_config 'del(.tls.cert)' "tls.cert: required"
bad_config 'del(.tls.key)' "tls.key: required"
bad_config 'del(.tls.client_ca)' "tls.client_ca: required"
bad_config 'del(.data_dir)' "data_dir: required"
bad_config 'del(.organisations)' "organisations: required"
bad_config '.tls.ocsp = "x"' "tls.ocsp: unknown key"
bad_config '.listen = "localhost"' "listen"
bad_config '.listen = "127.0.0.1:99999"' "listen"
bad_config '.organisations += [{"id":"ecmj","type":"police"}]' "duplicate organisation id"
bad_config '.organisations[0].type = "church"' "organisations[0].type: unknown organisation type"
bad_config '.organisations[0].id = "bad id"' "organisations[0].id"
bad_config '.organisations[0].colour = 1' "organisations[0].colour: unknown key"
bad_config 'del(.organisations[0].type)' "organisations[0].type: required"
bad_config '.organisations[0].disabled = "yes"' "organisations[0].disabled"
bad_config '.routes = {"school": ["church"]}' "routes.school: unknown organisation type"
bad_config '.routes = {"church": ["police"]}' "routes.church: unknown organisation type"
bad_config '.retention_days = 0' "retention_days"
bad_config '.stats_min_count = 1.5' "stats_min_count"
bad_config '.rate_limit_per_minute = -1' "rate_limit_per_minute"
bad_config '.log_interval_seconds = "60"' "log_interval_seconds"
bad_config '.max_connections = 0' "max_connections"
bad_config '.tls.cert = "missing.crt"' "tls.cert"
bad_config '.tls.key = "certs/ecmj.key"' "tls.key"
bad_config '.tls.crl = "missing.crl"' "tls.crl"
# SPEC §2: admin and monitor neither send nor receive; no organisation
# sends to itself, so no type routes to itself; someone must be a partner.
bad_config '.routes = {"school": ["police", "admin"]}' "routes.school: admin organisations"
bad_config '.routes = {"police": ["monitor"]}' "routes.police: monitor organisations"
bad_config '.routes = {"admin": ["police"]}' "routes.admin: admin organisations"
bad_config '.routes = {"monitor": []}' "routes.monitor: monitor organisations"
bad_config '.routes = {"youth_care": ["youth_care"]}' "routes.youth_care: a route from a type to itself"
bad_config '.organisations |= map(select(.type == "admin"))' "organisations: no enabled partner"
bad_config '.organisations |= map(if .type == "admin" then . else .disabled = true end)' \
    "organisations: no enabled partner"
printf '{"listen": ' >"$T/bad.json"
"$REFGWD" --check-config "$T/bad.json" >/dev/null 2>&1 && fail "truncated JSON accepted" || pass
# A syntax error says where (line and column), never what is there.
printf '{\n  "listen": "127.0.0.1:0",\n  "data_dir": "var" "canary-secret"\n}\n' >"$T/bad.json"
rc=0; out=$("$REFGWD" --check-config "$T/bad.json" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q 'line 3, column 21' <<<"$out" && pass || fail "syntax error position: exit $rc, '$out'"
grep -q canary <<<"$out" && fail "the syntax error echoes the file: $out" || pass
"$REFGWD" >/dev/null 2>&1 && fail "no arguments accepted" || pass
"$REFGWD" --help | grep -q -- '--check-config' && pass || fail "--help does not explain --check-config"

# Defaults and relative paths: a config in another folder, started from elsewhere.
( cd / && "$REFGWD" --check-config "$T/refgwd.json" >/dev/null ) && pass || fail "relative paths not resolved against the file"

# A route table in the configuration replaces the default one as a whole.
rg_start '{"routes": {"school": ["police"]}}'
expect_eq "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z refgwd: listening on 127.0.0.1:[0-9]+$' "$T/refgwd.err")" 1 "start line, after its UTC time"
[ "$PORT" -gt 0 ] && pass || fail "port 0 was not replaced by the bound port"
req school-a POST /v1/referrals "$(referral ecmj)"
expect_code 403 route_forbidden to "route removed by the configuration"
req school-a POST /v1/referrals "$(referral police-a)"
expect_status 202 "configured route"
req ecmj POST /v1/referrals "$(referral police-a)"
expect_code 403 route_forbidden to "sender type the routes do not list"

# One gateway per data_dir: a second one (on another port) exits 1 naming
# the first one's pid; --check-config beside it takes no lock.
rc=0; "$REFGWD" --config "$T/refgwd.json" 2>"$T/second.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "data_dir: in use by another refgwd (pid $PID)" "$T/second.err" && pass ||
    fail "a second refgwd on the same data_dir: exit $rc, $(cat "$T/second.err")"
out=$("$REFGWD" --check-config "$T/refgwd.json" 2>&1) && pass || fail "--check-config beside a running refgwd: $out"

# SIGTERM: long-polls are answered, the process exits 0 within 5 s.
curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/care-a.crt" --key "$CERTS/care-a.key" \
    -o "$T/poll" -w '%{http_code}' "$URL/v1/inbox?wait=60" >"$T/poll.status" &
poller=$!
sleep 0.5
start=$(date +%s%N)
rg_stop
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -lt 5000 ] && pass || fail "SIGTERM took $elapsed_ms ms"
wait "$poller" || true
expect_eq "$(cat "$T/poll.status")" 200 "long-poll answered at shutdown"
expect_eq "$(sed -n 's/^[0-9T:Z-]* refgwd: \(stop.*\)$/\1/p' "$T/refgwd.err" | xargs)" \
    "stopping (SIGTERM) stopped" "shutdown lines"
# Under journald (JOURNAL_STREAM names stderr) lines carry no time of their own.
jq '.data_dir = "var-journal" | .listen = "127.0.0.1:0"' "$T/refgwd.json" >"$T/journal.json"
stream=$(stat -c '%d:%i' "$T") # any file: refgwd compares it with its stderr's
: >"$T/journal.err" # both append: neither overwrites the other's lines
JOURNAL_STREAM=$stream "$REFGWD" --config "$T/journal.json" 2>>"$T/journal.err" &
jpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$T/journal.err" && break; sleep 0.05; done
JOURNAL_STREAM=$(stat -L -c '%d:%i' "$T/journal.err") timeout 10 "$REFGWD" \
    --config "$T/journal.json" 2>>"$T/journal.err" || true # refused: one unstamped line
kill -TERM "$jpid"
wait "$jpid" || true
grep -qE '^[0-9T:Z-]+ refgwd: listening on' "$T/journal.err" && pass ||
    fail "JOURNAL_STREAM of another file: lines lost their time: $(cat "$T/journal.err")"
grep -q '^refgwd: data_dir: in use' "$T/journal.err" && pass ||
    fail "under journald, lines still stamped: $(cat "$T/journal.err")"

# A port already in use: a clear message and a non-zero exit.
rg_start
jq ".listen = \"127.0.0.1:$PORT\" | .data_dir = \"var2\"" "$T/base.json" >"$T/clash.json"
rc=0; "$REFGWD" --config "$T/clash.json" 2>"$T/clash.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "cannot bind" "$T/clash.err" && pass || fail "port clash: exit $rc, $(cat "$T/clash.err")"
rg_stop

# A corrupt store: a clear message and a non-zero exit, never an empty store.
head -c 8192 /dev/urandom >"$T/var/refgw.db"
rm -f "$T/var/refgw.db-wal" "$T/var/refgw.db-shm"
rc=0; "$REFGWD" --config "$T/refgwd.json" 2>"$T/corrupt.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "store:" "$T/corrupt.err" && pass || fail "corrupt store: exit $rc, $(cat "$T/corrupt.err")"
# An unreadable data_dir (a file where the folder should be).
jq '.data_dir = "refgwd.json"' "$T/base.json" >"$T/nodir.json"
rc=0; "$REFGWD" --config "$T/nodir.json" 2>"$T/nodir.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "data_dir: .* is not a folder" "$T/nodir.err" && pass || fail "bad data_dir: exit $rc, $(cat "$T/nodir.err")"
finish
