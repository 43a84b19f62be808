#!/usr/bin/env bash
# Stage of ci/test.sh, runnable alone: AddressSanitizer +
# UndefinedBehaviorSanitizer over every suite, in a clang tree build/asan
# (-O1, asserts on) that also builds the libFuzzer targets, which then run
# 30 seconds each over the committed seeds (ci/fuzz.sh, which prints each
# target's final stats; it installs clang if missing). Then ctest over the
# suites (its summary). Any report fails the run. The install test is left
# out: it links a plain C program against the installed library, which here
# needs the sanitizer runtime.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci_deps test
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
FUZZ_BUILD_DIR=build/asan FUZZ_BUILD_TESTS=ON ci/fuzz.sh 30
ctest --test-dir build/asan --output-on-failure -j "$jobs" -E '^install\.'
