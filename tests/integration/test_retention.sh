#!/usr/bin/env bash
# SPEC §7: unacknowledged referrals expire after retention_days; the content
# is erased, the sender sees "expired", the recipient no longer gets it, and
# an acknowledgement comes too late.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start '{"retention_days": 0.00005}' # about 4.3 s

req school-a POST /v1/referrals "$(referral ecmj)"
old=$(jqb .id)
req ecmj GET /v1/inbox
expect_eq "$(jqb '.referrals | length')" 1 "delivered before expiry"
sleep 3
req school-a POST /v1/referrals "$(referral ecmj other)"
young=$(jqb .id)
sleep 3 # the first is now past retention, the second not yet
req school-a GET "/v1/referrals/$old"
expect_eq "$(jqb .status)" expired "sender sees expired"
expect_eq "$(jqb 'has("acknowledged_at")')" false "expired is not acknowledged"
req school-a GET "/v1/referrals/$young"
expect_eq "$(jqb .status)" queued "younger referral still queued"
req ecmj GET /v1/inbox
expect_eq "$(jqb '[.referrals[].id] | join(",")')" "$young" "expired referral no longer delivered"
req ecmj POST "/v1/inbox/$old/ack"
expect_code 404 not_found "" "acknowledging an expired referral"
req school-a GET "/v1/referrals/$old"
expect_eq "$(jqb .status)" expired "still expired after a late ack"

# Expiry survives a restart: the sweep runs at start as well.
req school-a POST /v1/referrals "$(referral police-a)"
third=$(jqb .id)
rg_stop
sleep 5
rg_start '{"retention_days": 0.00005}'
sleep 1.5
req school-a GET "/v1/referrals/$third"
expect_eq "$(jqb .status)" expired "expired while the gateway was down"
# The count line comes at the next whole second of the log interval; a
# slow machine (ASan, PostgreSQL) may need a few.
for _ in $(seq 1 50); do
    grep -Eq 'counts .*expired=[1-9]' "$T/refgwd.err" && break
    sleep 0.1
done
grep -Eq 'counts .*expired=[1-9]' "$T/refgwd.err" && pass || fail "expiry not in the count line"
rg_stop
finish
