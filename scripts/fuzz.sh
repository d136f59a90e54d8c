#!/usr/bin/env bash
# libFuzzer targets for every parser that reads bytes from outside (Tests/Fuzz/Targets/<Name>, seeds in
# Tests/Fuzz/<corpus>/). Built with the Swift toolchain's libFuzzer and AddressSanitizer into .build/fuzz, outside
# the normal build (Package.swift declares them only when TGPLAY_FUZZ=1).
#
#   scripts/fuzz.sh build                 build every target
#   scripts/fuzz.sh run SECONDS [NAME..]  fuzz each target (all by default) for SECONDS, print a table
#
# `make fuzz` runs each for FUZZ_SECONDS (300); `make test` runs each for a short pass on its corpus. New inputs go
# to .build/fuzz/corpus/<corpus> (the committed seeds stay as they are); a crash is saved under
# .build/fuzz/artifacts/ and makes the run fail.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SCRATCH=.build/fuzz
# target name -> corpus folder under Tests/Fuzz
TARGETS="FuzzSSE:sse FuzzTGI:tgi FuzzOpenAI:openai FuzzJSON:json FuzzGGUF:gguf FuzzTokenizer:tokenizer
FuzzRegex:regex FuzzSchema:schema FuzzSession:session FuzzTheme:theme FuzzInput:input FuzzOptions:options"

build() {
    # `--sanitize=fuzzer` tells SwiftPM that libFuzzer provides `main`; the combined `-sanitize=fuzzer,address`
    # after it is what swiftc compiles with. With SwiftPM's own `--sanitize=fuzzer --sanitize=address` (two
    # flags), builds here were now and then without libFuzzer's coverage ("Is the code instrumented for
    # coverage?") though ASan was in; the check below catches that.
    local flags=(--scratch-path "$SCRATCH" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
                 -Xcc -fsanitize=address --manifest-cache none --quiet)
    for entry in $TARGETS; do
        TGPLAY_FUZZ=1 "$SWIFT" build "${flags[@]}" --product "${entry%%:*}" 2>&1 \
            | grep -v -e "Cannot export local symbol" -e "^$" || true
        [ -x "$SCRATCH/debug/${entry%%:*}" ] || { echo "fuzz: building ${entry%%:*} failed" >&2; exit 1; }
    done
    # Every binary must carry libFuzzer's coverage counters (a fuzzer without them runs blind).
    for entry in $TARGETS; do
        # (grep -c reads all of nm's output: with pipefail, grep -q's early exit would fail the pipe)
        [ "$(nm "$SCRATCH/debug/${entry%%:*}" 2>/dev/null | grep -c __start___sancov_cntrs)" -gt 0 ] \
            || { echo "fuzz: ${entry%%:*} has no coverage instrumentation" >&2; exit 1; }
    done
}

# The last "cov:"/"ft:" figures and the final stats of one libFuzzer log.
field() { grep -o "$1 [0-9]*" "$2" | tail -1 | awk '{print $2}'; }
stat() { grep "^stat::$1:" "$2" | tail -1 | awk '{print $2}'; }

run() {
    local seconds=$1
    shift
    local wanted=" $* "
    mkdir -p "$SCRATCH/corpus" "$SCRATCH/artifacts" "$SCRATCH/logs"
    local failed=0
    printf "%-14s %8s %12s %9s %7s %7s %8s  %s\n" target seconds executions exec/s cov ft corpus result
    for entry in $TARGETS; do
        local name=${entry%%:*} corpus=${entry##*:}
        [ "$wanted" = "  " ] || [[ "$wanted" == *" $name "* ]] || [[ "$wanted" == *" $corpus "* ]] || continue
        local work="$SCRATCH/corpus/$corpus" log="$SCRATCH/logs/$name.log"
        mkdir -p "$work"
        local status=0
        # detect_leaks=0: the Swift runtime's metadata caches and the targets' once-loaded model are never freed
        # by design, so LeakSanitizer would report them on every run.
        ASAN_OPTIONS=detect_leaks=0:handle_abort=1 "$SCRATCH/debug/$name" "$work" "Tests/Fuzz/$corpus" \
            -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
            -artifact_prefix="$SCRATCH/artifacts/$name-" > "$log" 2>&1 || status=$?
        local result=ok
        if [ $status -ne 0 ]; then
            result="CRASH (exit $status, see $log)"
            failed=1
        fi
        printf "%-14s %8s %12s %9s %7s %7s %8s  %s\n" "$name" "$seconds" "$(stat number_of_executed_units "$log")" \
            "$(stat average_exec_per_sec "$log")" "$(field cov: "$log")" "$(field ft: "$log")" \
            "$(ls "$work" | wc -l)" "$result"
    done
    return $failed
}

case "${1:-}" in
    build) build ;;
    run) shift; run "$@" ;;
    *) echo "usage: scripts/fuzz.sh build | run SECONDS [TARGET...]" >&2; exit 2 ;;
esac
