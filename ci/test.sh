#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs every
# stage in order, each a script that can also run alone:
#   ci/check-layering.sh  which core folder may include which (if present)
#   ci/test-core.sh       build/test: every ctest suite (GoogleTest for the
#                         core, cmocka for the C ABI, the crash test, the
#                         install test, lsm_bench's smoke run)
#   ci/abi-check.sh       the shared library's ABI against the baseline (if
#                         present; reads build/test)
#   ci/test-java.sh       the Java binding's JUnit suite through Maven, and
#                         the jar alone
#   ci/test-go.sh         the Go binding's tests (also with -race) and a
#                         program outside the repository
#   ci/test-asan.sh       the C/C++ suites under ASan+UBSan, and the fuzz
#                         targets
#   ci/test-tsan.sh       the multi-threaded suites (ctest label
#                         `threaded`) under ThreadSanitizer
# Exits non-zero at the first stage that fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci/install-deps.sh test
export LSM_CI_DEPS_DONE=1  # the stages need not check again

if [ -x ci/check-layering.sh ]; then ci/check-layering.sh; fi
ci/test-core.sh
if [ -x ci/abi-check.sh ]; then ci/abi-check.sh; fi
ci/test-java.sh
ci/test-go.sh
ci/test-asan.sh
ci/test-tsan.sh
