# e2e_common.sh - sourced by the client's end-to-end encryption tests (SPEC
# §10): certificates (partners' from make-certs, encryption certificates made
# here), and a fake gateway (canned_gateway.py) with canned answers, as refgwd
# does not serve body_cms yet.
#
#   enc_cert NAME CN CA-FOLDER   an encryption certificate $CERTS/NAME.crt/.key
#   directory ECMJ-CERTS-JSON    the directory: ecmj with those certificates,
#                                police-a with none, care-a without the field
#   pem NAME                     $CERTS/NAME.crt as a JSON string
#   last_post, posts             the newest posted referral's file; how many
# $G is the gateway's folder (canned_gateway.py says what goes in it), $URL it.
source "$(dirname "${BASH_SOURCE[0]}")/cli_common.sh"
rg_setup
"$MAKE_CERTS" "$CERTS" foreign school-a >/dev/null

printf '[enc]\nbasicConstraints=critical,CA:false\nkeyUsage=critical,keyAgreement\nsubjectKeyIdentifier=hash\n' >"$T/enc.cnf"
enc_cert() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/$1.key" 2>/dev/null
    openssl req -new -key "$CERTS/$1.key" -subj "/CN=$2" -out "$T/$1.csr" 2>/dev/null
    openssl x509 -req -in "$T/$1.csr" -CA "$3/ca.crt" -CAkey "$3/ca.key" -CAcreateserial \
        -CAserial "$T/serial" -days 30 -sha256 -extfile "$T/enc.cnf" -extensions enc \
        -out "$CERTS/$1.crt" 2>/dev/null
}
enc_cert ecmj-enc-1 ecmj "$CERTS/ca"
enc_cert ecmj-enc-2 ecmj "$CERTS/ca"
enc_cert police-enc police-a "$CERTS/ca"
enc_cert foreign-enc ecmj "$CERTS/foreign-ca"

# ---- the fake gateway ----
G=$T/gw
mkdir -p "$G"
: >"$T/gw.port"
python3 "$(dirname "${BASH_SOURCE[0]}")/canned_gateway.py" "$G" "$CERTS/server.crt" "$CERTS/server.key" \
    "$CERTS/ca.crt" >"$T/gw.port" 2>"$T/gw.err" &
track $!
disown # it is killed at the end: no "Killed" line from this shell
wait_until 10 grep -q . "$T/gw.port" || { cat "$T/gw.err" >&2; exit 1; }
URL="https://localhost:$(head -n 1 "$T/gw.port")"

pem() { jq -Rs . "$CERTS/$1.crt"; }
# directory ECMJ-CERTS-JSON: ecmj with those certificates, police-a with none,
# care-a without the field (a gateway before SPEC §10).
directory() {
    cat >"$G/directory.json" <<JSON
{"organisations": [
  {"id": "ecmj", "name": "Org ecmj", "type": "expertise_centre", "encryption_certs": $1},
  {"id": "police-a", "name": "Org police-a", "type": "police", "encryption_certs": []},
  {"id": "care-a", "name": "Org care-a", "type": "care_coordinator"}]}
JSON
}
last_post() { ls "$G/posts" | sort -n | tail -n 1 | sed "s|^|$G/posts/|"; }
posts() { ls "$G/posts" 2>/dev/null | wc -l; }

