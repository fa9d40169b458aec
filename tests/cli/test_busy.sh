#!/usr/bin/env bash
# A busy gateway (429 rate_limited with Retry-After): refused with exit 2 and
# the gateway's code when retries are off; otherwise send waits as long as
# Retry-After says and retries with the same client_ref.
source "$(dirname "$0")/cli_common.sh"
rg_setup
rg_start '{"rate_limit_per_minute": 12}'

# Use up school-a's requests.
for i in $(seq 1 40); do
    as school-a directory
    [ "$RC" = 0 ] || break
done
expect_rc 2 "the limit reached"
expect_err "rate_limited" "the gateway's code"

as school-a send --to ecmj --signal other --body busy --retries 0
expect_rc 2 "send with --retries 0 while limited"
expect_err "rate_limited" "send says rate_limited"
grep -q 'retrying' "$ERR" && fail "--retries 0 retried" || pass

start=$(date +%s)
as school-a send --to ecmj --signal other --body busy --retries 3
took=$(($(date +%s) - start))
expect_rc 0 "send with retries while limited"
expect_err "rate_limited" "the wait is explained"
expect_err "retrying in" "the retry is said"
[[ $(cat "$OUT") =~ ^[A-Za-z0-9_-]{24}$ ]] && pass || fail "no id: $(cat "$OUT")"
((took <= 20)) && pass || fail "waited $took s for a 5 s bucket"
as ecmj --json inbox
expect_eq "$(jq '[.referrals[] | select(.body == "busy")] | length' "$OUT")" 1 "exactly one referral"

rg_stop
finish
