#!/usr/bin/python3
"""Reference values for tests/test_stats_*.c, from independent implementations
(numpy 1.24, scipy 1.10, statsmodels). Run with /usr/bin/python3 and paste the
printed lines into the tests; the data sets here are the tests' data sets.

    /usr/bin/python3 tests/ref/gen_stats_ref.py
"""
import numpy as np
import scipy
import scipy.stats as ss
from statsmodels.stats.multitest import multipletests

# Skewed timings with one high outlier (ns per iteration).
A = [101.2, 99.8, 100.5, 103.9, 98.7, 100.1, 131.0, 102.2, 99.5, 100.9,
     104.6, 97.9, 101.7, 100.3, 112.4]
# An even-sized sample with a low outlier and ties.
B = [52.0, 50.5, 51.25, 49.75, 50.5, 53.5, 48.0, 50.0, 51.0, 52.75,
     50.5, 30.0, 54.25, 49.5, 51.5, 50.25, 57.0, 50.75, 49.0, 52.25]
# Two samples for the comparison (old, new: about 5% slower).
OLD = [10.1, 10.4, 9.9, 10.0, 10.7, 10.2, 9.8, 10.3, 12.5, 10.05, 10.15, 9.95]
NEW = [10.6, 10.9, 10.4, 11.2, 10.5, 10.55, 10.8, 13.1, 10.45, 10.7, 10.35,
       10.65, 10.95, 10.5]
# p-values for the multiple-testing corrections (with a tie).
P = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 0.0001]

R = 200000  # replicates, so the reference carries little Monte Carlo error


def ci(data, stat, method):
    r = ss.bootstrap(data, stat, method=method, confidence_level=0.95,
                     n_resamples=R, random_state=np.random.default_rng(1),
                     vectorized=True)
    return r.confidence_interval.low, r.confidence_interval.high


def med(x, axis=-1):
    return np.median(x, axis=axis)


def mean(x, axis=-1):
    return np.mean(x, axis=axis)


def logratio_med(o, n, axis=-1):
    return np.log(np.median(n, axis=axis) / np.median(o, axis=axis))


def tukey(x):
    q1, q3 = np.quantile(x, [0.25, 0.75])
    i = q3 - q1
    x = np.asarray(x)
    return (int(np.sum(x < q1 - 3 * i)),
            int(np.sum((x >= q1 - 3 * i) & (x < q1 - 1.5 * i))),
            int(np.sum((x <= q3 + 3 * i) & (x > q3 + 1.5 * i))),
            int(np.sum(x > q3 + 3 * i)))


print(f"/* numpy {np.__version__}, scipy {scipy.__version__}, R = {R} */")
for name, x in (("A", A), ("B", B)):
    qs = np.quantile(x, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])
    print(f"{name} quantiles(0,.1,.25,.5,.75,.9,1) numpy.quantile:",
          ", ".join(f"{v:.17g}" for v in qs))
    print(f"{name} mean {np.mean(x):.17g} std(ddof=1) {np.std(x, ddof=1):.17g}"
          f" mad {ss.median_abs_deviation(x):.17g} tukey(ls,lm,hm,hs) "
          f"{tukey(x)}")
    for sname, f in (("median", med), ("mean", mean)):
        for m in ("BCa", "percentile"):
            lo, hi = ci((x,), f, m)
            print(f"{name} {sname} {m}: {{{lo:.17g}, {hi:.17g}}}")
for m in ("BCa", "percentile"):
    lo, hi = ci((OLD, NEW), logratio_med, m)
    print(f"OLD/NEW log(median ratio) {m}: {{{lo:.17g}, {hi:.17g}}}"
          f" change {np.median(NEW) / np.median(OLD) - 1:.17g}")
d = np.log(np.asarray(NEW[:12]) / np.asarray(OLD))
for m in ("BCa", "percentile"):
    lo, hi = ci((d,), med, m)
    print(f"paired median log ratio {m}: {{{lo:.17g}, {hi:.17g}}} "
          f"est {np.median(d):.17g}")
