#!/usr/bin/env bash
# Smoke test of tools/lsm_bench (ctest tools.lsm_bench): every workload on
# every engine this build has, at a tiny size, with --json; then checks that
# the JSON holds every result, that the engines agree on what the reads found
# (the same keys were written to each; readwhilewriting comes last, since its
# writer writes as many keys as time allows), and that bench_chart.py can draw it
# when gnuplot is installed. Performance is not checked here.
#   lsm_bench_test.sh LSM_BENCH BENCH_CHART_PY
set -euo pipefail
bench=${1:?usage: lsm_bench_test.sh LSM_BENCH BENCH_CHART_PY}
chart=${2:?usage: lsm_bench_test.sh LSM_BENCH BENCH_CHART_PY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" --db="$work/db" --num=3000 --reads=2000 \
  --benchmarks=fillseq,readrandom,fillrandom,overwrite,readrandom,readrandom:2,readmissing,seekrandom,readseq,readreverse,deleterandom,readrandom,compact,stats,readseq,readwhilewriting,fillsync,fillsync:3 \
  --json="$work/run.json" | tee "$work/table.txt"

grep -q '^fillsync x3' "$work/table.txt"
grep -q '^readrandom #3' "$work/table.txt"
grep -q 'took .* s; on disk' "$work/table.txt"
python3 - "$work/run.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
engines = [e["engine"] for e in run["engines"]]
assert engines and engines[0] == "lsm", engines
for e in run["engines"]:
    assert e["written_bytes"] > 0 and e["peak_rss_bytes"] > 0, e
    assert e["write_amplification"] >= 1.0, e  # at least the log
results = run["results"]
per_engine = {e: [r for r in results if r["engine"] == e] for e in engines}
shape = [(r["workload"], r["threads"]) for r in per_engine["lsm"]]
assert len(shape) == 17, shape  # the workloads above, less "stats"
for e, rs in per_engine.items():
    assert [(r["workload"], r["threads"]) for r in rs] == shape, e
    # Positions in --benchmarks, "stats" (step 13) left out: repeated
    # workloads are told apart by their step.
    assert [r["step"] for r in rs] == list(range(13)) + [14, 15, 16, 17], e
    for r in rs:
        if r["workload"] == "compact":
            continue
        assert r["ops"] > 0 and r["ops_per_sec"] > 0, r
        assert r["p50_us"] <= r["p99_us"] <= r["p999_us"], r
    found = {(r["workload"], r["threads"], i): r.get("found") for i, r in enumerate(rs)}
    lsm_found = {(r["workload"], r["threads"], i): r.get("found") for i, r in enumerate(per_engine["lsm"])}
    for k, v in found.items():
        if k[0] != "readwhilewriting":
            assert v == lsm_found[k], (e, k, v, lsm_found[k])
lsm = per_engine["lsm"]
assert lsm[1]["found"] == 2000, lsm[1]             # readrandom after fillseq: every key
assert lsm[6]["found"] == 0, lsm[6]                # readmissing
assert lsm[8]["ops"] == lsm[9]["ops"] > 0, lsm[8]  # readseq and readreverse see the same entries
assert lsm[-1]["ops"] == 30, lsm[-1]               # fillsync writes num/100
print(f"lsm_bench_test: {len(engines)} engines ({', '.join(engines)}), {len(results)} results consistent")
PY

if command -v gnuplot >/dev/null; then
  python3 "$chart" "$work/run.json" "$work/chart.svg"
  grep -q '<svg' "$work/chart.svg"
else
  echo "lsm_bench_test: gnuplot not installed; chart not drawn"
fi
