#!/usr/bin/env bash
# The bindings' benchmark: the same put / get / iterate workload through the
# C ABI (tools/lsm_abi_bench) and through each binding (bindings/java:
# io.liblsm.BindingBench), in alternating rounds, printing each step's
# median cost per operation and the binding's ratio to the C ABI's. With
# --rocksdbjni, the Java harness also runs RocksDB's Java binding (fetched
# from Maven Central by the bench-rocksdb profile) with the same settings.
# docs/performance.md quotes its output.
#   ci/bench-bindings.sh [--num=N] [--rounds=R] [--rocksdbjni]   (default 1000000 keys, 3 rounds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
num=1000000
rounds=3
rocksdbjni=0
for a in "$@"; do
  case "$a" in
    --num=*) num=${a#--num=} ;;
    --rounds=*) rounds=${a#--rounds=} ;;
    --rocksdbjni) rocksdbjni=1 ;;
    *) echo "usage: ci/bench-bindings.sh [--num=N] [--rounds=R] [--rocksdbjni]" >&2; exit 2 ;;
  esac
done

ci/install-deps.sh java
ci/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF >/dev/null
mkdir -p build
profile=()
[ "$rocksdbjni" = 1 ] && profile=(-Pbench-rocksdb)
(cd bindings/java && mvn -B -q -ntp -DskipTests "${profile[@]}" package) >build/bench-bindings-mvn.log 2>&1 ||
  { cat build/bench-bindings-mvn.log; exit 1; }
jar=$(ls bindings/java/target/liblsm-*.jar)
cp="$jar:bindings/java/target/test-classes"
[ "$rocksdbjni" = 1 ] && cp="$cp:$(cat bindings/java/target/bench-classpath.txt)"
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_bindings_bench.XXXXXX")
trap 'rm -rf "$db"' EXIT
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  build/release/tools/lsm_abi_bench --num="$num" --db="$db/c" | sed 's/^/c /' | tee -a "$out"
  java -cp "$cp" io.liblsm.BindingBench --num="$num" --db="$db/java" | sed 's/^/java /' |
    tee -a "$out"
  if [ "$rocksdbjni" = 1 ]; then
    java -cp "$cp" io.liblsm.BindingBench --engine=rocksdb --num="$num" --db="$db/rocksdbjni" |
      sed 's/^/rocksdbjni /' | tee -a "$out"
  fi
done
# Medians per (harness, step), then the table.
python3 - "$out" "$num" "$rounds" <<'PY'
import statistics, sys
costs = {}
for line in open(sys.argv[1]):
    f = line.split()
    costs.setdefault((f[0], f[2]), []).append(float(f[8]))  # c|java step NAME ops N seconds S ns_per_op X
rocks = ("rocksdbjni", "put") in costs
print(f"\nmedian ns/op over {sys.argv[3]} rounds, {sys.argv[2]} keys")
print(f"{'step':<8} {'C ABI':>9} {'Java':>9} {'Java/C':>7}" + (f" {'rocksdbjni':>11}" if rocks else ""))
for step in ("put", "get", "iterate"):
    c = statistics.median(costs[("c", step)])
    j = statistics.median(costs[("java", step)])
    row = f"{step:<8} {c:>9.1f} {j:>9.1f} {j / c:>7.2f}"
    if rocks:
        row += f" {statistics.median(costs[('rocksdbjni', step)]):>11.1f}"
    print(row)
PY
rm -f "$out"