print("holm:", ", ".join(f"{v:.17g}" for v in
                         multipletests(P, method="holm")[1]))
print("bh:", ", ".join(f"{v:.17g}" for v in
                       multipletests(P, method="fdr_bh")[1]))

# xoshiro256** seeded by splitmix64, written from the authors' C reference
# (prng.di.unimi.it), for the first outputs of st_rng_seed(0) and (42).
M = (1 << 64) - 1


def splitmix(seed):
    out = []
    for _ in range(4):
        seed = (seed + 0x9E3779B97F4A7C15) & M
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        out.append(z ^ (z >> 31))
    return out


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro(s, count):
    out = []
    for _ in range(count):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


for seed in (0, 42):
    s = splitmix(seed)
    print(f"seed {seed}: state", ", ".join(f"0x{v:016x}u" for v in s))
    print(f"seed {seed}: next", ", ".join(f"0x{v:016x}u" for v in xoshiro(s, 3)))

# p-values.
# Paired: Wilcoxon's signed-rank test of the log ratios, exact
# (scipy.stats.wilcoxon, method="exact", zero_method="wilcox": zeros
# dropped). scipy's exact law assumes no ties, so for the tied sample TIES
# (ratios new/old, old = 1; powers of two so that tied magnitudes are equal
# in floating point) the reference is the signed-rank statistic's exact
# sign-flip law from scipy.stats.permutation_test over all 2^12 signs.
r = ss.wilcoxon(np.log(np.array(NEW[:12]) / np.array(OLD)), method="exact")
print(f"paired signed-rank p (wilcoxon exact): {r.pvalue:.17g}")
r = ss.wilcoxon(np.log(np.arange(1.0, 11.0) * 0.01 + 1), method="exact")
print(f"paired signed-rank p, 10 of 10 up: {r.pvalue:.17g}")
TIES = [2, 2, 0.5, 1, 4, 1.5, 0.25, 2, 3, 1.25, 8, 1.1]


def signed_rank_dev(d, axis=-1):
    d = np.moveaxis(np.atleast_2d(d), axis, -1)
    out = []
    for row in d.reshape(-1, d.shape[-1]):
        x = row[row != 0]
        rk = ss.rankdata(np.abs(x))
        out.append(abs(rk[x > 0].sum() - rk.sum() / 2))
    return np.array(out).reshape(d.shape[:-1])


r = ss.permutation_test((np.log(TIES),), signed_rank_dev,
                        permutation_type="samples", alternative="greater",
                        vectorized=True, n_resamples=np.inf)
print(f"paired signed-rank p, ties and a zero (exact law): {r.pvalue:.17g}")
# Independent: the Wilcoxon-Mann-Whitney rank-sum test (scipy's
# mannwhitneyu, two-sided): OLD/NEW tie (10.4), so the normal approximation
# with tie and continuity corrections; a small sample without ties, exact;
# and 100 values against the same doubled, far past any resampling floor.
r = ss.mannwhitneyu(NEW, OLD, alternative="two-sided", method="asymptotic")
print(f"rank-sum p (asymptotic): U {r.statistic} p {r.pvalue:.17g}")
RA = [1.5, 2.25, 3.0, 0.75, 4.5]
RB = [2.0, 5.0, 6.0, 7.5, 3.5, 8.0, 2.6]
r = ss.mannwhitneyu(RB, RA, alternative="two-sided", method="exact")
print(f"rank-sum p (exact): U {r.statistic} p {r.pvalue:.17g}")
x = np.exp(np.arange(100) / 99.0)
r = ss.mannwhitneyu(2 * x, x, alternative="two-sided", method="asymptotic")
print(f"rank-sum p, 2x of 100: {r.pvalue:.17g}")

