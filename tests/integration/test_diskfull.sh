#!/usr/bin/env bash
# The disk fills up: sends get 503 unavailable and nothing is half-stored,
# deliveries and acknowledgements keep working from the reserve, and sends
# work again by themselves once space returns. Needs root to mount a small
# tmpfs as data_dir; without it the test says so and is skipped (exit 77).
source "$(dirname "$0")/common.sh"
rg_setup
mkdir -p "$T/var"
if ! mount -t tmpfs -o size=16m tmpfs "$T/var" 2>/dev/null; then
    echo "SKIP: cannot mount a tmpfs (needs root)"
    exit 77
fi
cleanup_mount() { rg_kill9; umount "$T/var" 2>/dev/null || umount -l "$T/var" 2>/dev/null || true; rg_cleanup; }
trap cleanup_mount EXIT
rg_start '{"rate_limit_per_minute": 1000000}'

accepted=()
for i in 1 2 3 4 5; do
    req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"before-$i\"")"
    expect_status 202 "send before the disk fills"
    accepted+=("$(jqb .id)")
done

# Fill the filesystem, leaving less than the 1 MiB reserve.
avail=$(df -k --output=avail "$T/var" | tail -1)
dd if=/dev/zero of="$T/var/filler" bs=1k count=$(( $(df -k --output=avail "$T/var" | tail -1) - 600 )) 2>/dev/null
echo "free after filling: $(df -k --output=avail "$T/var" | tail -1) KiB of ${avail} KiB" >&2

for i in 1 2 3; do
    req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"full-$i\"")"
    expect_code 503 unavailable "" "send on a full disk"
done
req ecmj GET /v1/inbox
expect_status 200 "inbox on a full disk"
expect_eq "$(jqb '[.referrals[].id] | join(",")')" "$(IFS=,; echo "${accepted[*]}")" \
    "only the accepted referrals, nothing half-stored"
req ecmj POST "/v1/inbox/${accepted[0]}/ack"
expect_status 200 "ack on a full disk"
req school-a GET /v1/health
expect_status 200 "health on a full disk"
sleep 1.2
grep -Eq '^[0-9T:Z-]+ refgwd: store: commit failed: disk full$' "$T/refgwd.err" && pass \
    || fail "no 'disk full' error class in the log"

# Space returns: the gateway recovers by itself.
rm -f "$T/var/filler"
req school-a POST /v1/referrals "$(referral ecmj other '.client_ref="full-1"')"
expect_status 202 "the same send after space returned"
after=$(jqb .id)
req ecmj GET /v1/inbox
expect_eq "$(jqb '[.referrals[].id] | join(",")')" "$(IFS=,; echo "${accepted[*]:1}"),$after" \
    "inbox after recovery"
rg_stop
finish
