#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds an
# optimized liblsm and runs the benchmark, printing its table.
# Extra arguments go to tools/lsm_bench (e.g. --num=1000000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

ci/install-deps.sh bench
ci/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_bench.XXXXXX")
trap 'rm -rf "$db"' EXIT
build/release/tools/lsm_bench --db="$db/db" --num=1000000 "$@"