# Exact bootstrap law of A's median (odd n: the resample's middle value is
# at sorted index <= j iff Bin(n, (j+1)/n) >= k+1) and BCa's levels on it:
# the BCa upper level lies a tenth of a Monte Carlo sd from a step.
s = np.sort(A)
n, k = len(s), (len(A) - 1) // 2
cdf = np.array([ss.binom.sf(k, n, (j + 1) / n) for j in range(n)])
pmf = np.diff(np.concatenate([[0], cdf]))
theta = np.median(s)
z0 = ss.norm.ppf(pmf[s < theta].sum() + 0.5 * pmf[s == theta].sum())
jk = np.array([np.median(np.delete(s, i)) for i in range(n)])
dj = jk.mean() - jk
acc = (dj ** 3).sum() / (6 * ((dj ** 2).sum()) ** 1.5)
for al in (0.025, 0.975):
    z = ss.norm.ppf(al)
    lvl = ss.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
    j = int(np.searchsorted(cdf, lvl))
    print(f"A median exact bootstrap: BCa level {lvl:.6f}, P(<= {s[j - 1]}) "
          f"= {cdf[j - 1]:.6f}, P(<= {s[j]}) = {cdf[j]:.6f}")

# Student's t and the incomplete beta (scipy.stats.t, scipy.special).
import scipy.special as sp
for a, b, x in ((0.5, 0.5, 0.3), (2.5, 7.0, 0.2), (50.0, 51.0, 0.52),
                (1.0, 3.0, 0.999), (0.1, 10.0, 1e-5)):
    print(f"betainc({a}, {b}, {x}) = {sp.betainc(a, b, x):.17g}")
for t, df in ((2.0, 3.0), (-1.5, 7.3), (0.3, 1.0), (12.0, 4.2),
              (-40.0, 2.0), (2.5, 1e6), (0.0, 5.0)):
    print(f"t.cdf({t}, {df}) = {ss.t.cdf(t, df):.17g}; 2*t.sf(|t|) = "
          f"{2 * ss.t.sf(abs(t), df):.17g}")
for p, df in ((0.975, 4.0), (0.975, 7.6), (0.5, 3.0), (0.6, 10.0),
              (1e-10, 5.0), (0.999, 1.0), (0.975, 1e6), (0.025, 2.3)):
    print(f"t.ppf({p}, {df}) = {ss.t.ppf(p, df):.17g}")

# Rounds: Welch's t on the log round medians (scipy.stats.ttest_ind,
# equal_var=False; interval from statsmodels' CompareMeans.tconfint_diff,
# usevar='unequal'). Values <= 0 and NaN are left out before the medians.
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
RO = [[10.0, 10.1, 9.9, 10.05], [11.0, 11.2, 10.9, 11.1, 11.05],
      [9.5, 9.6, 9.4, 9.55, 9.45, 9.5], [10.4, 10.5, 10.3, 10.45, 10.35],
      [10.8, 10.7, 10.9, 10.75]]
RN = [[11.5, 11.6, 11.4, 11.55, 11.45], [12.2, 12.1, 12.3, 12.25, -1.0],
      [10.9, 11.0, 10.8, 10.95, float("nan")], [11.8, 11.9, 11.7, 11.85, 11.75]]


def loglevels(rounds, q):
    z = ss.norm.ppf(q)
    factor = q * (1 - q) / ss.norm.pdf(z) ** 2
    out, floor = [], []
    for r in rounds:
        v = np.log([x for x in r if np.isfinite(x) and x > 0])
        out.append(np.quantile(v, q))
        floor.append(factor * (1.4826 * np.median(np.abs(v - np.median(v))))
                     ** 2 / len(v))
    return np.array(out), np.mean(floor)


