"""Statistics over seeds: mean and spread, intervals for gaps, the tolerance test of a check."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats as sps


def mean_std(samples: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single sample)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        raise ValueError("mean_std needs at least one sample")
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return float(x.mean()), std


def sem(samples: Sequence[float]) -> float:
    """Standard error of the mean."""
    x = np.asarray(samples, dtype=np.float64)
    return float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0


def welch_se(a: Sequence[float], b: Sequence[float]) -> float:
    """Standard error of mean(a) − mean(b) without assuming equal variances."""
    return math.sqrt(sem(a) ** 2 + sem(b) ** 2)


def welch_ci(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> tuple[float, float, float]:
    """mean(a) − mean(b) with its Welch interval: (difference, low, high).

    Degrees of freedom by the Welch–Satterthwaite equation. With fewer than two samples on
    either side the interval is unbounded (the gap cannot be judged). When neither side varies
    the t interval degenerates to a point whatever n is; see :func:`_no_spread` for what is
    returned then.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    diff = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return diff, -math.inf, math.inf
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0.0:
        # complete separation of the two samples: the exact two-sided rank-sum p-value
        return _no_spread(diff, 2.0 / math.comb(x.size + y.size, x.size), level)
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = sps.t.ppf(0.5 + level / 2, dof) * se
    return diff, diff - half, diff + half


def paired_ci(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> tuple[float, float, float]:
    """mean(a − b) over paired samples with its t interval: (difference, low, high).

    ``a[i]`` and ``b[i]`` come from the same seed or split (same data order, same augmentation
    stream), so the spread that the two share cancels in ``a[i] − b[i]``. The interval is
    mean(d) ± t_{n−1} · sd(d) / √n. With fewer than two pairs it is unbounded. When every
    difference is the same the t interval degenerates to a point whatever n is; see
    :func:`_no_spread` for what is returned then.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size == 0:
        raise ValueError(
            f"paired samples must be two non-empty sequences of one length, got {x.size} "
            f"and {y.size}"
        )
    d = x - y
    diff = float(d.mean())
    if d.size < 2:
        return diff, -math.inf, math.inf
    se = float(d.std(ddof=1)) / math.sqrt(d.size)
    if se == 0.0:
        # every difference on one side: the exact two-sided sign-test p-value
        return _no_spread(diff, 2.0 ** (1 - d.size), level)
    half = float(sps.t.ppf(0.5 + level / 2, d.size - 1)) * se
    return diff, diff - half, diff + half


def _no_spread(diff: float, p_value: float, level: float) -> tuple[float, float, float]:
    """The interval of a gap whose samples show no spread (integer metrics, saturated scores).

    A zero standard error makes the t interval the single point ``diff``, which would call a
    gap certain from two seeds. Instead the distribution-free test of the same data decides:
    when its exact p-value (sign test for pairs, rank-sum test for two samples, both at their
    most extreme outcome) is at most 1 − ``level``, the point interval stands (e.g. six or more
    pairs at 95 %); otherwise, or when the gap is exactly 0 (no sign to test), the data cannot
    tell and the interval is unbounded.
    """
    if diff != 0.0 and p_value <= 1.0 - level:
        return diff, diff, diff
    return diff, -math.inf, math.inf


def moved(
    old: float, old_se: float | None, new: float, new_se: float | None, abs_tol: float
) -> tuple[bool, float]:
    """The regression rule of ``repro check``.

    A number has moved when |new − old| > max(abs_tol, 3·sqrt(se_old² + se_new²)).
    Returns (moved, the threshold that was applied).
    """
    se = math.sqrt((old_se or 0.0) ** 2 + (new_se or 0.0) ** 2)
    threshold = max(abs_tol, 3.0 * se)
    return abs(new - old) > threshold, threshold
