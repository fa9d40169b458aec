#!/usr/bin/env bash
# Something else fills the disk, to the last block (SPEC §7): sends get 503
# unavailable and nothing is half-stored, /v1/health says "degraded", while
# deliveries and acknowledgements keep working from the reserve file the
# store releases; sends work again by themselves once space returns. Needs
# root to mount a small tmpfs as data_dir; without it the test says so and
# is skipped (exit 77). test_diskfill.sh fills the disk with referrals.
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
[ -s "$T/var/refgw.reserve" ] && pass || fail "no reserve file beside the store"

accepted=()
for i in 1 2 3 4 5; do
    req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"before-$i\"")"
    expect_status 202 "send before the disk fills"
    accepted+=("$(jqb .id)")
done

# Another program takes every free block.
avail=$(df -k --output=avail "$T/var" | tail -1)
dd if=/dev/zero of="$T/var/filler" bs=64k 2>/dev/null || true
expect_eq "$(df -k --output=avail "$T/var" | tail -1 | tr -d " ")" 0 "free KiB after filling"
echo "filled ${avail} KiB" >&2

for i in 1 2 3; do
    req school-a POST /v1/referrals "$(referral ecmj other ".client_ref=\"full-$i\"")"
    expect_code 503 unavailable "" "send on a full disk"
done
req school-a GET /v1/health
expect_status 200 "health on a full disk"
expect_eq "$(jqb .status)" degraded "health status on a full disk"
# The inbox may hand out fewer than asked while the disk is short (each
# delivery must fit what is left); the oldest come first, and again until
# acknowledged. Read and acknowledge the first three that way.
acked=()
for round in 1 2 3 4 5 6; do
    [ ${#acked[@]} -lt 3 ] || break
    req ecmj GET /v1/inbox
    expect_status 200 "inbox on a full disk (round $round)"
    got=$(jqb '[.referrals[].id] | join(",")')
    pending=$(IFS=,; echo "${accepted[*]:${#acked[@]}}")
    [ -n "$got" ] && [[ "$pending" == "$got"* ]] && pass ||
        fail "inbox on a full disk: '$got', not the oldest of the pending '$pending'"
    id=$(jqb '.referrals[0].id')
    req ecmj POST "/v1/inbox/$id/ack"
    expect_status 200 "ack on a full disk"
    acked+=("$id")
done
expect_eq "$(IFS=,; echo "${acked[*]}")" "$(IFS=,; echo "${accepted[*]:0:3}")" \
    "the referrals acknowledged on a full disk, oldest first"
req school-a GET "/v1/referrals/${accepted[0]}"
expect_eq "$(jqb .status)" acknowledged "status of an acknowledged referral on a full disk"
[ ! -s "$T/var/refgw.reserve" ] && pass || fail "the reserve file was not released"
grep -Eq '^[0-9T:Z-]+ refgwd: store: disk full: the reserve file is released' "$T/refgwd.err" && pass ||
    fail "no line in the log about the released reserve"
grep -Eq '^[0-9T:Z-]+ refgwd: store: disk nearly full: sends are refused' "$T/refgwd.err" && pass ||
    fail "no line in the log about refused sends"

# Space returns: the gateway recovers by itself.
rm -f "$T/var/filler"
ok=""
for i in $(seq 1 30); do
    req school-a GET /v1/health
    [ "$(jqb .status)" = ok ] && { ok=1; break; }
    sleep 0.1
done
[ -n "$ok" ] && pass || fail "health did not come back to ok: $(cat "$BODY_FILE")"
req school-a POST /v1/referrals "$(referral ecmj other '.client_ref="full-1"')"
expect_status 202 "the same send after space returned"
after=$(jqb .id)
req ecmj GET /v1/inbox
expect_eq "$(jqb '[.referrals[].id] | join(",")')" "$(IFS=,; echo "${accepted[*]:3}"),$after" \
    "inbox after recovery"
[ -s "$T/var/refgw.reserve" ] && pass || fail "the reserve file was not made again"
grep -Eq '^[0-9T:Z-]+ refgwd: store: room again: sends are accepted$' "$T/refgwd.err" && pass ||
    fail "no 'room again' line in the log"
rg_stop
finish
