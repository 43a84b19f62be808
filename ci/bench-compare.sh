#!/usr/bin/env bash
# Paired benchmark of two builds of liblsm: the working tree against an
# earlier commit, in alternating rounds on the same machine, so that drift
# in the disk or the CPU falls on both alike. For a change that claims "no
# slowdown": each round runs tools/lsm_bench once with the old build, once
# with the new one and, for each extra flag set given with --also, once
# more with the new build and those flags; then prints, per workload, the
# median ops/s of each and the median of the rounds' new/old ratios.
#
#   ci/bench-compare.sh OLD_COMMIT [--rounds=N] [--also="--wal_mmap=off"] [lsm_bench flags...]
#
# Defaults: 5 rounds, --num=1000000, the write workloads and readrandom.
# The old build goes to build/compare-OLD (a git worktree of OLD_COMMIT),
# the new one to build/release; results (one JSON per run) to
# build/compare/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
old=${1:?usage: ci/bench-compare.sh OLD_COMMIT [--rounds=N] [--also=FLAGS] [lsm_bench flags...]}
shift
rounds=5
also=()
flags=()
for a in "$@"; do
  case "$a" in
    --rounds=*) rounds=${a#--rounds=} ;;
    --also=*) also+=("${a#--also=}") ;;
    *) flags+=("$a") ;;
  esac
done
[[ " ${flags[*]-} " == *" --num="* ]] || flags+=(--num=1000000)
[[ " ${flags[*]-} " == *" --benchmarks="* ]] ||
  flags+=(--benchmarks=fillseq,fillrandom,overwrite,readrandom,fillsync,fillsync:4)

ci/install-deps.sh bench >/dev/null
sha=$(git rev-parse --short "$old")
src=build/compare-src-$sha
[ -d "$src" ] || git worktree add -q --detach "$src" "$sha"
cmake -S "$src" -B "build/compare-$sha" -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF >/dev/null
cmake --build "build/compare-$sha" -j "$(nproc)" --target lsm_bench >/dev/null
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLSM_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target lsm_bench >/dev/null

out=build/compare
rm -rf "$out"
mkdir -p "$out"
db=$(mktemp -d "${TMPDIR:-/tmp}/lsm_compare.XXXXXX")
trap 'rm -rf "$db"' EXIT
names=(old new)
for i in "${!also[@]}"; do names+=("new$((i + 1))"); done
for r in $(seq 1 "$rounds"); do
  for n in "${names[@]}"; do
    bin=build/release/tools/lsm_bench
    extra=()
    if [ "$n" = old ]; then
      bin=build/compare-$sha/tools/lsm_bench
    elif [ "$n" != new ]; then
      read -r -a extra <<<"${also[$((${n#new} - 1))]}"
    fi
    rm -rf "$db/run"
    "$bin" --db="$db/run" --engines=lsm "${flags[@]}" "${extra[@]}" --json="$out/$n-$r.json" >/dev/null 2>&1
  done
  echo "round $r of $rounds done"
done

python3 - "$out" "$sha" "${names[@]}" -- "${also[@]}" <<'EOF'
import glob, json, statistics, sys
out, sha = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
split = rest.index("--")
names, also = rest[:split], rest[split + 1:]
runs = {n: [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{n}-*.json"))] for n in names}
def ops(run):
    return {w["workload"] + ("" if w.get("threads", 1) == 1 else f":{w['threads']}"): w["ops_per_sec"]
            for w in run["results"] if w["engine"] == "lsm"}
per = {n: [ops(r) for r in runs[n]] for n in names}
label = {"old": f"old ({sha})", "new": "new"}
for i, a in enumerate(also):
    label[f"new{i + 1}"] = f"new {a}"
print(f"{len(per['old'])} rounds; median ops/s, and the median of the rounds' ratios to old")
print(f"{'workload':<14}" + "".join(f"{label[n]:>26}" for n in names))
for w in per["old"][0]:
    line = f"{w:<14}"
    for n in names:
        med = statistics.median(r[w] for r in per[n])
        if n == "old":
            line += f"{med:>26,.0f}"
        else:
            ratio = statistics.median(r[w] / o[w] for r, o in zip(per[n], per["old"]))
            line += f"{med:>17,.0f} ({ratio:.3f}x)"
    print(line)
EOF
