# common.sh - sourced by the integration tests: certificates, a configuration,
# the real refgwd on a free port, and a real HTTP client (curl).
#
# Environment (set by CMake for ctest): REFGWD, MAKE_CERTS, and REFGW (client).
# RG_STORE=pg: the store is PostgreSQL (SPEC §11), a throwaway cluster of the
# script's own (pg.sh), instead of SQLite in $T/var.
#
#   rg_setup              temp folder $T, certificates for $ORGS (+ stranger),
#                         config $T/refgwd.json from rg_config_json
#   rg_start [EXTRA_JSON] merge EXTRA_JSON (jq object) into the config, start
#                         refgwd; sets PID, PORT, URL; stderr in $T/refgwd.err
#   rg_stop               SIGTERM, wait, and check the exit status is 0
#   rg_kill9              SIGKILL and wait
#   req ORG METHOD PATH [BODY] [CURL-ARGS...]
#                         one request; sets STATUS, and BODY_FILE holds the body;
#                         ORG "-" means no client certificate; a BODY is sent
#                         with Content-Type $CT (default application/json)
#   jqb FILTER            jq FILTER applied to the last body
#   expect_status N       expect_code CODE [FIELD]   expect_eq GOT WANT WHAT
#   referral TO [SIGNAL] [EXTRA-JQ]  a referral document on stdout
#   exact_count EVENT     the true count of EVENT in the store (tests only:
#                         the API publishes perturbed values, SPEC §6)
#   last_connections      the connections figure of the latest count line
#   wait_file FILE SECS   until FILE is there and not empty; 1 if it never is
#   store_sql SQL         a query of the store as a test may make it (sqlite3
#                         on $T/var/refgw.db, or psql); rows on stdout
#   store_holds PATTERN   whether any byte of the store holds PATTERN
set -euo pipefail

: "${REFGWD:?REFGWD must point at the refgwd binary}"
: "${MAKE_CERTS:?MAKE_CERTS must point at certs/make-certs}"

T=$(mktemp -d "${TMPDIR:-/tmp}/refgw-it.XXXXXX")
CERTS=$T/certs
PID=""
FAILS=0
CHECKS=0
RG_STORE=${RG_STORE:-sqlite}
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

rg_cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -9 "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    pg_cluster_stop
    if [ "${KEEP_TEST_DIR:-}" = "" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
}
trap rg_cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

pass() { CHECKS=$((CHECKS + 1)); }

# Organisation id:type pairs used by default.
ORGS=${ORGS:-"school-a:school school-b:school police-a:police ecmj:expertise_centre care-a:care_coordinator youth-a:youth_care prev-a:prevention audit:admin school-closed:school"}

