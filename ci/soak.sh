#!/usr/bin/env bash
# The reliability harnesses run longer than CI runs them (docs/reliability.md):
#   ci/soak.sh              about 10 minutes per harness
#   ci/soak.sh 3600         about an hour per harness
# kill -9 rounds for SECONDS, then power-loss and fault rounds, corruption
# rounds, and each fuzz target for SECONDS. Each prints its summary line;
# the script exits non-zero on the first failure. Uses build/test (built if
# missing) and build/fuzz.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${1:-600}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: ci/soak.sh [SECONDS]" >&2
  exit 2
fi

ci/install-deps.sh test
ci/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_BUILD_TESTS=ON >/dev/null
export LSM_TEST_TMPDIR=${LSM_TEST_TMPDIR:-$root/build/test/test-tmp}
mkdir -p "$LSM_TEST_TMPDIR"

echo "soak: kill -9 rounds for ${seconds}s"
build/test/tests/crash/crash_test --seconds="$seconds" | grep -E '^(crash_test|\[crash\])'

# About 0.1 s per power-loss or fault round and 0.15 s per corruption round
# (four kinds) on a 2-core machine.
rounds=$((seconds * 5))
echo "soak: $rounds power-loss and $rounds fault rounds"
LSM_FAULT_ROUNDS=$rounds build/test/tests/db_fault_test | grep -E '^\[(power-loss|faults)\]|FAILED|Failure'
corruption=$((seconds * 2))
echo "soak: $corruption corruption rounds per kind (seed $$)"
LSM_CORRUPTION_ROUNDS=$corruption LSM_CORRUPTION_SEED=$$ build/test/tests/db_corruption_test |
  grep -E '^\[corruption\]|FAILED|Failure'

ci/fuzz.sh "$seconds"
echo "soak: done"
