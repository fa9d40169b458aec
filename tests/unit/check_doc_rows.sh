#!/usr/bin/env bash
# check_doc_rows.sh DOC_ROWS DOCS: every row doc_rows makes from the taxonomy
# is, word for word, a line of its page (api.md, configuration.md).
set -euo pipefail
rows=$1 docs=$2 missing=0
check() { # KIND PAGE
    local line
    while IFS= read -r line; do
        grep -qxF -- "$line" "$docs/$2" || { echo "FAIL: $2 lacks: $line"; missing=$((missing + 1)); }
    done < <("$rows" "$1")
}
check api api.md
check routes configuration.md
[ "$missing" -eq 0 ] && echo "every taxonomy row is in the docs"
