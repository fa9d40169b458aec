#!/usr/bin/env bash
# refgw send and end-to-end encryption (SPEC §10), against the fake gateway:
# sealed to every certificate the directory lists, openable and verifiable
# with `openssl cms`; plain for a recipient without certificates; the same
# bytes on a retry; no certificate trusted that should not be, and then
# nothing posted. Also a post whose answer is lost (the --client-ref note).
source "$(dirname "$0")/e2e_common.sh"

# ---- send: sealed to every certificate the directory lists ----
directory "[$(pem ecmj-enc-1), $(pem ecmj-enc-2)]"
BODY='Naam: Jan, tel 06-1234; gezien met een oudere man.'
as school-a --verbose send --to ecmj --signal loverboy --urgency urgent --age-band 16_17 \
    --client-ref e2e-1 --body "$BODY"
expect_rc 0 "an encrypted send"
expect_out "FAKE" "the id is printed"
expect_err "encrypted end to end to 2 certificate(s) of ecmj" "--verbose says it is encrypted"
P=$(last_post)
expect_eq "$(jq -r '[has("body"), has("body_cms")] | join(",")' "$P")" "false,true" "body_cms instead of body"
expect_eq "$(jq -r '[.to, .signal, .urgency, .subject.age_band, .subject.gender, .client_ref] | join(",")' "$P")" \
    "ecmj,loverboy,urgent,16_17,unknown,e2e-1" "routing fields and subject stay readable"
grep -q "oudere man" "$P" && fail "the body is readable in what was posted" || pass
jq -r .body_cms "$P" | base64 -d >"$T/sent.der"
# Opens with OpenSSL's own tool, with either key, and verifies with -purpose any.
for k in ecmj-enc-1 ecmj-enc-2; do
    openssl cms -decrypt -binary -inform DER -in "$T/sent.der" -recip "$CERTS/$k.crt" \
        -inkey "$CERTS/$k.key" -out "$T/signed.der" 2>"$T/ossl.err" && pass ||
        fail "openssl cms -decrypt with $k: $(cat "$T/ossl.err")"
done
openssl cms -verify -binary -inform DER -in "$T/signed.der" -CAfile "$CERTS/ca.crt" \
    -purpose any -out "$T/inner.json" 2>"$T/ossl.err" && pass ||
    fail "openssl cms -verify: $(cat "$T/ossl.err")"
expect_eq "$(jq -r '[.to, .signal, .body, .client_ref, .subject.age_band] | join("|")' "$T/inner.json")" \
    "ecmj|loverboy|$BODY|e2e-1|16_17" "the inner referral, as signed"
openssl cms -verify -binary -inform DER -in "$T/signed.der" -CAfile "$CERTS/ca.crt" \
    -purpose any -signer "$T/signer.crt" -out /dev/null 2>/dev/null
expect_eq "$(openssl x509 -in "$T/signer.crt" -noout -subject -nameopt multiline | sed -n 's/ *commonName *= //p')" \
    school-a "signed with the sender's client certificate"

# A recipient without certificates, or a directory without the field: plain body.
for to in police-a care-a; do
    as school-a send --to "$to" --signal other --body plain
    expect_rc 0 "send to $to"
    expect_eq "$(jq -r '[.body, has("body_cms")] | join(",")' "$(last_post)")" "plain,false" \
        "$to: a plain body"
done

# Retries send the very same sealed bytes.
echo 503-once >"$G/post-mode"
N=$(posts)
as school-a send --to ecmj --signal other --body retried --retries 2
expect_rc 0 "a sealed send retried after 503"
expect_eq "$(posts)" "$((N + 2))" "two posts"
cmp -s "$G/posts/$((N + 1)).json" "$G/posts/$((N + 2)).json" && pass ||
    fail "the retry was sealed again: its bytes differ"

# Certificates the client must not trust: nothing is posted.
refuse_certs() { # CERTS-JSON REASON WHAT
    directory "$1"
    N=$(posts)
    as school-a send --to ecmj --signal other --body secret
    expect_rc 2 "$3"
    expect_err "$2" "$3: the reason"
    expect_err "nothing was sent" "$3: nothing sent, said"
    expect_eq "$(posts)" "$N" "$3: nothing posted"
}
refuse_certs "[$(pem ecmj-enc-1), $(pem foreign-enc)]" "is not trusted" "a certificate of another CA"
refuse_certs "[$(pem police-enc)]" "not issued to the recipient" "another organisation's certificate"
refuse_certs "[$(pem ecmj)]" "not for key agreement" "a client certificate"
refuse_certs '["not a certificate"]' "not a PEM certificate" "garbage"
refuse_certs '"x"' "not a list" "not a list"
directory "[$(pem ecmj-enc-1)]"
as school-a --signer-ca "$CERTS/foreign-ca/ca.crt" send --to ecmj --signal other --body secret
expect_rc 2 "--signer-ca that did not issue the certificates"
expect_err "is not trusted" "--signer-ca is the CA checked"

# A post whose answer is lost: it may have arrived; the note says how to resend.
echo drop >"$G/post-mode"
as school-a send --to ecmj --signal other --body lost --retries 0
expect_rc 3 "a post without an answer"
expect_err "may have arrived" "the referral may have arrived"
expect_err "use --client-ref" "the client_ref to resend with"
echo ok >"$G/post-mode"

finish
