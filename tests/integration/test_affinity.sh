#!/usr/bin/env bash
# refgwd runs one event loop per processor it may run on (its CPU affinity:
# taskset, systemd's CPUAffinity=, a container's cpuset), not per processor
# online: loop 0 is the main thread, the others are named refgwd-loop.
source "$(dirname "$0")/common.sh"
allowed=$(nproc) # the processors this shell may use
if [ "$allowed" -lt 2 ]; then
    echo "SKIP: needs two processors to pin refgwd to one of them"
    exit 77
fi
rg_setup

loops() { # the event loops of the running refgwd
    local t n=1
    for t in /proc/"$PID"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = refgwd-loop ] && n=$((n + 1))
    done
    echo "$n"
}

rg_start
want=$((allowed > 16 ? 16 : allowed))
expect_eq "$(loops)" "$want" "event loops with $allowed processors"
rg_stop

# Pinned to one processor: one loop, in the main thread.
first=$(taskset -cp $$ | sed 's/.*: //; s/[-,].*//')
taskset -cp "$first" $$ >/dev/null
rg_start
expect_eq "$(loops)" 1 "event loops when pinned to one processor"
req school-a POST /v1/referrals "$(referral care-a)"
expect_status 202 "a send served by the one loop"
rg_stop
finish
