#!/usr/bin/env bash
# Stage of ci/test.sh, runnable alone: ThreadSanitizer over the suites that
# start threads of their own, in a tree build/tsan that builds only them.
# Which suites those are is not listed here: tests/CMakeLists.txt labels
# them `threaded` (from their sources) and writes their targets to
# build/tsan/threaded-targets.txt; this builds those targets and runs
# `ctest -L threaded` (its summary). Any race report fails the run
# (halt_on_error). Under TSan the suites scale themselves down
# (db_compaction_test's space test writes 10,000 keys unless LSM_SPACE_KEYS
# says otherwise; LSM_STRESS_SCALE scales db_concurrency_test).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci_deps test
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_WERROR=ON -DLSM_SANITIZE=thread \
  -DLSM_BUILD_TOOLS=OFF >/dev/null
mapfile -t targets < <(grep -v '^$' build/tsan/threaded-targets.txt)
if [ ${#targets[@]} -eq 0 ]; then
  echo "test-tsan: no test is labelled threaded (build/tsan/threaded-targets.txt is empty)" >&2
  exit 1
fi
echo "test-tsan: ${targets[*]}"
cmake --build build/tsan -j "$jobs" --target "${targets[@]}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
ctest --test-dir build/tsan --output-on-failure -j "$jobs" -L threaded
