#!/usr/bin/env bash
# certs/systemd: refgw-ca-crl.service and .timer pass systemd-analyze verify,
# and the service's command line, run as systemd would run it (the credential
# in $CREDENTIALS_DIRECTORY), renews the CRL of the CA it names and publishes it.
source "$(dirname "$0")/ca_common.sh"
: "${SOURCE_DIR:?SOURCE_DIR must point at the source tree}"
U=$SOURCE_DIR/certs/systemd
S=$U/refgw-ca-crl.service
key() { sed -n "s/^$1=//p" "$S"; }

# systemd-analyze verify: the installed paths made to point here.
mkdir "$T/units"
sed "s|/usr/sbin/refgw-ca|$REFGW_CA|" "$S" >"$T/units/refgw-ca-crl.service"
cp "$U/refgw-ca-crl.timer" "$T/units/"
if (cd "$T/units" && systemd-analyze verify --man=no ./refgw-ca-crl.service ./refgw-ca-crl.timer) >"$T/v" 2>&1; then
    expect_eq "$(cat "$T/v")" "" "systemd-analyze verify's complaints"
else
    fail "systemd-analyze verify: $(cat "$T/v")"
fi
expect_eq "$(sed -n 's/^OnCalendar=//p' "$U/refgw-ca-crl.timer")" daily "the timer's OnCalendar"
grep -qx 'WantedBy=timers.target' "$U/refgw-ca-crl.timer" && pass || fail "the timer is not wanted by timers.target"
expect_eq "$(key Type)" oneshot "the service's Type"

# Its command line, as systemd runs it.
exec_start=$(key ExecStart)
cred=$(key LoadCredential)
cred=${cred%%:*}
dir=$(sed -n 's/.*--dir \([^ ]*\) .*/\1/p' <<<"$exec_start")
copy=$(sed -n 's/.*--copy-to \([^ ]*\).*/\1/p' <<<"$exec_start")
expect_eq "$(key ConditionPathExists)" "$dir/ca.key" "the service's condition"
[[ $exec_start == *'--passphrase-file ${CREDENTIALS_DIRECTORY}/'"$cred "* ]] && pass ||
    fail "ExecStart does not read the credential $cred: $exec_start"
ca init --name "Test CA" >/dev/null
mkdir -p "$T/creds" "$T/etc"
cp "$PW" "$T/creds/$cred"
n0=$(openssl crl -in "$REFGW_CA_DIR/ca.crl" -noout -crlnumber)
line=${exec_start//\/usr\/sbin\/refgw-ca/$REFGW_CA}
line=${line//$dir/$REFGW_CA_DIR}
line=${line//$copy/$T/etc/ca.crl}
expect_rc 0 "the service's ExecStart" env -u REFGW_CA_PASSPHRASE_FILE CREDENTIALS_DIRECTORY="$T/creds" \
    bash -c "$line"
[ "$(openssl crl -in "$REFGW_CA_DIR/ca.crl" -noout -crlnumber)" != "$n0" ] && pass || fail "the CRL was not renewed"
cmp -s "$REFGW_CA_DIR/ca.crl" "$T/etc/ca.crl" && pass || fail "the CRL was not published to --copy-to"
expect_eq "$(stat -c %a "$T/etc/ca.crl")" 644 "the published CRL's mode"
[[ $(key ExecStartPost) == *'try-reload-or-restart refgwd.service'* ]] && pass || fail "refgwd is not reloaded"
finish
