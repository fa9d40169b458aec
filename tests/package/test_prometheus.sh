#!/usr/bin/env bash
# test_prometheus.sh - the Prometheus examples of docs/prometheus: the scrape
# configuration is valid (promtool check config), and the alert rules fire
# when they should and stay quiet when they should not (promtool test rules
# with refgw.rules.test.yml). promtool comes with the Debian package
# prometheus, which also installs a Prometheus server: it is not among the
# packages scripts/install-deps always installs, and without it this test is
# skipped (`scripts/install-deps prometheus` adds it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REFGW_SOURCE:?REFGW_SOURCE must be the source tree}"
if ! command -v promtool >/dev/null; then
    echo "SKIP: no promtool (scripts/install-deps prometheus)"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/refgw-prom.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

cp "$REFGW_SOURCE/docs/prometheus/refgw.rules.yml" "$here/refgw.rules.test.yml" "$T/"
if ! (cd "$T" && promtool test rules refgw.rules.test.yml); then
    echo "FAIL: promtool test rules" >&2
    fails=$((fails + 1))
fi

# The scrape configuration, with its rule file where this test put it (the
# certificate files need not exist for the syntax).
sed "s#/etc/prometheus/rules/refgw.rules.yml#$T/refgw.rules.yml#" \
    "$REFGW_SOURCE/docs/prometheus/prometheus.yml" >"$T/prometheus.yml"
if ! promtool check config --syntax-only "$T/prometheus.yml"; then
    echo "FAIL: promtool check config" >&2
    fails=$((fails + 1))
fi

[ "$fails" -eq 0 ]
