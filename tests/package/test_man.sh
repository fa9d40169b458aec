#!/usr/bin/env bash
# test_man.sh - the manual pages in docs/man:
#
#   - every page: no warning from `mandoc -T lint -W warning` nor from
#     `groff -mandoc -ww -z` (mandoc's style notes are not failures);
#   - refgw(1) documents every command and option that refgw's help lists
#     (`refgw --help`, `refgw COMMAND --help`, read as the bash completion
#     reads them), so a new one cannot be left out;
#   - refgwd(8) documents every option of `refgwd --help`;
#   - the example of refgwd.json(5) is a configuration `refgwd --check-config`
#     accepts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REFGW_SOURCE:?REFGW_SOURCE must be the source tree}"
: "${REFGW:?REFGW must point at the refgw binary}"
# shellcheck source=../integration/common.sh
. "$here/../integration/common.sh"
man=$REFGW_SOURCE/docs/man

for tool in mandoc groff; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

pages=("$man"/*.[1-8])
[ -e "${pages[0]}" ] || { echo "FAIL: no pages in $man" >&2; exit 1; }
for page in "${pages[@]}"; do
    out=$(mandoc -T lint -W warning "$page" 2>&1) || true
    expect_eq "$out" "" "mandoc -T lint $(basename "$page")"
    out=$(groff -mandoc -ww -z "$page" 2>&1) || true
    expect_eq "$out" "" "groff -ww $(basename "$page")"
done

# documents PAGE OPTION: the page has the option as an Fl macro argument.
documents() {
    local flag=${2#-}
    flag=${flag//-/\\-} # --to-x is ".Fl \-to\-x" in mdoc
    grep -Eq "(^|[ .])Fl $(printf '%s' "$flag" | sed 's/[\\.]/\\&/g')( |$)" "$1"
}

# refgw(1) against refgw's help.
# shellcheck source=../../cli/completion/refgw.bash
. "$REFGW_SOURCE/cli/completion/refgw.bash"
commands=$(_refgw_commands "$REFGW")
[ -n "$commands" ] || fail "no commands in 'refgw --help'"
# The commands refgw.1 lists: the heads of the items of COMMANDS, ".It Cm NAME"
# or ".Cm NAME" right after ".It Xo".
documented=$(awk '/^\.Sh / { on = ($2 == "COMMANDS") } !on { next }
    /^\.It Cm / { print $3 } xo && /^\.Cm / { print $2 } { xo = /^\.It Xo/ }' "$man/refgw.1" | sort -u)
for cmd in $commands; do
    grep -qxF -e "$cmd" <<<"$documented" && pass || fail "refgw.1 does not document the command '$cmd'"
    [ "$cmd" = help ] && continue
    for opt in $(_refgw_options "$REFGW" "$cmd" | awk '{ print $1 }'); do
        documents "$man/refgw.1" "$opt" && pass || fail "refgw.1 does not document '$cmd $opt'"
    done
done
for opt in $(_refgw_options "$REFGW" | awk '{ print $1 }'); do
    documents "$man/refgw.1" "$opt" && pass || fail "refgw.1 does not document the global option '$opt'"
done

# refgwd(8) against refgwd's usage.
for opt in $("$REFGWD" --help | grep -Eo -- '--[a-z][a-z-]*' | sort -u); do
    documents "$man/refgwd.8" "$opt" && pass || fail "refgwd.8 does not document '$opt'"
done

# The example of refgwd.json(5), with its files in $T.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { on = 1; next } on && /^\.Ed/ { exit } on' \
    "$man/refgwd.json.5" | sed 's/\\e/\\/g' >"$T/example.json"
jq --arg var "$T/var" '.data_dir = $var' "$T/example.json" >"$T/refgwd.json" 2>"$T/jq.err" ||
    fail "the example of refgwd.json.5 is not JSON: $(cat "$T/jq.err")"
"$MAKE_CERTS" "$T" init >/dev/null
if out=$("$REFGWD" --check-config "$T/refgwd.json" 2>&1); then pass; else
    fail "refgwd --check-config of refgwd.json.5's example: $out"
fi

finish
