#!/usr/bin/env bash
# test_layers.sh - the server's layers depend one way (docs/architecture.md):
#
#   base  <-  net  <-  http  ->  store  ->  base
#
# A file of a layer may include headers of lib/, of its own layer and of the
# layers it builds on, never one of a layer above or beside it: net knows
# nothing of http or store, store nothing of http or net, base nothing of
# any. CMake's include paths already make most such includes fail to build;
# this says which file went wrong, and also catches a header that a later
# change might make visible by accident.
#
# Usage: test_layers.sh [SERVER_DIR]   (default: the repository's server/)
set -euo pipefail
server=${1:-$(cd "$(dirname "$0")/../../server" && pwd)}

# Which layers each layer may see, besides itself and lib/.
declare -A may_see=(
    [base]=""
    [net]="base"
    [store]="base"
    [http]="base net store"
)

headers_of() { # the header file names a layer owns
    find "$server/$1" -name '*.h' -printf '%f\n'
}

fail=0
for layer in "${!may_see[@]}"; do
    allowed=" $layer ${may_see[$layer]} "
    for other in "${!may_see[@]}"; do
        [[ $allowed == *" $other "* ]] && continue
        for h in $(headers_of "$other"); do
            # Files of this layer that include a header only the other layer owns.
            while IFS= read -r hit; do
                [ -n "$hit" ] || continue
                echo "layers: $hit includes $h, a header of $other/, which $layer/ may not see" >&2
                fail=1
            done < <(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$h\"" \
                         "$server/$layer" --include='*.c' --include='*.h' || true)
        done
    done
done
# A header name two layers own would make the check above ambiguous.
dups=$(for l in "${!may_see[@]}"; do headers_of "$l"; done | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "layers: header names owned by two layers: $dups" >&2
    fail=1
fi
[ $fail -eq 0 ] && echo "layers: every include goes one way"
exit $fail
