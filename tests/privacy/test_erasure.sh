#!/usr/bin/env bash
# SPEC §7: after acknowledgement or expiry and a clean shutdown, no byte of a
# referral's body or client_ref is left in any file under data_dir, and the
# log never names a referral, an organisation or anything a referral said.
# (The counts' side of the disk, after a release, is test_attacks.sh's.)
source "$(dirname "$0")/../integration/common.sh"
rg_setup
rg_start '{"retention_days": 0.00003}' # about 2.6 s, so some referrals expire

canary_body="CANARYBODY7c1e"
canary_ref="CANARYREF5d2a"
canary_muni="GM4242" # a subject value: allowed in the counters, never in a log line
big=$(head -c 20000 /dev/zero | tr '\0' x) # spans overflow pages of the store

ids=()
for i in 1 2 3 4 5 6; do
    doc=$(referral ecmj sexual_exploitation ".client_ref=\"$canary_ref-$i\" |
        .body=\"$canary_body $i $big $canary_body\" |
        .subject={age_band:\"16_17\",municipality:\"$canary_muni\",housing:\"homeless\"}")
    req school-a POST /v1/referrals "$doc"
    expect_status 202 "send $i"
    ids+=("$(jqb .id)")
done
# Some are delivered and acknowledged; the rest expire unread.
req ecmj GET "/v1/inbox?limit=3"
for id in $(jqb '.referrals[].id'); do req ecmj POST "/v1/inbox/$id/ack"; expect_status 200 ack; done
sleep 5
for id in "${ids[@]}"; do
    req school-a GET "/v1/referrals/$id"
    case $(jqb .status) in acknowledged|expired) pass ;; *) fail "referral still $(jqb .status)" ;; esac
done
# Bad input that echoes canaries must not reach the log either.
req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"$canary_ref bad\"")"
req school-a GET "/v1/referrals/$canary_ref"
rg_stop

scan() { # scan WHAT PATTERN FILES...: none of FILES may contain PATTERN
    local what=$1 pattern=$2
    shift 2
    if grep -rlaF -- "$pattern" "$@" >"$T/hits" 2>/dev/null; then
        fail "$what found in: $(tr '\n' ' ' <"$T/hits")"
    else
        pass
    fi
}
ls -la "$T/var" >&2
scan "body canary on disk" "$canary_body" "$T/var"
scan "client_ref canary on disk" "$canary_ref" "$T/var"
scan "body text on disk" "observed" "$T/var"
for what in "$canary_body" "$canary_ref" "$canary_muni" homeless 16_17 sexual_exploitation; do
    scan "'$what' in the log" "$what" "$T/refgwd.err"
done
for pair in $ORGS; do scan "organisation id in the log" "${pair%%:*}" "$T/refgwd.err"; done
for id in "${ids[@]}"; do scan "referral id in the log" "$id" "$T/refgwd.err"; done
# The log holds the start line, count lines, the background integrity
# check's outcome and the shutdown's, each after its UTC time.
bad=$(grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z refgwd: (listening on 127\.0\.0\.1:[0-9]+|counts( [a-z_]+=[0-9]+)+|store: background check: sound \([0-9]+\.[0-9] s\)|stopping \(SIGTERM\)|stopped)$' "$T/refgwd.err" || true)
expect_eq "$bad" "" "log lines other than the start line, counts, the check and the shutdown"
finish
