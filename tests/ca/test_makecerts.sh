#!/usr/bin/env bash
# certs/make-certs, the test zoo: each addition makes what its header says,
# as openssl x509 -text and crl -text show it.
source "$(dirname "$0")/ca_common.sh"
Z=$T/zoo
mk() { "$MAKE_CERTS" "$Z" "$@" >/dev/null; }
mk init
for c in "enc school-a" "foreign-enc school-a" "ca-client school-a" "client-as-server school-a" expired-server \
    "soon school-a" soon-server soon-crl stale-crl foreign-crl; do
    # shellcheck disable=SC2086 # a command and its argument
    mk $c || fail "make-certs $c failed"
done
subject() { openssl x509 -in "$Z/$1.crt" -noout -subject; }
issuer() { openssl x509 -in "$Z/$1.crt" -noout -issuer; }
verifies() { # NAME CA-CERT [verify options]
    local n=$1 c=$2
    shift 2
    openssl verify -CAfile "$c" "$@" "$Z/$n.crt" >/dev/null 2>&1
}
p256() { openssl pkey -in "$Z/$1.key" -noout -text | grep -qx 'NIST CURVE: P-256'; }
ZOO="issuer=CN = refgw development CA" FOREIGN="issuer=CN = foreign CA"

# enc, foreign-enc: SPEC §10 encryption certificates.
for n in school-a-enc school-a-foreign-enc; do
    expect_eq "$(subject "$n")" "subject=CN = school-a" "$n: subject"
    expect_eq "$(exts "$Z/$n.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Key Agreement" "$n: extensions"
    p256 "$n" && pass || fail "$n: not an EC P-256 key"
done
expect_eq "$(issuer school-a-enc)" "$ZOO" "enc: issuer"
verifies school-a-enc "$Z/ca.crt" && pass || fail "enc does not verify against the zoo's CA"
expect_eq "$(issuer school-a-foreign-enc)" "$FOREIGN" "foreign-enc: issuer"
verifies school-a-foreign-enc "$Z/ca.crt" && fail "foreign-enc verifies against the zoo's CA" || pass
verifies school-a-foreign-enc "$Z/foreign-ca/ca.crt" && pass || fail "foreign-enc: not from the foreign CA"

# ca-client: a client certificate that is itself a CA, from the zoo's CA.
expect_eq "$(exts "$Z/school-a-ca.crt" | grep -v "Key Identifier")" "X509v3 Basic Constraints: critical: CA:TRUE
X509v3 Key Usage: critical: Digital Signature, Certificate Sign
X509v3 Extended Key Usage: TLS Web Client Authentication" "ca-client: extensions"
expect_eq "$(issuer school-a-ca)" "$ZOO" "ca-client: issuer"
verifies school-a-ca "$Z/ca.crt" -purpose sslclient && pass || fail "ca-client does not verify as a client"

# client-as-server: ID.crt, for TLS clients only; made once, then left alone.
expect_eq "$(exts "$Z/school-a.crt" | grep 'Extended Key Usage')" \
    "X509v3 Extended Key Usage: TLS Web Client Authentication" "client-as-server: extended key usage"
verifies school-a "$Z/ca.crt" -purpose sslserver && fail "client-as-server verifies as a server" || pass
sum=$(sha256sum <"$Z/school-a.crt")
mk client-as-server school-a
expect_eq "$(sha256sum <"$Z/school-a.crt")" "$sum" "client-as-server over an existing ID.crt"

# Server certificates: expired (2021 only) and expiring in 7 days.
dates() { openssl x509 -in "$Z/$1.crt" -noout -startdate -enddate | tr '\n' ' '; }
expect_eq "$(dates server-expired)" "notBefore=Jan  1 00:00:00 2021 GMT notAfter=Dec 31 23:59:59 2021 GMT " \
    "expired-server: dates"
for n in server-expired server-soon; do
    expect_eq "$(exts "$Z/$n.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Digital Signature
X509v3 Extended Key Usage: TLS Web Server Authentication
X509v3 Subject Alternative Name: DNS:localhost, IP Address:127.0.0.1" "$n: extensions"
    expect_eq "$(issuer "$n")" "$ZOO" "$n: issuer"
    openssl x509 -in "$Z/$n.crt" -noout -pubkey | cmp -s - <(openssl pkey -in "$Z/$n.key" -pubout) &&
        pass || fail "$n: the key does not match"
done
verifies server-expired "$Z/ca.crt" && fail "expired-server verifies" || pass
# soon, soon-server: valid now, gone in 7 days.
for n in school-a-soon server-soon; do
    verifies "$n" "$Z/ca.crt" && pass || fail "$n does not verify now"
    openssl x509 -in "$Z/$n.crt" -noout -checkend $((6 * 86400 + 82800)) >/dev/null && pass || fail "$n: ends before 7 days"
    openssl x509 -in "$Z/$n.crt" -noout -checkend $((7 * 86400 + 60)) >/dev/null && fail "$n: lasts past 7 days" || pass
done
expect_eq "$(subject school-a-soon)" "subject=CN = school-a" "soon: subject"
expect_eq "$(exts "$Z/school-a-soon.crt" | grep 'Extended Key Usage')" \
    "X509v3 Extended Key Usage: TLS Web Client Authentication" "soon: a client certificate"

# CRLs: stale (next update passed), soon (next update in 7 days), foreign.
crl() { openssl crl -in "$Z/$1.crl" -noout "${@:2}"; }
crl_verifies() { crl "$1" -CAfile "$2" 2>&1 | grep -qx 'verify OK'; }
next() { epoch "$(crl "$1" -nextupdate | sed 's/^nextUpdate=//')"; }
now=$(date -u +%s)
for n in ca-stale ca-soon; do
    expect_eq "$(crl "$n" -issuer)" "$ZOO" "$n: issuer"
    crl_verifies "$n" "$Z/ca.crt" && pass || fail "$n: not signed by the zoo's CA"
done
[ "$(next ca-stale)" -lt "$now" ] && pass || fail "stale-crl: next update not past"
left=$(($(next ca-soon) - now))
[ "$left" -gt $((7 * 86400 - 120)) ] && [ "$left" -le $((7 * 86400)) ] && pass || fail "soon-crl: next update in ${left}s"
expect_eq "$(crl foreign -issuer)" "$FOREIGN" "foreign-crl: issuer"
crl_verifies foreign "$Z/foreign-ca/ca.crt" && pass || fail "foreign-crl: not signed by the foreign CA"
crl_verifies foreign "$Z/ca.crt" && fail "foreign-crl verifies against the zoo's CA" || pass

# The header (usage) names every command.
"$MAKE_CERTS" >"$T/usage" 2>&1 || true
for c in init org revoke crl expired notyet foreign rsa1024 demo enc foreign-enc ca-client client-as-server \
    expired-server soon soon-server soon-crl stale-crl foreign-crl; do
    grep -q "make-certs DIR $c\b" "$T/usage" && pass || fail "usage does not name $c"
done
finish
