"""Means and 95% confidence intervals over replications, with no statistics package.

A replication is one simulated day; its figure (patients seen, say) is one draw.
Over n days the interval is mean ± t(0.975, n-1) · sd / √n, Student's t because
n is small (10 or 20 days). Two variants played on the same seeds are compared
by the interval of their paired differences, which is narrower than the two
intervals side by side when the days are alike (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Student's t, 97.5th percentile, for 1 to 30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)
_Z975 = 1.959964


def t975(df: int) -> float:
    """Student's t quantile for a two-sided 95% interval with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("an interval needs at least two values")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion about the normal quantile: exact to 4 decimals past 30.
    z = _Z975
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


@dataclass(frozen=True, slots=True)
class Interval:
    """Mean and 95% confidence interval of some values (None: no value to go on)."""

    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (
            self.low > 0 or self.high < 0)


def interval(values: Sequence[float | None]) -> Interval:
    """Mean and interval of the values that are there (a day nobody was called has no
    mean wait: it is left out, not counted as zero)."""
    known = [float(v) for v in values if v is not None]
    n = len(known)
    if n == 0:
        return Interval(0, None, None, None, None)
    mean = math.fsum(known) / n
    if n == 1:
        return Interval(1, mean, None, None, None)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in known) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return Interval(n, mean, sd, mean - half, mean + half)


def paired_difference(values: Sequence[float | None],
                      baseline: Sequence[float | None]) -> Interval:
    """The interval of `values - baseline`, seed by seed (both lists in seed order)."""
    return interval([v - b if v is not None and b is not None else None
                     for v, b in zip(values, baseline, strict=True)])
