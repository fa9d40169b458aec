#!/usr/bin/env bash
# test_deb.sh - the Debian packages, as `make deb` builds them (scripts/build-deb,
# from a copy of the tree, into a temporary folder: the repository stays clean):
#
#   - both packages are made, at the version of CMakeLists.txt;
#   - unpacked (dpkg-deb -x) into a temporary root: the files, their modes and
#     owners; the maintainer scripts make the user (sysusers) and give
#     /etc/refgw to group refgw;
#   - the installed refgwd: --version, --check-config of the example
#     configuration (its paths moved into the temporary folder), and the
#     unit's own ExecStartPre and ExecStart command lines, run from the root,
#     serve a partner; the installed refgw: --help and its bash completion;
#   - the unit: systemd-analyze verify against the unpacked root (no output
#     at all, since unknown keys are only warnings), the settings this
#     gateway relies on, and systemd-analyze security's exposure level;
#   - lintian: no error, warning, info or pedantic tag that is not overridden
#     with a reason in debian/*.lintian-overrides.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REFGW_SOURCE:?REFGW_SOURCE must be the source tree}"
# shellcheck source=../integration/common.sh
. "$here/../integration/common.sh"

for tool in dpkg-buildpackage dh lintian systemd-analyze systemd-sysusers mandoc; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

version=$(sed -n 's/^project(refgw VERSION \([0-9.]*\).*/\1/p' "$REFGW_SOURCE/CMakeLists.txt")
[ -n "$version" ] || { echo "FAIL: no version in CMakeLists.txt" >&2; exit 1; }

# ---- build -------------------------------------------------------------------
# The build must leave the sources as they were: dpkg-buildpackage, run in a
# tree, writes into its debian/ and obj-*/, and its results beside the tree.
tree_status() {
    git -C "$REFGW_SOURCE" status --porcelain --ignored -- debian ':(glob)obj-*' 2>/dev/null
    ls -d "$REFGW_SOURCE"/../refgw*_* 2>/dev/null
}
tree_before=$(tree_status || true)
start=$(date +%s)
if ! "$REFGW_SOURCE/scripts/build-deb" "$T/deb" >"$T/build-deb.out" 2>&1; then
    cat "$T/build-deb.out" >&2
    echo "FAIL: scripts/build-deb" >&2
    exit 1
fi
echo "packages built in $(($(date +%s) - start)) s"
server_deb=$T/deb/refgw-server_${version}_$(dpkg --print-architecture).deb
client_deb=$T/deb/refgw_${version}_$(dpkg --print-architecture).deb
for deb in "$server_deb" "$client_deb"; do
    if [ -f "$deb" ]; then pass; else fail "no $deb; made: $(ls "$T/deb")"; fi
done
[ "$FAILS" -eq 0 ] || { finish; exit 1; }
expect_eq "$(dpkg-deb -f "$server_deb" Version)" "$version" "refgw-server's version"
expect_eq "$(dpkg-deb -f "$client_deb" Version)" "$version" "refgw's version"
expect_eq "$(tree_status || true)" "$tree_before" "debian/, obj-*/ and the sources' parent after building"

# ---- files, modes, owners ----------------------------------------------------
# contents DEB: "MODE OWNER PATH" a line, directories ending in /.
contents() { dpkg-deb -c "$1" | awk '{ print $1, $2, $6 }'; }
contents "$server_deb" >"$T/server.list"
contents "$client_deb" >"$T/client.list"

# expect_file LIST MODE PATH
expect_file() {
    if grep -qxF -e "$2 root/root $3" "$1"; then pass; else
        fail "$(basename "$1" .list) package: wanted $2 root/root $3, got: $(grep -F " $3" "$1" || echo nothing)"
    fi
}
x=-rwxr-xr-x r=-rw-r--r-- d=drwxr-xr-x
expect_file "$T/server.list" $x ./usr/sbin/refgwd
expect_file "$T/server.list" $r ./lib/systemd/system/refgwd.service
expect_file "$T/server.list" $r ./lib/systemd/system/refgw-check-store.service
expect_file "$T/server.list" $r ./lib/systemd/system/refgw-check-store.timer
expect_file "$T/server.list" $r ./usr/lib/sysusers.d/refgw.conf
expect_file "$T/server.list" $d ./etc/refgw/
expect_file "$T/server.list" $r ./usr/share/man/man8/refgwd.8.gz
expect_file "$T/server.list" $r ./usr/share/man/man5/refgwd.json.5.gz
expect_file "$T/server.list" $r ./usr/share/doc/refgw-server/examples/refgwd.json
expect_file "$T/server.list" $r ./usr/share/doc/refgw-server/operations.md
expect_file "$T/server.list" $r ./usr/share/doc/refgw-server/prometheus/prometheus.yml
expect_file "$T/server.list" $r ./usr/share/doc/refgw-server/prometheus/refgw.rules.yml
# The certificate authority's files, when the tree has them.
if [ -f "$REFGW_SOURCE/certs/refgw-ca" ]; then
    expect_file "$T/server.list" $x ./usr/sbin/refgw-ca
