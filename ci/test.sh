#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test suite (GoogleTest for the core, cmocka for the C ABI, the install
# test) through ctest. Exits non-zero if anything fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

ci/install-deps.sh test
ci/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_BUILD_TESTS=ON
ctest --test-dir build/test --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

# ThreadSanitizer pass over the multi-threaded suites, in a second tree. Any
# race report fails the run (halt_on_error). Under TSan the suites scale
# themselves down (db_compaction_test's space test writes 10,000 keys unless
# LSM_SPACE_KEYS says otherwise; LSM_STRESS_SCALE scales db_concurrency_test).
# About 3 minutes to build and 2 to run on 2 cores.
ci/build.sh build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_SANITIZE=thread
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
ctest --test-dir build/tsan --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" \
  -R "concurrency|skiplist|signal|db_test|db_compaction"
