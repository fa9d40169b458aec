#!/usr/bin/env bash
# docs/man/refgw-ca.8 and docs/ca.md: the manual page lints clean with mandoc
# and groff, and both document every command and option refgw-ca --help names.
source "$(dirname "$0")/ca_common.sh"
: "${SOURCE_DIR:?SOURCE_DIR must point at the source tree}"
MAN=$SOURCE_DIR/docs/man/refgw-ca.8
GUIDE=$SOURCE_DIR/docs/ca.md

out=$(mandoc -T lint -W warning "$MAN" 2>&1) && pass || fail "mandoc -T lint failed"
expect_eq "$out" "" "mandoc -T lint -W warning"
out=$(groff -mandoc -ww -z "$MAN" 2>&1) && pass || fail "groff failed"
expect_eq "$out" "" "groff -mandoc -ww -z"

"$REFGW_CA" --help >"$T/help"
commands=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' "$T/help")
options=$(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u)
[ "$(echo "$commands" | wc -w)" -ge 7 ] && pass || fail "too few commands in --help: $commands"
for c in $commands; do
    grep -q "^\.It Cm $c\b" "$MAN" && pass || fail "the manual has no entry for $c"
    grep -q "refgw-ca.* $c\b" "$GUIDE" && pass || fail "docs/ca.md shows no use of $c"
done
for o in $options; do
    grep -q "Fl ${o#-}\b" "$MAN" && pass || fail "the manual does not name $o"
    [ "$o" = --help ] || grep -q -- "$o\b" "$GUIDE" && pass || fail "docs/ca.md does not name $o"
done
for r in unspecified keyCompromise CACompromise affiliationChanged superseded cessationOfOperation; do
    grep -q "$r" "$MAN" && pass || fail "the manual does not name the reason $r"
done
for s in 0 1 2; do grep -qx "\.It $s" "$MAN" && pass || fail "the manual has no exit status $s"; done
grep -l -e '\.\./shared' -e '/work/shared' "$MAN" "$GUIDE" && fail "the docs point outside the project" || pass
grep -q '(docs/ca.md)' "$SOURCE_DIR/README.md" && pass || fail "README does not list docs/ca.md"
finish