fi
if [ -f "$REFGW_SOURCE/docs/man/refgw-ca.8" ]; then
    expect_file "$T/server.list" $r ./usr/share/man/man8/refgw-ca.8.gz
fi
for unit in "$REFGW_SOURCE"/certs/systemd/*.service "$REFGW_SOURCE"/certs/systemd/*.timer; do
    [ -f "$unit" ] && expect_file "$T/server.list" $r "./lib/systemd/system/$(basename "$unit")"
done
expect_file "$T/client.list" $x ./usr/bin/refgw
expect_file "$T/client.list" $r ./usr/share/man/man1/refgw.1.gz
expect_file "$T/client.list" $r ./usr/share/bash-completion/completions/refgw

# Nothing set-id, writable by others, or owned by anyone but root; nothing
# outside the folders a package of this kind may use.
for list in "$T/server.list" "$T/client.list"; do
    bad=$(awk '$1 ~ /[sStT]/ || substr($1, 9, 1) == "w" || $2 != "root/root"' "$list")
    expect_eq "$bad" "" "set-id, world-writable or not root's in $(basename "$list")"
    bad=$(awk '{ print $3 }' "$list" | grep -Ev '^\./$|^\./(etc/|etc/refgw/|lib/|lib/systemd/(system/.*)?|usr/|usr/(s?bin|lib|share)/.*)$' || true)
    expect_eq "$bad" "" "unexpected paths in $(basename "$list")"
done

# ---- maintainer scripts --------------------------------------------------------
dpkg-deb -e "$server_deb" "$T/control"
grep -q 'systemd-sysusers .*refgw.conf' "$T/control/postinst" && pass ||
    fail "postinst does not run systemd-sysusers for refgw.conf"
grep -q 'dpkg-statoverride --update --add root refgw 0750 /etc/refgw' "$T/control/postinst" && pass ||
    fail "postinst does not give /etc/refgw to group refgw"
case "$(dpkg-deb -f "$server_deb" Depends)" in
*systemd-sysusers*) pass ;;
*) fail "refgw-server does not depend on a systemd-sysusers" ;;
esac
# Not enabled on installation (dh_installsystemd --no-enable's snippet).
grep -q "deb-systemd-helper debian-installed 'refgwd.service'" "$T/control/postinst" && pass ||
    fail "postinst would enable refgwd.service on installation"

# ---- the unpacked root ---------------------------------------------------------
root=$T/root
dpkg-deb -x "$server_deb" "$root"
dpkg-deb -x "$client_deb" "$root"

# The sysusers line makes the user and group (into the root, not this machine).
systemd-sysusers --root="$root" >/dev/null 2>&1 || true
grep -q '^refgw:x:[0-9]*:[0-9]*:[^:]*:/var/lib/refgw:' "$root/etc/passwd" 2>/dev/null && pass ||
    fail "sysusers.d/refgw.conf made no user refgw with home /var/lib/refgw: $(cat "$root/etc/passwd" 2>&1)"
grep -q '^refgw:' "$root/etc/group" 2>/dev/null && pass || fail "no group refgw from sysusers.d"

expect_eq "$("$root/usr/sbin/refgwd" --version)" "refgwd $version" "refgwd --version"
if "$root/usr/bin/refgw" --help >"$T/refgw-help" 2>&1 && grep -q '^usage: refgw' "$T/refgw-help"; then
    pass
else fail "refgw --help: $(head -n 3 "$T/refgw-help")"; fi

# The installed bash completion, driving the installed refgw.
complete_words() { # WORD... : what <TAB> after them offers
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _refgw; echo "${COMPREPLY[*]}"' \
        complete "$root/usr/share/bash-completion/completions/refgw" "$root/usr/bin/refgw" "$@"
}
expect_eq "$(complete_words se)" "send" "completion of 'refgw se'"
expect_eq "$(complete_words send --signal lo)" "loverboy" "completion of 'refgw send --signal lo'"

# The example configuration, its files in $T/etc and its store in $T/var.
mkdir -p "$T/etc"
CERTS=$T/etc # for req
"$MAKE_CERTS" "$T/etc" init localhost 127.0.0.1 >/dev/null
"$MAKE_CERTS" "$T/etc" org school-example-01 >/dev/null
example=$root/usr/share/doc/refgw-server/examples/refgwd.json
jq --arg var "$T/var" '.listen = "127.0.0.1:0" | .data_dir = $var' "$example" >"$T/etc/refgwd.json"
if out=$("$root/usr/sbin/refgwd" --check-config "$T/etc/refgwd.json" 2>&1); then pass; else
    fail "refgwd --check-config of the example: $out"
fi

# The unit's commands, as systemd would run them, with the root's paths.
unit=$root/lib/systemd/system/refgwd.service
unit_value() { sed -n "s/^$1=//p" "$unit"; }
as_installed() { sed -e "s#/usr/sbin/#$root/usr/sbin/#g" -e "s#/etc/refgw/refgwd.json#$T/etc/refgwd.json#g"; }
pre=$(unit_value ExecStartPre | as_installed)
exec_start=$(unit_value ExecStart | as_installed)
if out=$($pre 2>&1); then pass; else fail "ExecStartPre ($pre): $out"; fi
# Made first: the loop below may read it before the shell in the
# background has opened it (sed's failure would end this script, set -e).
: >"$T/refgwd.err"
$exec_start 2>"$T/refgwd.err" &
PID=$!
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/^.*refgwd: listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/refgwd.err")
    [ -n "$PORT" ] && break
    sleep 0.05
done
if [ -n "$PORT" ]; then
    URL="https://localhost:$PORT"
    req school-example-01 GET /v1/health
    expect_status 200 "/v1/health of the installed refgwd with the example configuration"
    rg_stop
else
    fail "ExecStart ($exec_start) printed no start line: $(cat "$T/refgwd.err")"
fi

# The check unit's command, as systemd would run it, on the store just made.
check=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/refgw-check-store.service" | as_installed)
if out=$($check 2>&1); then pass; else fail "refgw-check-store ExecStart ($check): $out"; fi

# ---- the unit ------------------------------------------------------------------
# systemd-analyze looks every unit up below --root: give it this machine's
# targets beside the package's units, and the package's man pages for
# Documentation=.
cp -rn /lib/systemd/system/. "$root/lib/systemd/system/" 2>/dev/null || true
units=(refgwd.service refgw-check-store.service refgw-check-store.timer)
for u in "$REFGW_SOURCE"/certs/systemd/*.service "$REFGW_SOURCE"/certs/systemd/*.timer; do
    [ -f "$u" ] && units+=("$(basename "$u")")
done
# Programs the units run from other packages (/bin/kill, /bin/systemctl):
# this machine's, as on the machine the packages are installed on.
for u in "${units[@]}"; do
    for prog in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$root/lib/systemd/system/$u"); do
        if [ ! -e "$root$prog" ] && [ -e "$prog" ]; then
            mkdir -p "$root$(dirname "$prog")" && cp "$prog" "$root$prog"
        fi
    done
done
for u in "${units[@]}"; do
    out=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$u" 2>&1) && rc=0 || rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$out" ]; then pass; else
        fail "systemd-analyze verify $u (exit $rc): $out"
    fi
done
for setting in Type=notify NotifyAccess=main User=refgw Group=refgw StateDirectory=refgw \
    StateDirectoryMode=0700 LimitNICE=-5 ProtectSystem=strict NoNewPrivileges=yes \
    'ExecStartPre=/usr/sbin/refgwd --check-config /etc/refgw/refgwd.json' \
    'ExecStart=/usr/sbin/refgwd --config /etc/refgw/refgwd.json' \
    'ExecReload=/usr/sbin/refgwd --check-config /etc/refgw/refgwd.json' \
    'ExecReload=/bin/kill -HUP $MAINPID' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
    grep -qxF -e "$setting" "$unit" && pass || fail "refgwd.service lacks '$setting'"
done
timeout_start=$(unit_value TimeoutStartSec)
if [ -n "$timeout_start" ] && [ "$timeout_start" -ge 30 ] && [ "$timeout_start" -le 600 ]; then
    pass
else fail "TimeoutStartSec '$timeout_start' is not 30 to 600 s"; fi
# An exposure above 2.0 ("OK") means sandboxing was lost.
if out=$(systemd-analyze security --offline=yes --root="$root" --threshold=20 refgwd.service 2>&1); then
    pass
else
    fail "systemd-analyze security: $(echo "$out" | tail -n 1)"
fi
echo "$out" | tail -n 1

# ---- lintian -------------------------------------------------------------------
changes=$T/deb/refgw_${version}_$(dpkg --print-architecture).changes
out=$(lintian --fail-on error,warning,info,pedantic -I -E --pedantic "$changes" 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ]; then pass; else
    fail "lintian (exit $rc): $(echo "$out" | grep -v 'running with root privileges')"
fi

finish
