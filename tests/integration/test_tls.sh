#!/usr/bin/env bash
# Identity (SPEC §2): who gets past the handshake, and who is admitted after it.
source "$(dirname "$0")/common.sh"
rg_setup
"$MAKE_CERTS" "$CERTS" expired school-a >/dev/null
"$MAKE_CERTS" "$CERTS" notyet school-a >/dev/null
"$MAKE_CERTS" "$CERTS" foreign school-a >/dev/null
"$MAKE_CERTS" "$CERTS" rsa1024 school-a >/dev/null
"$MAKE_CERTS" "$CERTS" org revoked-school >/dev/null
"$MAKE_CERTS" "$CERTS" revoke revoked-school >/dev/null
"$MAKE_CERTS" "$CERTS" ca-client school-a >/dev/null
"$MAKE_CERTS" "$CERTS" enc school-a >/dev/null
ORGS="$ORGS revoked-school:school"
rg_config_json >"$T/base.json"
rg_start

# handshake_refused NAME CURL-ARGS...: the TLS handshake (or the first read in TLS 1.3) fails.
handshake_refused() {
    local what=$1 code
    shift
    code=$(curl -sS --max-time 10 --cacert "$CERTS/ca.crt" "$@" -o /dev/null -w '%{http_code}' \
        "$URL/v1/health" 2>"$T/curl.err") || true
    if [ "$code" = "000" ]; then pass; else fail "$what: got HTTP $code instead of a refused handshake"; fi
}

handshake_refused "no certificate"
handshake_refused "foreign CA" --cert "$CERTS/school-a-foreign.crt" --key "$CERTS/school-a-foreign.key"
handshake_refused "expired" --cert "$CERTS/school-a-expired.crt" --key "$CERTS/school-a-expired.key"
handshake_refused "not yet valid" --cert "$CERTS/school-a-notyet.crt" --key "$CERTS/school-a-notyet.key"
handshake_refused "revoked" --cert "$CERTS/revoked-school.crt" --key "$CERTS/revoked-school.key"
handshake_refused "RSA 1024" --cert "$CERTS/school-a-rsa1024.crt" --key "$CERTS/school-a-rsa1024.key"
handshake_refused "TLS 1.1" --tls-max 1.1 --cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key"
# A client offering only TLS 1.0 or 1.1 (at security level 0, so that the
# client itself does offer them) gets the server's protocol_version alert.
for v in 1.0 1.1; do
    out=$(python3 "$(dirname "$0")/rawtls.py" "$PORT" "$CERTS" --org school-a --tls-min "$v" \
        --tls-max "$v" --wait 1 | jq -r 'select(.event == "handshake") | if .ok then "ok" else .error end')
    case $out in
    *ALERT_PROTOCOL_VERSION* | *"alert protocol version"*) pass ;;
    *) fail "TLS $v only: '$out' instead of the server's protocol_version alert" ;;
    esac
done
# A refused client reads why: the alert arrives before the connection closes.
for i in 1 2 3; do
    curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a-foreign.crt" \
        --key "$CERTS/school-a-foreign.key" "$URL/v1/health" >/dev/null 2>"$T/alert.err" || true
    grep -q 'alert unknown ca' "$T/alert.err" && pass || fail "no alert for a foreign CA: $(cat "$T/alert.err")"
done
# The server's own certificate is not a client certificate (extendedKeyUsage
# serverAuth only); nor is a CA certificate (basicConstraints CA:TRUE, even
# with clientAuth), nor an encryption certificate (keyUsage keyAgreement
# only, no extendedKeyUsage): each is signed by our CA and has a configured CN.
handshake_refused "server certificate as client" --cert "$CERTS/server.crt" --key "$CERTS/server.key"
handshake_refused "CA certificate as client" --cert "$CERTS/school-a-ca.crt" --key "$CERTS/school-a-ca.key"
handshake_refused "encryption certificate as client" --cert "$CERTS/school-a-enc.crt" \
    --key "$CERTS/school-a-enc.key"
for i in 1 2; do # the refused client reads why
    curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a-ca.crt" \
        --key "$CERTS/school-a-ca.key" "$URL/v1/health" >/dev/null 2>"$T/alert.err" || true
    grep -q 'alert' "$T/alert.err" && pass || fail "no alert for a CA client certificate: $(cat "$T/alert.err")"
done

