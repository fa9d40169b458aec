#!/usr/bin/env bash
# test_install.sh - `cmake --install` of this build, for those who do not use
# the packages: below a prefix of its own, the layout of cmake/install.cmake,
# with a unit that names that prefix's refgwd and configuration; and with
# DESTDIR and the prefix /usr, the configuration in /etc as in the packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REFGW_BUILD:?REFGW_BUILD must be the build folder}"
# shellcheck source=../integration/common.sh
. "$here/../integration/common.sh"

# layout DIR: "MODE PATH" of every file and folder below DIR, sorted.
layout() { (cd "$1" && find . -mindepth 1 -printf '%M %p\n' | sort -k2); }
# expect_entry DIR MODE PATH
expect_entry() {
    if layout "$1" | grep -qxF -e "$2 $3"; then pass; else
        fail "cmake --install: wanted $2 $3 below $1, got: $(layout "$1" | grep -F " $3" || echo nothing)"
    fi
}

prefix=$T/opt/refgw
cmake --install "$REFGW_BUILD" --prefix "$prefix" >"$T/install.out"
x=-rwxr-xr-x r=-rw-r--r--
expect_entry "$prefix" $x ./sbin/refgwd
expect_entry "$prefix" $x ./bin/refgw
expect_entry "$prefix" $r ./lib/systemd/system/refgwd.service
expect_entry "$prefix" $r ./lib/systemd/system/refgw-check-store.service
expect_entry "$prefix" $r ./lib/systemd/system/refgw-check-store.timer
expect_entry "$prefix" $r ./lib/sysusers.d/refgw.conf
expect_entry "$prefix" drwxr-x--- ./etc/refgw
expect_entry "$prefix" $r ./share/man/man8/refgwd.8
expect_entry "$prefix" $r ./share/man/man5/refgwd.json.5
expect_entry "$prefix" $r ./share/man/man1/refgw.1
expect_entry "$prefix" $r ./share/bash-completion/completions/refgw
expect_entry "$prefix" $r ./share/doc/refgw/operations.md
expect_entry "$prefix" $r ./share/doc/refgw/examples/refgwd.json
expect_entry "$prefix" $r ./share/doc/refgw/prometheus/refgw.rules.yml
expect_eq "$(ls "$T")" "$(printf 'install.out\nopt')" "what cmake --install made beside the prefix"
expect_eq "$(grep '^Exec' "$prefix/lib/systemd/system/refgwd.service")" \
    "ExecStartPre=$prefix/sbin/refgwd --check-config $prefix/etc/refgw/refgwd.json
ExecStart=$prefix/sbin/refgwd --config $prefix/etc/refgw/refgwd.json
ExecReload=$prefix/sbin/refgwd --check-config $prefix/etc/refgw/refgwd.json
ExecReload=/bin/kill -HUP \$MAINPID" "the unit's commands below $prefix"
expect_eq "$(grep '^Exec\|^Condition' "$prefix/lib/systemd/system/refgw-check-store.service")" \
    "ConditionPathExists=$prefix/etc/refgw/refgwd.json
ExecStart=$prefix/sbin/refgwd --check-store $prefix/etc/refgw/refgwd.json" \
    "the check unit's command below $prefix"
expect_eq "$("$prefix/sbin/refgwd" --version)" "$("$REFGWD" --version)" "the installed refgwd"

# The prefix /usr, into DESTDIR: the configuration in /etc, as GNUInstallDirs has it.
DESTDIR=$T/root cmake --install "$REFGW_BUILD" --prefix /usr >/dev/null
expect_entry "$T/root" drwxr-x--- ./etc/refgw
expect_entry "$T/root" $x ./usr/sbin/refgwd
expect_eq "$(sed -n 's/^ExecStart=//p' "$T/root/usr/lib/systemd/system/refgwd.service")" \
    "/usr/sbin/refgwd --config /etc/refgw/refgwd.json" "the unit's ExecStart for the prefix /usr"
expect_eq "$(ls "$T/root")" "$(printf 'etc\nusr')" "what DESTDIR holds"

finish
