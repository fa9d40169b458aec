#!/usr/bin/env bash
# Exit statuses 0/1/2/3 (SPEC §9) with their messages, each TLS failure named,
# the environment against the options, the help texts, and send's retries
# that reuse one client_ref.
source "$(dirname "$0")/cli_common.sh"
rg_setup
"$MAKE_CERTS" "$CERTS" foreign school-a >/dev/null
"$MAKE_CERTS" "$CERTS" expired school-a >/dev/null
"$MAKE_CERTS" "$CERTS" org revoked-school >/dev/null
"$MAKE_CERTS" "$CERTS" revoke revoked-school >/dev/null
ORGS="$ORGS revoked-school:school"
rg_config_json >"$T/base.json"
rg_start

# with ARGS...: refgw with the test CA and explicit certificate options.
with() {
    refgw_plain --gateway "$URL" --ca "$CERTS/ca.crt" "$@"
}

# ---- 0 ----
as school-a directory
expect_rc 0 "directory"

# ---- 1: usage ----
refgw_plain
expect_rc 1 "no command"
expect_err "no command given" "no command"
refgw_plain frobnicate
expect_rc 1 "unknown command"
expect_err "unknown command 'frobnicate'" "unknown command named"
refgw_plain --colour directory
expect_rc 1 "unknown global option"
expect_err "unknown option '--colour'" "unknown option named"
refgw_plain --gateway
expect_rc 1 "global option without its value"
as school-a directory --all
expect_rc 1 "unknown command option"
expect_err "see 'refgw directory --help'" "points at the command's help"
as school-a --timeout 0 directory
expect_rc 1 "--timeout 0"
env -u REFGW_GATEWAY "$REFGW" --cert "$CERTS/school-a.crt" directory >"$OUT" 2>"$ERR" && RC=0 || RC=$?
no_sanitizer_report "$ERR"
expect_rc 1 "no gateway"
expect_err "no gateway: give --gateway URL or set REFGW_GATEWAY" "no gateway said"
refgw_plain --gateway "$URL" directory
expect_rc 1 "no certificate"
expect_err "REFGW_CERT" "no certificate said"
with --cert "$T/nothing.crt" directory
expect_rc 1 "unreadable certificate"
expect_err "cannot read --cert $T/nothing.crt" "the file is named"
with --cert "$CERTS/school-a.crt" --key "$CERTS/ecmj.key" directory
expect_rc 1 "a key that is not the certificate's"
expect_err "client certificate or key" "the key problem is said"
refgw_plain --gateway "http://localhost:$PORT" --cert "$CERTS/school-a.crt" directory
expect_rc 1 "a plain http gateway"
expect_err "https://" "https is required"

# ---- 2: the gateway refused; its code and message on stderr ----
as stranger directory
expect_rc 2 "a valid certificate the gateway does not admit"
expect_err "unknown_organisation" "code"
expect_err "the certificate's organisation is not admitted" "message"
as school-closed directory
expect_rc 2 "a disabled organisation"
expect_err "unknown_organisation" "disabled: code"
as audit send --to ecmj --signal other --body x
expect_rc 2 "an admin sending"
expect_err "forbidden_role" "admin: code"
as audit inbox
expect_rc 2 "an admin reading an inbox"
expect_err "forbidden_role" "admin inbox: code"

# ---- 3: unreachable, or TLS failed; each said in its own words ----
P=$(free_port)
refgw_plain --gateway "https://localhost:$P" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" directory
expect_rc 3 "a port nothing listens on"
expect_err "connection refused" "refused connection said"
refgw_plain --gateway "https://no-such-host.invalid:$PORT" --ca "$CERTS/ca.crt" \
    --cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key" directory
