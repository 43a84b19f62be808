#!/usr/bin/env bash
# The README's main-job command: installs what is missing (LevelDB and
# RocksDB included), builds an optimized liblsm and runs tools/lsm_bench
# against all three engines, printing the side-by-side table. Results also
# go to build/bench/results.json and, drawn by tools/bench_chart.py, to
# build/bench/chart.svg.
# Arguments go to lsm_bench and override the defaults below (250,000 keys,
# about a minute on 2 cores); docs/performance.md uses --num=1000000.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

ci/install-deps.sh bench
ci/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF
mkdir -p build/bench
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_bench.XXXXXX")
trap 'rm -rf "$db"' EXIT
build/release/tools/lsm_bench --db="$db" --num=250000 --json=build/bench/results.json "$@"
python3 tools/bench_chart.py build/bench/results.json build/bench/chart.svg