# suite_accepted VERSION SUITE: a handshake offering only SUITE succeeds with it.
suite_accepted() {
    local flag=-cipher value="$2:@SECLEVEL=0"
    [ "$1" = 1.3 ] && flag=-ciphersuites value=$2
    echo | openssl s_client -connect "127.0.0.1:$PORT" "-tls${1/./_}" "$flag" "$value" \
        -cert "$CERTS/school-a.crt" -key "$CERTS/school-a.key" -CAfile "$CERTS/ca.crt" 2>&1 |
        grep -q "Cipher is $2\$"
}
# check_suites KIND ALLOWED...: of every TLS 1.2 suite this OpenSSL knows,
# exactly ALLOWED are accepted (ECDHE key exchange and AEAD ciphers only).
check_suites() {
    local kind=$1 suite accepted="" offered=0
    shift
    for suite in $(openssl ciphers -s -tls1_2 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' | tr ':' '\n' |
        grep -v '^TLS_'); do
        offered=$((offered + 1))
        if suite_accepted 1.2 "$suite"; then accepted+="$suite "; fi
    done
    [ "$offered" -gt 40 ] && pass || fail "only $offered TLS 1.2 suites to try"
    expect_eq "$(tr ' ' '\n' <<<"$accepted" | sort | xargs)" "$(printf '%s\n' "$@" | sort | xargs)" \
        "TLS 1.2 suites accepted with an $kind server certificate (of $offered)"
}
check_suites ECDSA ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
    ECDHE-ECDSA-CHACHA20-POLY1305
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    suite_accepted 1.3 "$suite" && pass || fail "TLS 1.3 suite $suite refused"
done
for suite in TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256; do
    suite_accepted 1.3 "$suite" && fail "TLS 1.3 suite $suite accepted" || pass
done

req school-a GET /v1/health "" --tls-max 1.2
expect_status 200 "TLS 1.2 client"
req school-a GET /v1/health
expect_status 200 "TLS 1.3 client"
req stranger GET /v1/health
expect_code 403 unknown_organisation "" "valid certificate, CN not configured"
req school-closed GET /v1/health
expect_code 403 unknown_organisation "" "disabled organisation"

# The server sends the chain in tls.cert as it is (here the leaf alone), not
# one OpenSSL completes from the client CAs: clients hold the root already.
out=$(echo | openssl s_client -connect "127.0.0.1:$PORT" -cert "$CERTS/school-a.crt" \
    -key "$CERTS/school-a.key" -CAfile "$CERTS/ca.crt" -showcerts 2>&1 || true)
grep -q 'Verify return code: 0 (ok)' <<<"$out" && pass || fail "the server's certificate does not verify"
expect_eq "$(grep -c 'BEGIN CERTIFICATE' <<<"$out")" \
    "$(grep -c 'BEGIN CERTIFICATE' "$CERTS/server.crt")" "certificates the server sends"

# No session resumption: a ticket would let a revoked client skip verification.
out=$(echo | openssl s_client -connect "127.0.0.1:$PORT" -cert "$CERTS/school-a.crt" \
    -key "$CERTS/school-a.key" -CAfile "$CERTS/ca.crt" -tls1_2 -sess_out "$T/sess" 2>&1 || true)
out2=$(echo | openssl s_client -connect "127.0.0.1:$PORT" -cert "$CERTS/school-a.crt" \
    -key "$CERTS/school-a.key" -CAfile "$CERTS/ca.crt" -tls1_2 -sess_in "$T/sess" 2>&1 || true)
grep -q '^Reused' <<<"$out2" && fail "a TLS 1.2 session was resumed" || pass

# The handshake failures are counted in the log line, without names.
sleep 1.5
grep -Eq 'handshake_failures=[1-9]' "$T/refgwd.err" && pass || fail "handshake failures not counted"
rg_stop

# With an RSA server certificate: ECDHE-RSA with AEAD, never static RSA
# key exchange (no forward secrecy) nor CBC.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CERTS/server-rsa.key" 2>/dev/null
openssl req -new -key "$CERTS/server-rsa.key" -subj /CN=localhost -out "$T/rsa.csr" 2>/dev/null
REFGW_SAN=DNS:localhost,IP:127.0.0.1 openssl ca -batch -config "$CERTS/ca/ca.cnf" -extensions server \
    -notext -in "$T/rsa.csr" -out "$CERTS/server-rsa.crt" 2>/dev/null
rg_start '{"tls": {"cert": "certs/server-rsa.crt", "key": "certs/server-rsa.key"}}'
req school-a GET /v1/health "" --tls-max 1.2
expect_status 200 "TLS 1.2 with an RSA server certificate"
check_suites RSA ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 \
    ECDHE-RSA-CHACHA20-POLY1305
rg_stop
finish