expect_rc 3 "a host name that does not resolve"
expect_err "cannot resolve" "resolution failure said"
# The gateway's certificate from a CA we do not trust (--ca of another CA).
as school-a --ca "$CERTS/foreign-ca/ca.crt" directory
expect_rc 3 "a foreign CA in --ca"
expect_err "TLS: unknown CA" "unknown CA said"
# Our certificate from a CA the gateway does not trust, expired, or revoked.
for who in school-a-foreign school-a-expired revoked-school; do
    with --cert "$CERTS/$who.crt" --key "$CERTS/$who.key" directory
    expect_rc 3 "client certificate $who"
    expect_err "rejected this client's certificate" "$who: the rejection is said"
done

# Timeouts: a listener that never does TLS, and a gateway that never answers.
# silent MODE...: starts tests/cli/silent_server.py; SILENT_PID, SILENT_PORT.
silent() {
    : >"$T/silent.port"
    python3 "$(dirname "$0")/silent_server.py" "$@" >"$T/silent.port" &
    SILENT_PID=$!
    track $SILENT_PID
    wait_until 10 grep -q . "$T/silent.port" || { echo "silent_server.py did not start" >&2; exit 1; }
    SILENT_PORT=$(head -n 1 "$T/silent.port")
}
silent tcp
start=$(date +%s)
as school-a --gateway "https://localhost:$SILENT_PORT" --connect-timeout 1 directory
took=$(($(date +%s) - start))
expect_rc 3 "no TLS handshake"
expect_err "no TLS handshake with https://localhost:$SILENT_PORT within 1 s" "the handshake timeout said"
((took <= 5)) && pass || fail "--connect-timeout 1 took $took s"
kill "$SILENT_PID"
wait "$SILENT_PID" 2>/dev/null || true
silent tls "$CERTS/server.crt" "$CERTS/server.key"
start=$(date +%s)
as school-a --gateway "https://localhost:$SILENT_PORT" --timeout 1 directory
took=$(($(date +%s) - start))
expect_rc 3 "no answer"
expect_err "the gateway did not answer within 1 s" "the answer timeout said"
((took <= 5)) && pass || fail "--timeout 1 took $took s"
kill "$SILENT_PID"
wait "$SILENT_PID" 2>/dev/null || true

# ---- the environment, and options over it ----
export REFGW_GATEWAY=$URL REFGW_CA=$CERTS/ca.crt REFGW_CERT=$CERTS/school-a.crt REFGW_KEY=$CERTS/school-a.key
refgw_plain directory
expect_rc 0 "everything from the environment"
expect_out "police-a" "the environment's certificate (a school) is used"
refgw_plain --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" directory
expect_rc 0 "--cert and --key over the environment"
grep -q 'police-a' "$OUT" && grep -q 'care-a' "$OUT" && ! grep -q 'ecmj' "$OUT" && pass ||
    fail "the options' certificate (ecmj) was not used: $(cat "$OUT")"
REFGW_GATEWAY=https://localhost:$(free_port) refgw_plain --gateway "$URL" directory
expect_rc 0 "--gateway over REFGW_GATEWAY"
REFGW_CA=$CERTS/foreign-ca/ca.crt refgw_plain --ca "$CERTS/ca.crt" directory
expect_rc 0 "--ca over REFGW_CA"
REFGW_CA=$CERTS/foreign-ca/ca.crt refgw_plain directory
expect_rc 3 "REFGW_CA is used"
REFGW_CERT=$CERTS/stranger.crt REFGW_KEY=$CERTS/stranger.key refgw_plain directory
expect_rc 2 "REFGW_CERT and REFGW_KEY are used"
REFGW_KEY=$CERTS/ecmj.key refgw_plain --key "$CERTS/school-a.key" directory
expect_rc 0 "--key over REFGW_KEY"
REFGW_GATEWAY= refgw_plain --gateway "$URL" directory
expect_rc 0 "an empty variable is no value"
REFGW_GATEWAY= refgw_plain directory
expect_rc 1 "an empty REFGW_GATEWAY and no option"
unset REFGW_GATEWAY REFGW_CA REFGW_CERT REFGW_KEY

