#!/usr/bin/env bash
# The bindings' benchmark: the same put / get / iterate workload through the
# C ABI (tools/lsm_abi_bench) and through each binding (bindings/java:
# io.liblsm.BindingBench; bindings/go: go test -bench), in alternating
# rounds, printing each step's median cost per operation and each binding's
# ratio to the C ABI's. With --rocksdbjni, the Java harness also runs
# RocksDB's Java binding (fetched from Maven Central by the bench-rocksdb
# profile) with the same settings. docs/performance.md quotes its output.
#   ci/bench-bindings.sh [--num=N] [--rounds=R] [--binding=java|go] [--rocksdbjni]
# (default 1000000 keys, 3 rounds, both bindings)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
num=1000000
rounds=3
rocksdbjni=0
java=1
go=1
for a in "$@"; do
  case "$a" in
    --num=*) num=${a#--num=} ;;
    --rounds=*) rounds=${a#--rounds=} ;;
    --binding=java) go=0 ;;
    --binding=go) java=0 ;;
    --rocksdbjni) rocksdbjni=1 ;;
    *) echo "usage: ci/bench-bindings.sh [--num=N] [--rounds=R] [--binding=java|go] [--rocksdbjni]" >&2
       exit 2 ;;
  esac
done

[ "$java" = 1 ] && ci/install-deps.sh java
[ "$go" = 1 ] && ci/install-deps.sh go
ci/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF >/dev/null
mkdir -p build
if [ "$java" = 1 ]; then
  profile=()
  [ "$rocksdbjni" = 1 ] && profile=(-Pbench-rocksdb)
  (cd bindings/java && mvn -B -q -ntp -DskipTests "${profile[@]}" package) >build/bench-bindings-mvn.log 2>&1 ||
    { cat build/bench-bindings-mvn.log; exit 1; }
  jar=$(ls bindings/java/target/liblsm-*.jar)
  cp="$jar:bindings/java/target/test-classes"
  [ "$rocksdbjni" = 1 ] && cp="$cp:$(cat bindings/java/target/bench-classpath.txt)"
fi
if [ "$go" = 1 ]; then
  # The Go test binary, built once against the release tree's liblsm
  # (lsm-uninstalled.pc there; its rpath finds the library at run time).
  export PATH="$PATH:/usr/local/go/bin"
  (cd bindings/go && PKG_CONFIG_PATH="$root/build/release" go test -c -o "$root/build/lsm-go.test" .)
fi
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_bindings_bench.XXXXXX")
trap 'rm -rf "$db"' EXIT
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  build/release/tools/lsm_abi_bench --num="$num" --db="$db/c" | sed 's/^/c /' | tee -a "$out"
  if [ "$java" = 1 ]; then
    java -cp "$cp" io.liblsm.BindingBench --num="$num" --db="$db/java" | sed 's/^/java /' |
      tee -a "$out"
  fi
  if [ "$go" = 1 ]; then
    # "BenchmarkWorkload/put-2  1000000  2221 ns/op ..." -> the C tool's
    # line format.
    (cd "$db" && TMPDIR="$db" "$root/build/lsm-go.test" -test.run '^$' -test.bench Workload \
      -test.benchtime="${num}x") |
      awk '/^BenchmarkWorkload\// { step = substr($1, 19); sub(/-[0-9]+$/, "", step);
             printf "go step %s ops %d seconds %.3f ns_per_op %.1f\n", step, $2, $2 * $3 / 1e9, $3 }' |
      tee -a "$out"
  fi
  if [ "$rocksdbjni" = 1 ] && [ "$java" = 1 ]; then
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
    costs.setdefault((f[0], f[2]), []).append(float(f[8]))  # c|java|go|rocksdbjni step NAME ops N seconds S ns_per_op X
rocks = ("rocksdbjni", "put") in costs
bindings = [b for b in ("java", "go") if (b, "put") in costs]
names = {"java": "Java", "go": "Go"}
print(f"\nmedian ns/op over {sys.argv[3]} rounds, {sys.argv[2]} keys")
head = f"{'step':<8} {'C ABI':>9}"
for b in bindings:
    head += f" {names[b]:>9} {names[b] + '/C':>7}"
print(head + (f" {'rocksdbjni':>11}" if rocks else ""))
for step in ("put", "get", "iterate"):
    c = statistics.median(costs[("c", step)])
    row = f"{step:<8} {c:>9.1f}"
    for b in bindings:
        x = statistics.median(costs[(b, step)])
        row += f" {x:>9.1f} {x / c:>7.2f}"
    if rocks:
        row += f" {statistics.median(costs[('rocksdbjni', step)]):>11.1f}"
    print(row)
# The machine's speed drifts between rounds, and a round's C and binding
# runs are back to back, so the ratio within each round is steadier than
# the ratio of the medians.
for b in bindings:
    print(f"\n{names[b]}/C within each round, and their median")
    for step in ("put", "get", "iterate"):
        ratios = [x / c for x, c in zip(costs[(b, step)], costs[("c", step)])]
        print(f"{step:<8} " + " ".join(f"{r:.2f}" for r in ratios) +
              f"   median {statistics.median(ratios):.2f}")
PY
rm -f "$out"
