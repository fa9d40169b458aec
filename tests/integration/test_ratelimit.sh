#!/usr/bin/env bash
# SPEC §5: per-organisation rate limit, 429 rate_limited with Retry-After; a
# refused send stores nothing; other organisations are not affected.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start '{"rate_limit_per_minute": 5}'

for i in 1 2 3 4; do
    req school-a GET /v1/health
    expect_status 200 "request $i within the limit"
done
req school-a POST /v1/referrals "$(referral ecmj other '.client_ref="last-allowed"')"
expect_status 202 "fifth request within the limit"
curl -sS -i --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key" \
    -H 'Content-Type: application/json' --data-binary "$(referral ecmj other '.client_ref="over"')" \
    "$URL/v1/referrals" >"$T/over" || true
grep -q '^HTTP/1.1 429' "$T/over" && pass || fail "sixth request not refused: $(head -1 "$T/over")"
retry=$(sed -n 's/^Retry-After: \([0-9]*\)\r$/\1/p' "$T/over")
[[ $retry =~ ^[0-9]+$ ]] && [ "$retry" -ge 1 ] && [ "$retry" -le 12 ] && pass \
    || fail "Retry-After '$retry' is not 1-12 s at 5 a minute"
tail -n 1 "$T/over" | jq -e '.error.code == "rate_limited"' >/dev/null && pass || fail "error code"

req ecmj GET /v1/inbox
expect_status 200 "another organisation is not limited"
expect_eq "$(jqb '.referrals | length')" 1 "the refused send stored nothing"
sleep 1.5
grep -Eq 'counts .*rejected=[1-9]' "$T/refgwd.err" && pass || fail "the refusal is not counted"
rg_stop
finish
