#!/usr/bin/env bash
# SPEC §7 in memory: once referrals are acknowledged or expired and the
# gateway has a moment's rest, nothing they said is left in refgwd's memory.
# A body passes through OpenSSL's record buffer, libevent's buffers, the
# request, cJSON, the op, SQLite's record, page cache and scratch pages and
# the WAL buffer, and the inbox answer out again: each is wiped when freed
# (lib/wipe.h, server/store/sqlite/wiping.h), and the writer's connection is
# opened again when it idles after an erasure (db_refresh). The whole of
# /proc/PID/mem is searched, as someone with a core dump would.
source "$(dirname "$0")/../integration/common.sh"
MEMSCAN="$(dirname "$0")/memscan.py"
rg_setup
rg_start '{"retention_days": 0.00003}' # about 2.6 s, so some referrals expire

body_canary="MEMBODY4b7e"
ref_canary="MEMREF91c3"
big=$(head -c 20000 /dev/zero | tr '\0' m) # the store's overflow pages too
send() { # N SIZE: a referral whose body starts and ends with the canary
    req school-a POST /v1/referrals "$(referral ecmj loverboy ".client_ref=\"$ref_canary-$1\" |
        .body=\"$body_canary-$1 ${big:0:$2} observed $body_canary-$1\"")"
    expect_status 202 "send $1"
}
for i in $(seq 1 12); do send "$i" $((i % 3 == 0 ? 20000 : 1500)); done
# Six delivered and acknowledged; the other six expire unread.
req ecmj GET "/v1/inbox?limit=6"
expect_eq "$(jqb '.referrals | length')" 6 "inbox"
for id in $(jqb '.referrals[].id'); do req ecmj POST "/v1/inbox/$id/ack"; expect_status 200 ack; done
for i in $(seq 1 100); do # the expiry runs every second
    req ecmj GET "/v1/inbox?limit=6"
    [ "$(jqb '.referrals | length')" = 0 ] && break
    sleep 0.1
done
expect_eq "$(jqb '.referrals | length')" 0 "the rest expired"
sleep 1 # the writer idles: its connection is opened again

# The search works: what the configuration says is in memory.
python3 "$MEMSCAN" "$PID" "Org school-a" >/dev/null && fail "memscan finds nothing" || pass
python3 "$MEMSCAN" "$PID" "$body_canary" "$ref_canary" >"$T/hits" && pass ||
    fail "in refgwd's memory after erasure (copies, canary):" $(awk '{ print $1 }' "$T/hits" | sort | uniq -c)
rg_stop
finish
