#!/usr/bin/env bash
# refgw-ca init (and the command line): an encrypted key, a CA certificate with
# the name chosen, an empty CRL, private modes; no second CA over the first,
# no empty passphrase, whether from a file or typed on the terminal.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
NAME='Gemeente Maastricht / CA+1 é'

# ---- the command line ----
expect_rc 0 "--help" ca --help
cp "$T/out" "$T/help"
for c in init request sign server list revoke crl; do
    grep -q "^  $c " "$T/help" && pass || fail "--help does not list $c"
    expect_rc 0 "$c --help" ca "$c" --help
    grep -q "^  $c " "$T/out" && grep -q "^usage: refgw-ca" "$T/out" && pass || fail "$c --help: $(cat "$T/out")"
done
expect_rc 1 "no command" ca
expect_rc 1 "unknown command" ca frobnicate
expect_rc 1 "init without --name" ca init
expect_rc 1 "an option init does not take" ca init --name x --org y
expect_rc 1 "an unknown option" ca init --name x --colour
expect_rc 1 "--days not a number" ca init --name x --days 1O
[ ! -e "$D" ] && pass || fail "a usage error made $D"

# ---- an empty passphrase, from a file or the terminal ----
echo >"$T/empty"
expect_rc 2 "an empty passphrase file" ca init --name x --passphrase-file "$T/empty"
expect_err "passphrase is empty"
printf '\n\n\n\n' | expect_rc 2 "an empty passphrase on the terminal" \
    script -qec "env -u REFGW_CA_PASSPHRASE_FILE $REFGW_CA --dir $T/tty-empty init --name x" /dev/null
grep -q "passphrase is empty" "$T/out" && pass || fail "terminal: $(cat "$T/out")"
[ ! -e "$D" ] && [ ! -e "$T/tty-empty" ] && pass || fail "a refused init left a folder"

# ---- typed on the terminal: asked to set it (twice), then to sign the certificate and CRL ----
printf 'typed passphrase\n%.0s' 1 2 3 4 | expect_rc 0 "init on the terminal" \
    script -qec "env -u REFGW_CA_PASSPHRASE_FILE $REFGW_CA --dir $T/tty init --name x" /dev/null
openssl pkey -in "$T/tty/ca.key" -passin pass:'typed passphrase' -noout 2>/dev/null && pass ||
    fail "the key made on the terminal does not open with the typed passphrase"

# ---- init from a passphrase file ----
expect_rc 0 "init" ca init --name "$NAME" --days 400
expect_eq "$(cat "$T/out")" "$D/ca.crt" "init's output"
expect_eq "$(stat -c %a "$D")" 700 "the CA folder's mode"
bad=$(find "$D" -mindepth 1 \( -type d ! -perm 0700 -o -type f ! -perm 0600 \) -printf '%P %m ')
expect_eq "$bad" "" "files or folders not 0600/0700"

# The key: EC P-256, encrypted with AES-256, opened only with the passphrase.
# PKCS#8 EncryptedPrivateKeyInfo: its algorithm is PBES2.
openssl asn1parse -in "$D/ca.key" | grep -q ':PBES2' && pass || fail "ca.key not encrypted"
openssl asn1parse -in "$D/ca.key" | grep -q ':aes-256-cbc' && pass || fail "ca.key not encrypted with AES-256"
openssl pkey -in "$D/ca.key" -passin pass: -noout 2>/dev/null && fail "ca.key opens without a passphrase" || pass
openssl pkey -in "$D/ca.key" -passin pass:wrong -noout 2>/dev/null && fail "ca.key opens with a wrong one" || pass
openssl pkey -in "$D/ca.key" -passin "file:$PW" -noout -text 2>/dev/null | grep -qx 'NIST CURVE: P-256' &&
    pass || fail "ca.key is not an EC P-256 key that opens with the passphrase"

# The certificate: the name chosen, a CA, self-signed, valid 400 days.
subject=$(openssl x509 -in "$D/ca.crt" -noout -subject -nameopt utf8,sep_multiline,sname)
expect_eq "$subject" "subject=
    CN=$NAME" "the CA's subject"
openssl verify -CAfile "$D/ca.crt" "$D/ca.crt" >/dev/null 2>&1 && pass || fail "ca.crt is not self-signed"
expect_eq "$(exts "$D/ca.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:TRUE, pathlen:0
X509v3 Key Usage: critical: Certificate Sign, CRL Sign" "the CA's extensions"
openssl x509 -in "$D/ca.crt" -noout -checkend $((399 * 86400)) >/dev/null && pass || fail "the CA ends before 399 days"
openssl x509 -in "$D/ca.crt" -noout -checkend $((401 * 86400)) >/dev/null && fail "the CA lasts past 400 days" || pass

# The CRL: empty, signed by the CA.
openssl crl -in "$D/ca.crl" -CAfile "$D/ca.crt" -noout 2>&1 | grep -qx 'verify OK' && pass || fail "ca.crl does not verify"
openssl crl -in "$D/ca.crl" -noout -text | grep -q 'No Revoked Certificates' && pass || fail "ca.crl not empty"

# ---- no second CA over the first; none in a folder holding something else ----
before=$(tree_sum "$D")
expect_rc 2 "a second init" ca init --name other
expect_err "already holds a CA"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after a second init"
mkdir "$T/busy" && echo keep >"$T/busy/notes"
expect_rc 2 "init in a folder that is not empty" ca --dir "$T/busy" init --name x
expect_eq "$(ls -A "$T/busy")" "notes" "the busy folder after a refused init"

# ---- an empty folder made beforehand (systemd's StateDirectory=) is used ----
mkdir "$T/state"
expect_rc 0 "init in an empty folder" ca --dir "$T/state" init --name x
[ -f "$T/state/ca.key" ] && pass || fail "no key in the empty folder"

# ---- where the folder is: --dir, else REFGW_CA_DIR, else ./refgw-ca ----
(cd "$T" && env -u REFGW_CA_DIR "$REFGW_CA" init --name x >/dev/null 2>&1)
[ -f "$T/refgw-ca/ca.crt" ] && pass || fail "no CA in ./refgw-ca without --dir or REFGW_CA_DIR"
finish
