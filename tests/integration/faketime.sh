# faketime.sh - sourced by tests that run refgwd or make-certs with a clock
# set to another time (libfaketime; scripts/install-deps installs faketime).
#
#   rg_clock_wrapper OUT WHEN PROGRAM
#       writes an executable script OUT that runs PROGRAM with its clock
#       starting at WHEN ("2025-11-10 12:00:00", UTC) and running on from
#       there. For refgwd: a release build links jemalloc, which hangs under
#       libfaketime unless libc is preloaded after it (libfaketime issue
#       130); an ASan build needs its runtime first in the preload list.
#   rg_clock_command OUT WHEN PROGRAM
#       the same for a program that is not refgwd (make-certs: a shell
#       script and the tools it runs), through the faketime command.

rg_faketime_lib() {
    local lib
    lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
    [ -n "$lib" ] || { echo "FAIL: libfaketime is not installed" >&2; return 1; }
    echo "$lib"
}

rg_clock_wrapper() {
    local out=$1 when=$2 prog=$3 lib asan preload
    lib=$(rg_faketime_lib) || return 1
    asan=$(ldd "$prog" 2>/dev/null | awk '/libasan/ {print $3; exit}')
    if [ -n "$asan" ]; then
        preload="$asan $lib" # glibc malloc: no jemalloc to protect
    else
        preload="$lib libc.so.6"
    fi
    printf '#!/bin/sh\nLD_PRELOAD="%s" FAKETIME="@%s" exec "%s" "$@"\n' \
        "$preload" "$when" "$prog" >"$out"
    chmod +x "$out"
}

rg_clock_command() {
    printf '#!/bin/sh\nexec faketime "%s" "%s" "$@"\n' "$2" "$3" >"$1"
    chmod +x "$1"
}
