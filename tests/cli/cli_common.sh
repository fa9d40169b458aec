# cli_common.sh - sourced by the client's tests: the integration harness
# (tests/integration/common.sh: certificates, a refgwd on a free port, checks)
# and helpers to run the real refgw as one of its organisations.
#
#   as ORG ARGS...         refgw with ORG's certificate and the test CA against
#                          $URL; sets RC, stdout in $OUT, stderr in $ERR
#   refgw_plain ARGS...    refgw with no options added (environment tests)
#                          (both fail the test on a sanitizer's report)
#   expect_rc N WHAT       the last run's exit status
#   expect_err TEXT WHAT   the last run's stderr contains TEXT (fixed string)
#   expect_out TEXT WHAT   the last run's stdout contains TEXT
#   server_counts          the gateway's last "counts" log line, once it had
#                          time to write it (log_interval_seconds is 1)
#   wait_until SECONDS CMD...   polls CMD every 0.1 s; 0 once it succeeds
#   free_port              a TCP port nothing listens on
#   track PID              kill PID (if still running) when the test ends
# shellcheck source=../integration/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/common.sh"
: "${REFGW:?REFGW must point at the refgw binary}"

OUT=$T/out
ERR=$T/err
RC=0

# Background processes a test starts (receive loops, listeners) end with it.
BACKGROUND=()
track() { BACKGROUND+=("$1"); }
cli_cleanup() {
    local pid
    for pid in "${BACKGROUND[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rg_cleanup
}
trap cli_cleanup EXIT

# Under ASan/UBSan a finding must not pass for one of refgw's own exit statuses.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1

# no_sanitizer_report FILE: a sanitizer's report in FILE is a failure.
no_sanitizer_report() {
    if grep -q 'Sanitizer\|runtime error:' "$1"; then
        fail "sanitizer report: $(grep -m 3 'Sanitizer\|runtime error:' "$1")"
    fi
}

as() {
    local org=$1
    shift
    RC=0
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/$org.crt" \
        --key "$CERTS/$org.key" "$@" >"$OUT" 2>"$ERR" || RC=$?
    no_sanitizer_report "$ERR"
}

refgw_plain() {
    RC=0
    "$REFGW" "$@" >"$OUT" 2>"$ERR" || RC=$?
    no_sanitizer_report "$ERR"
}

expect_rc() {
    if [ "$RC" = "$1" ]; then pass; else
        fail "${2:-refgw}: exit $RC, wanted $1; stderr: $(head -c 400 "$ERR")"
    fi
}

expect_err() {
    if grep -qF -- "$1" "$ERR"; then pass; else
        fail "${2:-refgw}: stderr lacks '$1': $(head -c 400 "$ERR")"
    fi
}

expect_out() {
    if grep -qF -- "$1" "$OUT"; then pass; else
        fail "${2:-refgw}: stdout lacks '$1': $(head -c 400 "$OUT")"
    fi
}

server_counts() {
    sleep 1.5
    grep -o 'counts accepted=.*' "$T/refgwd.err" | tail -n 1 || true
}

wait_until() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
