#!/usr/bin/env bash
# Configures and builds liblsm into a build directory with warnings as
# errors. Usage: ci/build.sh BUILD_DIR [extra cmake arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: ci/build.sh BUILD_DIR [cmake args...]}
shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$build" -DLSM_WERROR=ON "$@"
cmake --build "$build" -j "$jobs"
