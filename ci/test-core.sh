#!/usr/bin/env bash
# Stage 1 of ci/test.sh, runnable alone: builds the RelWithDebInfo tree
# build/test (warnings as errors) and runs every ctest suite in it:
# GoogleTest for the core, cmocka for the C ABI, the kill -9 crash test,
# the install test, and lsm_bench's smoke run against every engine. ctest
# prints its summary. Later stages (ci/test-go.sh) use this tree.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci_deps test
ci/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_BUILD_TESTS=ON
ctest --test-dir build/test --output-on-failure -j "$jobs"
