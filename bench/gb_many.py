#!/usr/bin/env python3
"""A Google Benchmark JSON file with many benchmark names, to time
`microbe show` / `microbe compare` on it (the analysis must stay close to
linear in the number of results):

    python3 bench/gb_many.py 50000 > /tmp/gb50k.json
    /usr/bin/time -v build/tools/microbe show /tmp/gb50k.json >/dev/null
    python3 bench/gb_many.py 1000 --seed=1 > /tmp/a.json
    python3 bench/gb_many.py 1000 --seed=2 --shift=1.05 > /tmp/b.json
    /usr/bin/time -v build/tools/microbe compare /tmp/a.json /tmp/b.json >/dev/null

Names are BM_f<i>/64, one iteration row each, as Google Benchmark writes
them (see tests/fixtures/gb/). --args=K writes BM_f<i>/<arg> for K
arguments per family (K rows per name prefix) instead. Deterministic for a
given --seed."""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, help="benchmark rows")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shift", type=float, default=1.0,
                    help="multiplies every time (a slower or faster run)")
    ap.add_argument("--args", type=int, default=1,
                    help="arguments per family (8, 16, 32, ...)")
    o = ap.parse_args()
    rng = random.Random(o.seed)
    rows = []
    for i in range(o.n):
        fam, k = divmod(i, o.args)
        arg = 64 if o.args == 1 else 8 << k
        t = (10 + fam % 997) * (arg / 64 if o.args > 1 else 1) * o.shift
        real = t * rng.lognormvariate(0, 0.02)
        rows.append({
            "name": f"BM_f{fam}/{arg}",
            "family_index": fam,
            "per_family_instance_index": k,
            "run_name": f"BM_f{fam}/{arg}",
            "run_type": "iteration",
            "repetitions": 1,
            "repetition_index": 0,
            "threads": 1,
            "iterations": max(1, int(1e9 / (real * 1000))),
            "real_time": real,
            "cpu_time": real * 0.98,
            "time_unit": "ns",
        })
    doc = {
        "context": {
            "date": "2026-12-01T10:20:11+00:00",
            "host_name": "host",
            "executable": "./gb_many",
            "num_cpus": 2,
            "mhz_per_cpu": 2596,
            "cpu_scaling_enabled": False,
            "caches": [],
            "load_avg": [0.0, 0.0, 0.0],
            "library_build_type": "release",
        },
        "benchmarks": rows,
    }
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
