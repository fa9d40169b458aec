#!/usr/bin/env bash
# test_ui.sh - refgw ui (SPEC §12) in Debian's chromium, driven by
# puppeteer-core (test_ui.js says what is checked), against the real refgwd:
# a school's page in Dutch, the Expertise Centre's in English (it publishes
# an encryption certificate: what it gets is sealed end to end), an
# administrator's in Dutch. Screenshots go to $SHOTS (the build folder's
# ui-screenshots/). Each page ends with SIGTERM and must exit 0; the school's
# --sent-file must hold the referral it sent, and nothing else of it.
source "$(dirname "$0")/../cli/cli_common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/ui_common.sh"
: "${SHOTS:=$T/shots}"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ] || [ ! -d "$HERE/node_modules/puppeteer-core" ] ||
    ! command -v node >/dev/null; then
    echo "FAIL: chromium, node or tests/browser/node_modules missing: run scripts/install-deps" >&2
    exit 1
fi

rg_setup
# The Expertise Centre publishes an encryption certificate (SPEC §10): what
# the school sends it is sealed end to end, and its page opens it.
"$MAKE_CERTS" "$CERTS" enc ecmj >/dev/null
rg_start "$(jq -c '{stats_min_count: 1, organisations: [.organisations[] |
    if .id == "ecmj" then .encryption_certs = ["certs/ecmj-enc.crt"] else . end]}' "$T/base.json")"

ui_start SCHOOL school-a nl --sent-file "$T/sent.tsv"
ui_start ECMJ ecmj en --decrypt-key "$CERTS/ecmj-enc.key"
ui_start AUDIT audit nl --verbose # a line per gateway request: the cache below

RC=0
SHOTS=$SHOTS SCHOOL_LINK=$SCHOOL_LINK ECMJ_LINK=$ECMJ_LINK AUDIT_LINK=$AUDIT_LINK CHROMIUM=$CHROMIUM \
    timeout 150 node "$HERE/test_ui.js" || RC=$?
[ "$RC" = 0 ] && pass || fail "test_ui.js: exit $RC"

# The report of an ended month twice: its released tables are asked once.
prev=$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m)
asked() { grep -c "GET /v1/stats?.*period=$prev" "$T/AUDIT.err" || true; }
ui_signin AUDIT
for n in 8 8; do
    ui_get AUDIT "/report?from=$prev&to=$prev"
    expect_eq "$STATUS" 200 "the report of $prev"
    expect_eq "$(asked)" "$n" "subject tables of $prev asked of the gateway"
done

# SIGTERM ends each page with exit 0 (and, under ASan, no leak).
ui_stop_all
# The sent file: one line per referral the school sent (the browser's, and
# the form test_ui.js sent twice to the police, kept once): id, recipient and
# time only.
lines=$(grep -c . "$T/sent.tsv" || true)
expect_eq "$lines" 2 "lines of --sent-file"
grep -qvE '^[A-Za-z0-9_-]{24}	(ecmj|police-a)	[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$T/sent.tsv" &&
    fail "--sent-file holds something else: $(cat "$T/sent.tsv")" || pass
expect_eq "$(stat -c %a "$T/sent.tsv")" 600 "mode of --sent-file"
# The list outlives the page: a new start reads it back, with the statuses.
ui_start AGAIN school-a en --sent-file "$T/sent.tsv"
ui_signin AGAIN
ui_get AGAIN /sent
expect_eq "$(grep -c '<tr data-id=' "$T/page")" 2 "a new start lists what was sent before"
expect_eq "$(grep -o 'data-status="[a-z]*"' "$T/page" | sort | tr '\n' ' ')" \
    'data-status="acknowledged" data-status="queued" ' "their statuses"
ui_stop_all
rg_stop
echo "screenshots in $SHOTS"
finish