# Medians, then each round's level its 10th percentile (numpy's default
# quantile, type 7), as core/compare.c uses.
for q, label in ((0.5, "rounds"), (0.1, "rounds q=0.1")):
    lx, fx = loglevels(RO, q)
    ly, fy = loglevels(RN, q)
    r = ss.ttest_ind(ly, lx, equal_var=False)
    lo, hi = CompareMeans(DescrStatsW(ly), DescrStatsW(lx)).tconfint_diff(
        alpha=0.05, usevar="unequal")
    print(f"{label}: change {np.expm1(ly.mean() - lx.mean()):.17g} t "
          f"{r.statistic:.17g} p {r.pvalue:.17g} ci {{{np.expm1(lo):.17g}, "
          f"{np.expm1(hi):.17g}}} (variance floors {fx:.3g} < "
          f"{lx.var(ddof=1):.3g}, {fy:.3g} < {ly.var(ddof=1):.3g}: inactive)")

# A floor that is active: three rounds per side whose 10th percentiles
# nearly coincide while the samples within each round scatter widely. The
# variance of each side is then the floor; Welch's t by hand with it.
FO = [[9.0, 10.0, 11.0, 12.0, 13.0], [9.01, 10.0, 11.0, 12.0, 13.0],
      [9.0, 10.02, 11.0, 12.0, 13.0]]
FN = [[x * 1.02 for x in r] for r in FO]
fo, ffo = loglevels(FO, 0.1)
fn, ffn = loglevels(FN, 0.1)
va = max(fo.var(ddof=1), ffo) / 3
vb = max(fn.var(ddof=1), ffn) / 3
se = np.sqrt(va + vb)
df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
d = fn.mean() - fo.mean()
h = ss.t.ppf(0.975, df) * se
print(f"rounds q=0.1, floors active ({ffo:.3g} > {fo.var(ddof=1):.3g}): "
      f"change {np.expm1(d):.17g} p {2 * ss.t.sf(abs(d / se), df):.17g} "
      f"ci {{{np.expm1(d - h):.17g}, {np.expm1(d + h):.17g}}}")

# test_paired_autocorr_scipy: 16 per-round log ratios in round order that
# drift (up, then down). The rank lag-1 autocorrelation (statsmodels acf of
# scipy's ranks), its small-sample correction (m r + 1) / (m - 4), the exact
# signed-rank p, and that p with the statistic's variance inflated by f:
# the normal score of p scaled by 1 / sqrt(f).
from statsmodels.tsa.stattools import acf
DRIFT = [0.011, 0.032, 0.021, 0.053, 0.064, 0.067, 0.082, 0.075, 0.043,
         0.056, 0.024, 0.035, 0.004, -0.013, 0.016, 0.027]
r1 = acf(ss.rankdata(DRIFT), nlags=1, adjusted=False, fft=False)[1]
print(f"drift: rank lag-1 {r1:.17g}, corrected "
      f"{(16 * r1 + 1) / 12:.17g}")
pd = ss.wilcoxon(DRIFT, method="exact").pvalue
print(f"drift: wilcoxon exact p {pd:.17g}")
for f in (1.55 / 0.45, 9.0):  # r 0.5 + the margin 0.05; r 0.8
    pf = 2 * ss.norm.sf(ss.norm.isf(pd / 2) / np.sqrt(f))
    print(f"drift: p inflated by {f:g}: {pf:.17g}")
# Every pair one way (DRIFT + 2.3, a 10x change): the rank test at its
# bound, and the mean log ratio against f s^2 / m, t with max(1, m / f - 1)
# degrees of freedom (stats/compare.c st_compare_paired_ac).
BIG = np.array(DRIFT) + 2.3
pb = ss.wilcoxon(BIG, method="exact").pvalue
tb = BIG.mean() / (BIG.std(ddof=1) * np.sqrt(9.0 / 16))
print(f"drift + 2.3: wilcoxon exact p {pb:.17g}, inflated by 9: "
      f"{2 * ss.norm.sf(ss.norm.isf(pb / 2) / 3):.17g}, "
      f"t {tb:.17g}, p {2 * ss.t.sf(tb, max(1, 16 / 9 - 1)):.17g}")
