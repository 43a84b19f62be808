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
