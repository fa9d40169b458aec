#!/usr/bin/env bash
# Least privilege: with "user", refgwd binds and reads its keys as root, then
# runs as that user; the store belongs to it; the systemd unit in dist/ passes
# systemd-analyze verify. Needs root for the switch (skipped otherwise, exit 77).
source "$(dirname "$0")/common.sh"
rg_setup
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
    echo "SKIP: needs root and a 'nobody' user"
    exit 77
fi
uid=$(id -u nobody)
mkdir -p "$T/var" && chown nobody "$T/var" && chmod 700 "$T/var"
chmod 711 "$T" # nobody must reach data_dir; the keys stay root's (0600)
rg_start '{"user": "nobody"}'

ids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$PID/status")
expect_eq "$ids" "$uid $uid $uid $uid" "real, effective, saved and fs uid"
# Every thread switched, those started before the switch included (jemalloc's
# background thread in release builds). A thread may end meanwhile (the
# store's background check): one gone is skipped.
for t in /proc/"$PID"/task/*; do
    ids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$t/status" 2>/dev/null) || continue
    [ -n "$ids" ] || continue
    expect_eq "$ids" "$uid $uid $uid $uid" "uids of thread $(cat "$t/comm" 2>/dev/null)"
done
gids=$(awk '/^Groups:/ {print $2}' "/proc/$PID/status")
expect_eq "$gids" "" "no supplementary groups"
req school-a POST /v1/referrals "$(referral ecmj)"
expect_status 202 "serving after the switch"
expect_eq "$(stat -c %u "$T/var/refgw.db")" "$uid" "store owned by the user"
expect_eq "$(stat -c %a "$T/var/refgw.db")" 600 "store mode"
expect_eq "$(stat -c %u "$T/var/refgwd.lock")" "$uid" "data_dir's lock taken as the user"
expect_eq "$(cat "$T/var/refgwd.lock")" "$PID" "the lock file holds the pid"

# The key is root's: a reload cannot read it and keeps the old configuration.
kill -HUP "$PID"
wait_log 'reload failed, keeping the old configuration' 10 && pass \
    || fail "reload without access to the key did not keep the old configuration"
req school-a GET /v1/health
expect_status 200 "still serving after a failed reload"
rg_stop

# An unknown user is a clear error.
jq '.user = "no-such-user-refgw"' "$T/base.json" >"$T/nouser.json"
rc=0; "$REFGWD" --config "$T/nouser.json" 2>"$T/nouser.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'user: no such user' "$T/nouser.err" && pass || fail "unknown user: $rc $(cat "$T/nouser.err")"

# The systemd unit's sandboxing is valid where systemd-analyze exists.
unit=$(dirname "$0")/../../dist/refgwd.service.in # tests/package/test_deb.sh: as packaged
if command -v systemd-analyze >/dev/null; then
    sed "s|@SBINDIR@/refgwd|$REFGWD|; s|@SYSCONFDIR@|/etc|" "$unit" >"$T/refgwd.service"
    # --man=no: the man pages are not installed here (test_deb.sh checks them).
    systemd-analyze verify --man=no "$T/refgwd.service" >"$T/verify.out" 2>&1 && pass \
        || fail "systemd-analyze verify: $(cat "$T/verify.out")"
    for key in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ReadWritePaths=/var/lib/refgw; do
        grep -qx "$key" "$unit" && pass || fail "unit lacks $key"
    done
else
    echo "systemd-analyze not available: unit not verified"
fi
finish
