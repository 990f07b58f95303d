#!/usr/bin/python3
"""Which per-round statistic should a paired comparison use? (docs/ab.md)

Runs the evaluation suite the way `microbe ab` does: pairs of one-round
processes of OLD and NEW (separately compiled builds, NEW with a
slowdown compiled in: bench/eval/meson.build), in random order, pinned
to one CPU. Then, for several per-round statistics (median, 25th, 10th and
5th percentile, minimum), reports per benchmark how much the per-pair log
ratio scatters (MAD) and, resampling the pairs into R-round trials tested
as `ab` tests them (exact Wilcoxon signed-rank, Holm over the suite, 3%
threshold), how often the slowed benchmark is caught and how often an A/A
trial flags anything.

  bench/eval/estimators.py OLD NEW_AA NEW_SLOW [TARGET=hash/1024] [PAIRS=160] [R=16]

e.g. build/bench/eval/eval_bench build/bench/eval/eval_bench_aa
build/bench/eval/eval_bench_hash10.

Needs numpy and scipy (Debian: python3-scipy). About 0.3 s per pair.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from scipy.stats import wilcoxon

STATS = {
    "median": lambda x: np.percentile(x, 50),
    "p25": lambda x: np.percentile(x, 25),
    "p10": lambda x: np.percentile(x, 10),
    "p5": lambda x: np.percentile(x, 5),
    "min": np.min,
}


def one_round(bench, out, cpu):
    subprocess.run([bench, "--format=json", "--out=" + out, "--rounds=1",
                    "--min-time=0.00625", "--cpu=%d" % cpu],
                   stderr=subprocess.DEVNULL, check=True)
    with open(out) as f:
        d = json.load(f)
    return {b["name"]: np.array(b["microbe"]["samples"]["ns"]) /
            np.array(b["microbe"]["samples"]["iters"])
            for b in d["benchmarks"] if "microbe" in b}


def collect(old, new, pairs, cpu, seed):
    rng = random.Random(seed)
    out = tempfile.mktemp(suffix=".json")
    data = []
    try:
        for _ in range(pairs):
            sides = ["old", "new"]
            rng.shuffle(sides)
            rec = {s: one_round(new if s == "new" else old, out, cpu)
                   for s in sides}
            data.append(rec)
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return data


def log_ratios(data, stat):
    names = list(data[0]["old"])
    return names, {n: np.array([np.log(stat(p["new"][n]) / stat(p["old"][n]))
                                for p in data]) for n in names}


def flagged(lr, names, idx):
    tests = []
    for n in names:
        d = lr[n][idx]
        p = wilcoxon(d, method="exact").pvalue if np.any(d != 0) else 1.0
        tests.append((p, np.median(d), n))
    tests.sort()
    out = set()
    for i, (p, est, n) in enumerate(tests):
        if p * (len(tests) - i) > 0.05:
            break
        if est > np.log1p(0.03):
            out.add(n)
    return out


def main():
    # Ties at zero make scipy fall back to its normal approximation; fine.
    warnings.filterwarnings("ignore", category=UserWarning)
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    old, new_aa, new_slow = sys.argv[1:4]
    target = sys.argv[4] if len(sys.argv) > 4 else "hash/1024"
    pairs = int(sys.argv[5]) if len(sys.argv) > 5 else 160
    rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 16
    cpu = max(os.sched_getaffinity(0))
    print("collecting %d A/A pairs and %d pairs with %s ..." %
          (pairs, pairs, new_slow), file=sys.stderr)
    aa = collect(old, new_aa, pairs, cpu, 1)
    ab = collect(old, new_slow, pairs, cpu, 2)
    print("| statistic | MAD of log ratio, %s (A/A) | the others (A/A, median) "
          "| %s caught (%d-round trials) | A/A trials flagging anything |"
          % (target, target, rounds))
    print("|---|---:|---:|---:|---:|")
    for name, stat in STATS.items():
        names, lr_aa = log_ratios(aa, stat)
        _, lr_ab = log_ratios(ab, stat)
        mad = {n: 1.4826 * np.median(np.abs(v - np.median(v)))
               for n, v in lr_aa.items()}
        others = np.median([m for n, m in mad.items() if n != target])
        rng = np.random.default_rng(0)
        trials = 300
        caught = alarms = 0
        for _ in range(trials):
            caught += target in flagged(lr_ab, names,
                                        rng.choice(pairs, rounds, replace=False))
            alarms += bool(flagged(lr_aa, names,
                                   rng.choice(pairs, rounds, replace=False)))
        print("| %s | %.1f%% | %.1f%% | %.2f | %.3f |" %
              (name, 100 * mad[target], 100 * others, caught / trials,
               alarms / trials))


if __name__ == "__main__":
    main()