# ---- help: refgw --help, and each command's, each with an example ----
refgw_plain --help
expect_rc 0 "refgw --help"
for cmd in send inbox receive ack status directory; do
    grep -qE "^  $cmd " "$OUT" && pass || fail "refgw --help does not list $cmd"
done
for v in REFGW_GATEWAY REFGW_CERT REFGW_KEY REFGW_CA; do expect_out "$v" "--help names $v"; done
expect_out "Example" "refgw --help has an example"
for cmd in send inbox receive ack status directory; do
    refgw_plain "$cmd" --help
    expect_rc 0 "refgw $cmd --help"
    expect_out "usage: refgw $cmd" "$cmd --help: usage"
    expect_out "Example" "$cmd --help: an example"
    cp "$OUT" "$T/help1"
    refgw_plain help "$cmd"
    cmp -s "$OUT" "$T/help1" && pass || fail "refgw help $cmd differs from refgw $cmd --help"
done
refgw_plain send --help
for flag in age-band gender municipality origin socioeconomic education housing addiction; do
    expect_out "--$flag VALUE" "send --help lists --$flag"
done
# --help comes before any check of the other options.
refgw_plain send --to ecmj --help
expect_rc 0 "send --to ecmj --help"

# ---- send retries after network errors with one client_ref ----
DEAD=$(free_port)
start=$(date +%s)
as school-a --gateway "https://localhost:$DEAD" send --to ecmj --signal other --body retry --retries 2
took=$(($(date +%s) - start))
expect_rc 3 "send with the gateway away"
expect_eq "$(grep -c 'retrying in' "$ERR")" 2 "two retries"
((took >= 3 && took < 20)) && pass || fail "retries 1 + 2 s apart took $took s"
# The directory comes before the post: nothing was posted, so no client_ref
# is offered for a resend (tests/cli/test_fake.sh has a post that is lost).
expect_err "nothing was sent (the directory could not be read)" "nothing sent, said"
grep -q 'may have arrived' "$ERR" && fail "a referral never posted 'may have arrived'" || pass
REF=retry-after-a-wait
as school-a --gateway "https://localhost:$DEAD" send --to ecmj --signal other --body retry --retries 0
expect_rc 3 "--retries 0"
grep -q 'retrying' "$ERR" && fail "--retries 0 retried" || pass
# A send that starts while the gateway is away completes when it comes back.
rg_stop
"$REFGW" --gateway "https://localhost:$DEAD" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" send --to ecmj --signal other --client-ref "$REF" --body retry \
    --retries 5 >"$T/send.out" 2>"$T/send.err" &
SENDER=$!
track $SENDER
sleep 1.5
rg_start "{\"listen\": \"127.0.0.1:$DEAD\"}"
rc=0
wait $SENDER || rc=$?
expect_eq "$rc" 0 "a send that waited for the gateway"
grep -q 'retrying in' "$T/send.err" && pass || fail "the send did not retry: $(cat "$T/send.err")"
no_sanitizer_report "$T/send.err"
FIRST=$(cat "$T/send.out")
# Again with the same client_ref, as a retry after a lost answer would: the same referral.
as school-a send --to ecmj --signal other --client-ref "$REF" --body retry
expect_rc 0 "the same client_ref again"
expect_eq "$(cat "$OUT")" "$FIRST" "the same id: no second referral"
as ecmj --json inbox
expect_eq "$(jq '[.referrals[] | select(.body == "retry")] | length' "$OUT")" 1 "exactly one referral arrived"

# ---- host name mismatch: a gateway certificate for another name ----
rg_stop
"$MAKE_CERTS" "$CERTS" init gateway.example >/dev/null
rg_start
as school-a directory
expect_rc 3 "a certificate for another host name"
expect_err "TLS: host name mismatch" "mismatch said"
expect_err "'localhost'" "the host name is given"
rg_stop
finish
