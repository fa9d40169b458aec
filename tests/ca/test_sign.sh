#!/usr/bin/env bash
# refgw-ca request and sign: the partner makes its own key, the CA signs only
# a CSR whose signature verifies and whose one CN is the organisation id, with
# the CA's own extensions; nothing is overwritten.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ca init --name "Test CA" >/dev/null

# ---- request: the partner's side, no CA folder involved ----
ca_before=$(tree_sum "$D")
expect_rc 0 "request" ca request --org school-a --key-out "$P/a.key" --csr-out "$P/a.csr"
expect_eq "$(cat "$T/out")" "$P/a.key
$P/a.csr" "request's output"
expect_eq "$(stat -c %a "$P/a.key")" 600 "the partner key's mode"
openssl pkey -in "$P/a.key" -noout -text 2>/dev/null | grep -qx 'NIST CURVE: P-256' && pass || fail "not a P-256 key"
openssl req -in "$P/a.csr" -noout -verify 2>/dev/null && pass || fail "the CSR does not verify"
expect_eq "$(openssl req -in "$P/a.csr" -noout -subject)" "subject=CN = school-a" "the CSR's subject"
expect_eq "$(tree_sum "$D")" "$ca_before" "the CA folder after a request"

key_before=$(sha256sum <"$P/a.key")
expect_rc 2 "request over an existing key" ca request --org school-a --key-out "$P/a.key" --csr-out "$P/new.csr"
expect_err "refusing to overwrite"
expect_eq "$(sha256sum <"$P/a.key")" "$key_before" "the key after a refused request"
[ ! -e "$P/new.csr" ] && pass || fail "a refused request wrote its CSR"
expect_rc 2 "request over an existing CSR" ca request --org school-a --key-out "$P/new.key" --csr-out "$P/a.csr"
[ ! -e "$P/new.key" ] && pass || fail "a refused request left its key"
expect_rc 1 "request with a bad id" ca request --org 'school a' --key-out "$P/x.key" --csr-out "$P/x.csr"
expect_rc 1 "request with a 65-character id" ca request --org "$(printf 'a%.0s' {1..65})" \
    --key-out "$P/x.key" --csr-out "$P/x.csr"
expect_rc 1 "request with key and CSR the same file" ca request --org a --key-out "$P/x" --csr-out "$P/x"
[ -z "$(find "$P" -name '.refgw-ca*' -o -name 'x*')" ] && pass || fail "refused requests left files"

# ---- sign: a client certificate ----
expect_rc 0 "sign" ca sign --csr "$P/a.csr" --org school-a --out "$P/a.crt"
expect_eq "$(cat "$T/out")" "$P/a.crt" "sign's output"
openssl verify -CAfile "$D/ca.crt" -purpose sslclient "$P/a.crt" >/dev/null 2>&1 && pass ||
    fail "the certificate does not verify against the CA for TLS clients"
expect_eq "$(openssl x509 -in "$P/a.crt" -noout -subject)" "subject=CN = school-a" "the subject"
expect_eq "$(exts "$P/a.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Digital Signature
X509v3 Extended Key Usage: TLS Web Client Authentication" "a client certificate's extensions"
expect_eq "$(openssl x509 -in "$P/a.crt" -noout -pubkey)" "$(openssl pkey -in "$P/a.key" -pubout)" \
    "the certificate's key is the partner's"
