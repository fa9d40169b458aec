#!/usr/bin/env bash
# test_completion.sh - the bash completion of refgw (cli/completion/refgw.bash),
# driving the built refgw: commands, options, the values an option's help
# lists, file and folder names; with "--opt=value" too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REFGW_SOURCE:?REFGW_SOURCE must be the source tree}"
: "${REFGW:?REFGW must point at the refgw binary}"
# shellcheck source=../integration/common.sh
. "$here/../integration/common.sh"

# offers WORD... : what <TAB> offers after "refgw WORD...", sorted, on one line.
offers() {
    (cd "$T/files" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _refgw; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
        complete "$REFGW_SOURCE/cli/completion/refgw.bash" "$REFGW" "$@") | sed 's/ $//'
}
mkdir -p "$T/files/incoming" "$T/files/inbox-archive"
touch "$T/files/school.crt" "$T/files/school.key" "$T/files/index.txt"

expect_eq "$(offers '')" "ack directory help inbox receive report send show stats status ui" "commands"
expect_eq "$(offers se)" "send" "refgw se"
expect_eq "$(offers help st)" "stats status" "refgw help st"
expect_eq "$(offers send --sig)" "--signal --signer-ca" "refgw send --sig (global options after the command too)"
expect_eq "$(offers send --signa)" "--signal" "refgw send --signa"
expect_eq "$(offers send --signal lo)" "loverboy" "refgw send --signal lo"
expect_eq "$(offers send --signal = d)" "dependency" "refgw send --signal=d"
expect_eq "$(offers send --urgency '')" "normal urgent" "refgw send --urgency"
expect_eq "$(offers --json send --age-band 1)" "12_15 16_17 18_22" "refgw --json send --age-band 1"
expect_eq "$(offers send --housing h)" "homeless" "refgw send --housing h"
expect_eq "$(offers send --to '')" "" "refgw send --to (never asks a gateway)"
expect_eq "$(offers inbox --)" \
    "--ca --cert --connect-timeout --decrypt-key --gateway --json --key --limit --signer-ca --timeout --verbose --wait" "refgw inbox --"
expect_eq "$(offers receive --dir i)" "inbox-archive incoming" "refgw receive --dir i (folders only)"
expect_eq "$(offers --cert s)" "school.crt school.key" "refgw --cert s"
expect_eq "$(offers --gateway https://x --cert school.crt i)" "inbox" "a command after global options"
expect_eq "$(offers ack '')" "" "refgw ack (ids are not guessed)"
expect_eq "$(offers report -)" \
    "--ca --cert --connect-timeout --decrypt-key --from --gateway --json --key --lang --signer-ca --timeout --to --verbose -o" "refgw report -"

finish
