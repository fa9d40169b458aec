# ca_common.sh - sourced by the tests of tests/ca: tests/integration/common.sh
# (temp folder $T removed on exit, fail/pass/expect_eq/finish, rg_start ...),
# then a passphrase, a CA folder in $T/ca and these helpers:
#
#   ca ARGS...                 certs/refgw-ca with the test's CA and passphrase
#   expect_rc N WHAT CMD...    run CMD (stdout in $T/out, stderr in $T/err), want exit N
#   expect_err TEXT WHAT       the last stderr says TEXT
#   tree_sum DIR               one checksum of every file (name, mode, content) below DIR
#   partner ID NAME [OPTS...]  refgw-ca request: $T/partner/NAME.key and NAME.csr
#   exts CERT                  the certificate's extensions, one "Name[ critical]: value" a line
#   serial_of CERT             its serial as refgw-ca list prints it
#   epoch "openssl date"       seconds since 1970
source "$(dirname "$0")/../integration/common.sh"
: "${REFGW_CA:?REFGW_CA must point at certs/refgw-ca}"

PW=$T/passphrase
echo 'a long test passphrase' >"$PW"
export REFGW_CA_DIR=$T/ca REFGW_CA_PASSPHRASE_FILE=$PW
mkdir -p "$T/partner"

ca() { "$REFGW_CA" "$@"; }

expect_rc() {
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$rc" = "$want" ]; then pass; else
        fail "$what: exit $rc, wanted $want: $(head -c 400 "$T/err")"
    fi
}

expect_err() {
    if grep -q -F -- "$1" "$T/err"; then pass; else
        fail "${2:-stderr}: no '$1' in: $(head -c 400 "$T/err")"
    fi
}

tree_sum() {
    (cd "$1" && find . -type f ! -name .lock -printf '%p %m\n' -exec sha256sum {} + | sort | sha256sum)
}

partner() {
    local id=$1 name=$2
    shift 2
    ca request --org "$id" --key-out "$T/partner/$name.key" --csr-out "$T/partner/$name.csr" "$@" >/dev/null
}

exts() {
    openssl x509 -in "$1" -noout -text | awk '
        /X509v3 extensions:/ { on = 1; next }
        /Signature Algorithm:/ { on = 0 }
        on && /^            [A-Za-z]/ { if (name != "") print name ": " value
            name = $0; sub(/^ +/, "", name); sub(/: *$/, "", name); value = ""; next }
        on { v = $0; sub(/^ +/, "", v); value = value (value == "" ? "" : " ") v }
        END { if (name != "") print name ": " value }'
}

serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

epoch() { date -u -d "$1" +%s; }