rg_config_json() {
    local orgs="" pair id type
    for pair in $ORGS; do
        id=${pair%%:*} type=${pair#*:}
        orgs+="{\"id\":\"$id\",\"name\":\"Org $id\",\"type\":\"$type\""
        [ "$id" = school-closed ] && orgs+=',"disabled":true'
        orgs+="},"
    done
    cat <<JSON
{
  "listen": "127.0.0.1:0",
  "tls": {"cert": "certs/server.crt", "key": "certs/server.key",
          "client_ca": "certs/ca.crt", "crl": "certs/ca.crl"},
  "data_dir": "var",
  "organisations": [${orgs%,}],
  "log_interval_seconds": 1
}
JSON
}

rg_setup() {
    local ids="" pair
    for pair in $ORGS; do ids+=" ${pair%%:*}"; done
    "$MAKE_CERTS" "$CERTS" init localhost 127.0.0.1 >/dev/null
    # shellcheck disable=SC2086
    "$MAKE_CERTS" "$CERTS" org $ids stranger >/dev/null
    if [ "$RG_STORE" = pg ]; then
        pg_cluster_start
        # No data_dir: PostgreSQL holds the store.
        rg_config_json | jq --arg c "$PG_CONNINFO" \
            'del(.data_dir) | .store = {backend: "postgresql", conninfo: $c}' >"$T/base.json"
    else
        rg_config_json >"$T/base.json"
    fi
    cp "$T/base.json" "$T/refgwd.json"
}

rg_start() {
    local extra=${1:-"{}"}
    jq -S ". * $extra" "$T/base.json" >"$T/refgwd.json"
    : >"$T/refgwd.err"
    "$REFGWD" --config "$T/refgwd.json" 2>>"$T/refgwd.err" &
    PID=$!
    local i
    for i in $(seq 1 100); do
        PORT=$(sed -n 's/^.*refgwd: listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/refgwd.err" | tail -n 1)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || { cat "$T/refgwd.err" >&2; echo "refgwd did not start" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "$PORT" ] || { echo "refgwd printed no start line" >&2; exit 1; }
    URL="https://localhost:$PORT"
}

rg_stop() {
    stop_gateway "$PID" refgwd "$T/refgwd.err"
    PID=""
}

rg_kill9() {
    kill -9 "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

# stop_gateway PID NAME STDERR: SIGTERM, and the exit status must be 0
stop_gateway() {
    kill -TERM "$1"
    local rc=0
    wait "$1" || rc=$?
    if [ "$rc" -eq 0 ]; then pass; else
        # Under ASan a leak or an error report ends the log: show it.
        fail "$2 exited $rc after SIGTERM; the end of its stderr:"
        tail -n 40 "$3" >&2
    fi
}

BODY_FILE=$T/body
# req ORG METHOD PATH [BODY] [extra curl args...]
req() {
    local org=$1 method=$2 path=$3 body=${4-}
    shift 3
    [ $# -gt 0 ] && shift
    local auth=()
    [ "$org" != "-" ] && auth=(--cert "$CERTS/$org.crt" --key "$CERTS/$org.key")
    local data=()
    if [ -n "$body" ]; then data=(-H "Content-Type: ${CT:-application/json}" --data-binary "$body"); fi
    STATUS=$(curl -sS --max-time 70 --cacert "$CERTS/ca.crt" "${auth[@]}" -X "$method" \
        "${data[@]}" "$@" -o "$BODY_FILE" -w '%{http_code}' "$URL$path" 2>"$T/curl.err") || STATUS=000
}

jqb() { jq -r "$1" "$BODY_FILE"; }

# The exact count of an event, read from the store's flow counters as only a
# test may: GET /v1/stats first has the gateway count the sends still
# waiting to be counted. Works with the gateway running (WAL) or stopped.
exact_count() {
    if rg_running; then req audit GET "/v1/stats?event=$1"; fi
    store_sql "SELECT coalesce(sum(n), 0) FROM flow_counts WHERE event = '$1'"
}

# Whether the gateway that req talks to runs (tests/pg/nodes.sh: the node).
rg_running() { [ -n "$PID" ]; }

store_sql() {
    if [ "$RG_STORE" = pg ]; then pg_sql "$1"; else sqlite3 -readonly "$T/var/refgw.db" "$1"; fi
}

# Whether PATTERN is in any byte of the store: data_dir's files, or the
# PostgreSQL cluster's data folder (tables, WAL) and a dump of the database.
store_holds() {
    if [ "$RG_STORE" = pg ]; then
        # bytea as escaped text, not hex: printable bytes as they are
        { PGOPTIONS="-c bytea_output=escape" "$PGBIN/pg_dump" -h "$PGDIR" -U postgres refgw
          pg_as find "$PGDIR/data" -type f -exec cat -- {} +; } 2>/dev/null |
            grep -a -- "$1" >/dev/null # not -q: an early exit fails the pipe
    else
        grep -rqa -- "$1" "$T/var"
    fi
}

expect_status() {
    if [ "$STATUS" = "$1" ]; then pass; else
        fail "${2:-request}: status $STATUS, wanted $1: $(head -c 300 "$BODY_FILE" 2>/dev/null)"
    fi
}

# expect_code HTTP-STATUS CODE [FIELD] [WHAT]
expect_code() {
    expect_status "$1" "${4:-$2}"
    local code field
    code=$(jqb '.error.code' 2>/dev/null || echo "?")
    field=$(jqb '.error.field // ""' 2>/dev/null || echo "?")
    [ "$code" = "$2" ] && pass || fail "${4:-$2}: error code '$code', wanted '$2'"
    if [ $# -ge 3 ] && [ -n "$3" ]; then
        [ "$field" = "$3" ] && pass || fail "${4:-$2}: field '$field', wanted '$3'"
    fi
}

expect_eq() {
    if [ "$1" = "$2" ]; then pass; else fail "${3:-value}: got '$1', wanted '$2'"; fi
}

# referral TO [SIGNAL] [JQ-UPDATE]
referral() {
    jq -cn --arg to "$1" --arg signal "${2:-loverboy}" \
        "{to: \$to, signal: \$signal, body: \"observed at school\"} | ${3:-.}"
}

last_connections() { sed -n 's/.*connections=\([0-9]*\).*/\1/p' "$T/refgwd.err" | tail -n 1; }

wait_file() {
    local i
    for i in $(seq 1 $(($2 * 10))); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# wait_log PATTERN SECONDS: until refgwd's log has a line matching PATTERN.
wait_log() {
    local i
    for i in $(seq 1 $(($2 * 10))); do
        grep -q "$1" "$T/refgwd.err" && return 0
        sleep 0.1
    done
    return 1
}

finish() {
    echo "$CHECKS passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
