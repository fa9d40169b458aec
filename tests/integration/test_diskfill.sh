#!/usr/bin/env bash
# The gateway's own referrals fill its disk (SPEC §7): on a tmpfs of 4 MiB
# and one of 16 MiB as data_dir, a sender sends referrals of 60 KiB until
# they are refused (503 unavailable, /v1/health "degraded"); the recipient
# then reads and acknowledges every one of them; sends are accepted again
# without a restart; the disk fills again while the recipient drains and
# two senders keep sending; and at the end no 202ed referral is lost or
# left pending. Needs root to mount a tmpfs; skipped (77) without.
# diskfill.py does the sending and draining and checks each round.
source "$(dirname "$0")/common.sh"
FILL="python3 $(dirname "$0")/diskfill.py"
rg_setup
mkdir -p "$T/probe"
if ! mount -t tmpfs -o size=1m tmpfs "$T/probe" 2>/dev/null; then
    echo "SKIP: cannot mount a tmpfs (needs root)"
    exit 77
fi
umount "$T/probe"
MOUNTED=""
cleanup_mount() {
    rg_kill9
    local m
    for m in $MOUNTED; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    rg_cleanup
}
trap cleanup_mount EXIT

# round NAME MODE [ARGS...]: one diskfill.py step, its JSON kept for the log.
round() {
    local name=$1
    shift
    if $FILL "$@" "$PORT" "$CERTS" --ledger "$LEDGER" >"$T/$name.json" 2>"$T/$name.err"; then
        pass
    else
        fail "$SIZE MiB, $name: $(cat "$T/$name.json" "$T/$name.err")"
    fi
    echo "$SIZE MiB $name: $(jq -c '{accepted, refused, acked_ids, lost, seconds_to_first_202}' "$T/$name.json" 2>/dev/null)" >&2
}

for SIZE in 4 16; do
    dir=var$SIZE
    mkdir -p "$T/$dir"
    mount -t tmpfs -o size=${SIZE}m tmpfs "$T/$dir"
    MOUNTED+=" $T/$dir"
    LEDGER=$T/ledger$SIZE
    rg_start "{\"data_dir\": \"$dir\", \"rate_limit_per_minute\": 1000000}"

    round fill-1 fill
    round drain-1 drain
    round resume-1 resume
    round fill-2 fill
    round both both --seconds 8
    round resume-2 resume
    round drain-2 drain

    grep -Eq '^[0-9T:Z-]+ refgwd: store: disk nearly full: sends are refused' "$T/refgwd.err" && pass ||
        fail "$SIZE MiB: no 'disk nearly full' line in the log"
    grep -Eq '^[0-9T:Z-]+ refgwd: store: room again: sends are accepted$' "$T/refgwd.err" && pass ||
        fail "$SIZE MiB: no 'room again' line in the log"
    rg_stop

    # Nothing stuck: every 202 acknowledged in the store itself, none pending.
    accepted=$(sort -u "$LEDGER" | wc -l)
    got=$(sqlite3 -readonly "$T/$dir/refgw.db" \
        "SELECT count(*) FROM referrals WHERE state = 2; SELECT count(*) FROM referrals WHERE state IN (0, 1);" | tr '\n' ' ')
    expect_eq "$got" "$accepted 0 " "$SIZE MiB: acknowledged and pending referrals in the store"
    echo "$SIZE MiB: $accepted referrals accepted and acknowledged over all rounds" >&2
done
finish
