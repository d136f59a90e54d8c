#!/usr/bin/env bash
# The test suites under AddressSanitizer and ThreadSanitizer (`make sanitize`), each in its own build directory
# (.build/asan, .build/tsan) so the normal build is untouched. Prints one line per sanitizer: suites and tests
# passed, and how many sanitizer reports the run printed; the logs stay in .build/<name>.log.
#   scripts/sanitize.sh [address|thread ...] [-- swift test arguments, e.g. --filter SSEParserTests]
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
sanitizers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sanitizers+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)
failed=0
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in address) dir=asan ;; thread) dir=tsan ;; *) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;; esac
    log=.build/$dir.log
    mkdir -p .build
    # halt_on_error=0 / abort_on_error=0: report every problem of the run, not only the first.
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=0 TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1 \
        "$SWIFT" test --disable-xctest --sanitize="$sanitizer" --scratch-path ".build/$dir" "$@" > "$log" 2>&1
    status=$?
    reports=$(grep -c -e "ERROR: AddressSanitizer" -e "WARNING: ThreadSanitizer" -e "SUMMARY: UndefinedBehaviorSanitizer" "$log")
    summary=$(grep -E "Test run with [0-9]+ tests? .*(passed|failed)" "$log" | tail -1)
    printf "%-8s exit %d, %s sanitizer reports; %s\n" "$sanitizer" "$status" "$reports" "${summary:-no test summary (see $log)}"
    [ "$status" -eq 0 ] && [ "$reports" -eq 0 ] || failed=1
done
exit $failed
