#!/usr/bin/env python3
"""Draws lsm_bench's JSON results as a chart with gnuplot.

    tools/bench_chart.py RESULTS.json CHART.svg   (or CHART.png)

Top: ops/s per workload, one bar per engine (log scale, since sync writes and
scans are orders of magnitude apart). Bottom, when any workload ran at more
than one thread count: ops/s against thread count, one line per workload and
engine. Needs python3 and gnuplot (Debian's gnuplot-nox) and nothing else.
"""
import json
import os
import subprocess
import sys
import tempfile


def label(workload, threads):
    return workload if threads == 1 else f"{workload} x{threads}"


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench_chart.py RESULTS.json CHART.svg|CHART.png")
    src, out = sys.argv[1], sys.argv[2]
    with open(src) as f:
        run = json.load(f)
    # Older results have no "step": each engine ran the same list, in order.
    position = {}
    for r in run["results"]:
        if "step" not in r:
            r["step"] = position.get(r["engine"], 0)
            position[r["engine"]] = r["step"] + 1
    results = [r for r in run["results"] if r["workload"] != "compact"]
    if not results:
        sys.exit(f"bench_chart.py: {src} has no timed results")
    engines = [e["engine"] for e in run["engines"]]
    versions = {e["engine"]: e["version"] for e in run["engines"]}

    # Rows in the order the workloads ran (a workload may run more than
    # once: "#2", ...), one column per engine.
    rows = []    # (step, label)
    by_step = {}  # (step, engine) -> ops/s
    ops = {}     # ((workload, threads), engine) -> ops/s, first run of each
    seen = {}
    for r in results:
        key = (r["workload"], r["threads"])
        if r["step"] not in [s for s, _ in rows]:
            seen[key] = seen.get(key, 0) + 1
            rows.append((r["step"], label(*key) + (f" #{seen[key]}" if seen[key] > 1 else "")))
        by_step[(r["step"], r["engine"])] = r["ops_per_sec"]
        ops.setdefault((key, r["engine"]), r["ops_per_sec"])

    # Workloads run at more than one thread count.
    threads_of = {}
    for (workload, threads), _ in ops:
        threads_of.setdefault(workload, set()).add(threads)
    scaled = [w for w, ts in threads_of.items() if len(ts) > 1]

    s = run["settings"]
    title = (f"lsm\\_bench, {s['num']:,} keys, {s['key_size']} B keys, {s['value_size']} B values; "
             f"{run['machine']['cpus']} CPUs")
    ext = os.path.splitext(out)[1].lower()
    if ext == ".svg":
        terminal = "svg size 1100,%d dynamic font 'sans,11' background rgb 'white'"
    elif ext == ".png":
        terminal = "pngcairo size 1100,%d font 'sans,10'"
    else:
        sys.exit("bench_chart.py: the chart must end in .svg or .png")
    height = 900 if scaled else 500

    with tempfile.TemporaryDirectory() as tmp:
        bars = os.path.join(tmp, "bars.dat")
        with open(bars, "w") as f:
            f.write("workload " + " ".join(quote(f"{e} {versions[e]}") for e in engines) + "\n")
            for step, name in rows:
                values = [by_step.get((step, e)) for e in engines]
                f.write(quote(name) + " " + " ".join("NaN" if v is None else f"{v:.1f}" for v in values) + "\n")
        script = [
            f"set terminal {terminal % height}",
            f"set output {quote(out)}",
            "set encoding utf8",
            f"set multiplot layout {2 if scaled else 1},1 title {quote(title)}",
            "set style data histograms",
            "set style histogram clustered gap 1",
            "set style fill solid 0.85 border -1",
            "set boxwidth 0.9",
            "set logscale y",
            "set format y '10^{%L}'",
            "set ylabel 'operations per second'",
            "set grid ytics",
            "set key top right",
            "set xtics rotate by -30 nomirror",
            "set title 'throughput per workload (higher is better)'",
            "plot " + ", ".join(f"{quote(bars)} using {i + 2}:xtic(1) title columnheader({i + 2})"
                                for i in range(len(engines))),
        ]
        if scaled:
            series = []
            # One colour per engine (as in the bars), one dash pattern per workload.
            for wi, w in enumerate(scaled):
                for ei, e in enumerate(engines):
                    points = sorted((t, ops.get(((w, t), e))) for t in threads_of[w])
                    points = [(t, v) for t, v in points if v is not None]
                    if len(points) < 2:
                        continue
                    path = os.path.join(tmp, f"threads-{len(series)}.dat")
                    with open(path, "w") as f:
                        for t, v in points:
                            f.write(f"{t} {v:.1f}\n")
                    series.append(f"{quote(path)} using 1:2 with linespoints lw 2 pt 7 "
                                  f"lc {ei + 1} dt {wi + 1} title {quote(f'{w} ({e})')}")
            all_threads = sorted({t for w in scaled for t in threads_of[w]})
            script += [
                "unset style",
                "set style data linespoints",
                "set xtics (" + ", ".join(f"'{t}' {t}" for t in all_threads) + ") norotate",
                f"set xrange [{all_threads[0] - 0.5}:{all_threads[-1] + 0.5}]",
                "set xlabel 'threads'",
                "set key outside right",
                "set title 'throughput against thread count'",
                "plot " + ", ".join(series),
            ]
        script.append("unset multiplot")
        done = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"bench_chart.py: gnuplot failed:\n{done.stderr}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