# The partner's private key is nowhere in the CA folder.
line=$(sed -n 2p "$P/a.key")
grep -rqF -- "$line" "$D" && fail "the partner's private key is in the CA folder" || pass
serial=$(serial_of "$P/a.crt")
[ -f "$D/issued/$serial.pem" ] && pass || fail "no CA copy of serial $serial"
[ ${#serial} -eq 32 ] && pass || fail "serial $serial is not 128 bits"

# ---- the CSR's own extensions are never copied ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/greedy.key" \
    -subj /CN=school-a -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=keyCertSign' \
    -addext 'extendedKeyUsage=serverAuth' -addext 'subjectAltName=DNS:gateway.example' \
    -out "$P/greedy.csr" 2>/dev/null
expect_rc 0 "sign a CSR asking for more" ca sign --csr "$P/greedy.csr" --org school-a --out "$P/greedy.crt"
expect_eq "$(exts "$P/greedy.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Digital Signature
X509v3 Extended Key Usage: TLS Web Client Authentication" "extensions despite the CSR's"

# ---- refusals: each leaves the index and --out as they were ----
index_before=$(sha256sum <"$D/index.txt")
refused() { # WHAT CSR ORG
    expect_rc 2 "$1" ca sign --csr "$2" --org "$3" --out "$P/refused.crt"
    [ ! -e "$P/refused.crt" ] && pass || fail "$1: wrote a certificate"
    expect_eq "$(sha256sum <"$D/index.txt")" "$index_before" "$1: the index"
}
refused "a CN that is not the id" "$P/a.csr" school-b
expect_err "one CN, equal to the organisation id school-b"
openssl req -new -key "$P/a.key" -subj '/CN=school-a/CN=school-b' -out "$P/two.csr"
refused "two CNs" "$P/two.csr" school-a
openssl req -new -key "$P/a.key" -subj '/O=school-a' -out "$P/nocn.csr"
refused "no CN" "$P/nocn.csr" school-a
# A signature that does not verify: the last byte of the DER signature changed.
openssl req -in "$P/a.csr" -outform DER -out "$P/a.der"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1; open(sys.argv[2], "wb").write(b)' \
    "$P/a.der" "$P/bad.der"
openssl req -inform DER -in "$P/bad.der" -out "$P/bad.csr"
# (openssl 3.0's req -verify exits 0 either way: what it says is the verdict.)
openssl req -in "$P/bad.csr" -noout -verify 2>&1 | grep -q 'verify failure' && pass || fail "the tampered CSR verifies"
refused "a CSR whose signature does not verify" "$P/bad.csr" school-a
expect_err "signature does not verify"
refused "a certificate instead of a CSR" "$P/a.crt" school-a
refused "no such CSR" "$P/none.csr" school-a
openssl req -new -newkey rsa:1024 -nodes -keyout "$P/r1.key" -subj /CN=school-a -out "$P/r1.csr" 2>/dev/null
refused "an RSA 1024 key" "$P/r1.csr" school-a
openssl req -new -newkey ed25519 -nodes -keyout "$P/ed.key" -subj /CN=school-a -out "$P/ed.csr" 2>/dev/null
refused "an Ed25519 key" "$P/ed.csr" school-a
echo wrong >"$T/wrong"
expect_rc 2 "a wrong passphrase" ca sign --csr "$P/a.csr" --org school-a --out "$P/refused.crt" \
    --passphrase-file "$T/wrong"
[ ! -e "$P/refused.crt" ] && pass || fail "a wrong passphrase wrote a certificate"
expect_rc 2 "days beyond the CA certificate" ca sign --csr "$P/a.csr" --org school-a --days 5000 \
    --out "$P/refused.crt"
expect_err "outlive the CA"
expect_eq "$(sha256sum <"$D/index.txt")" "$index_before" "the index after the refusals"
expect_rc 1 "sign with a bad id" ca sign --csr "$P/a.csr" --org 'a/b' --out "$P/refused.crt"
expect_rc 1 "sign without --out" ca sign --csr "$P/a.csr" --org school-a

crt_before=$(sha256sum <"$P/a.crt")
expect_rc 2 "sign over an existing certificate" ca sign --csr "$P/a.csr" --org school-a --out "$P/a.crt"
expect_err "refusing to overwrite"
expect_eq "$(sha256sum <"$P/a.crt")" "$crt_before" "the certificate after a refused sign"

# ---- what is allowed: RSA 2048, P-384, a subject with more than the CN, --days ----
openssl req -new -newkey rsa:2048 -nodes -keyout "$P/r2.key" -subj /CN=school-a -out "$P/r2.csr" 2>/dev/null
expect_rc 0 "an RSA 2048 key" ca sign --csr "$P/r2.csr" --org school-a --out "$P/r2.crt"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$P/p384.key" \
    -subj '/O=Some school/CN=school-a' -out "$P/p384.csr" 2>/dev/null
expect_rc 0 "a P-384 key and an O" ca sign --csr "$P/p384.csr" --org school-a --days 10 --out "$P/p384.crt"
expect_eq "$(openssl x509 -in "$P/p384.crt" -noout -subject)" "subject=CN = school-a" "only the CN is kept"
openssl x509 -in "$P/p384.crt" -noout -checkend $((11 * 86400)) >/dev/null && fail "--days 10 lasts 11 days" || pass
# Several certificates for one organisation, each its own serial.
partner school-a a2
expect_rc 0 "a second certificate for school-a" ca sign --csr "$P/a2.csr" --org school-a --out "$P/a2.crt"
[ "$(serial_of "$P/a2.crt")" != "$serial" ] && pass || fail "the same serial twice"
expect_eq "$(grep -c $'\t/CN=school-a$' "$D/index.txt")" 5 "index rows for school-a"
finish
