#!/usr/bin/env bash
# The bindings' benchmark: the same put / get / iterate workload through the
# C ABI (tools/lsm_abi_bench) and through each binding (bindings/java:
# io.liblsm.BindingBench), in alternating rounds, printing each step's
# median cost per operation and the binding's ratio to the C ABI's.
# docs/performance.md quotes its output.
#   ci/bench-bindings.sh [--num=N] [--rounds=R]     (default 1000000 keys, 3 rounds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
num=1000000
rounds=3
for a in "$@"; do
  case "$a" in
    --num=*) num=${a#--num=} ;;
    --rounds=*) rounds=${a#--rounds=} ;;
    *) echo "usage: ci/bench-bindings.sh [--num=N] [--rounds=R]" >&2; exit 2 ;;
  esac
done

ci/install-deps.sh java
ci/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF >/dev/null
mkdir -p build
(cd bindings/java && mvn -B -q -ntp -DskipTests package) >build/bench-bindings-mvn.log 2>&1 ||
  { cat build/bench-bindings-mvn.log; exit 1; }
jar=$(ls bindings/java/target/liblsm-*.jar)
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_bindings_bench.XXXXXX")
trap 'rm -rf "$db"' EXIT
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  build/release/tools/lsm_abi_bench --num="$num" --db="$db/c" | sed 's/^/c /' | tee -a "$out"
  java -cp "$jar:bindings/java/target/test-classes" io.liblsm.BindingBench --num="$num" \
    --db="$db/java" | sed 's/^/java /' | tee -a "$out"
done
# Medians per (harness, step), then the table.
python3 - "$out" "$num" "$rounds" <<'PY'
import statistics, sys
costs = {}
for line in open(sys.argv[1]):
    f = line.split()
    costs.setdefault((f[0], f[2]), []).append(float(f[8]))  # c|java step NAME ops N seconds S ns_per_op X
print(f"\nmedian ns/op over {sys.argv[3]} rounds, {sys.argv[2]} keys")
print(f"{'step':<8} {'C ABI':>9} {'Java':>9} {'Java/C':>7}")
for step in ("put", "get", "iterate"):
    c = statistics.median(costs[("c", step)])
    j = statistics.median(costs[("java", step)])
    print(f"{step:<8} {c:>9.1f} {j:>9.1f} {j / c:>7.2f}")
PY
rm -f "$out"
