"""Inputs for grading: every value of a float format, or a seeded sample of its bit patterns.

Both come in ascending order (-inf first, -0.0 before +0.0, NaN last when included), as chunks,
so the inputs of a float32 range never need to fit in memory. A format of 16 bits or fewer is
enumerated from its codes; float32 and float64 through the "ordinal" of each value: its bits as
an integer for x >= +0, -1 - (its magnitude's bits) for x <= -0, which orders them as the reals.

    >>> x = np.concatenate(list(exhaustive("float32", lo=1.0, hi=1.0000003)))
    >>> x.tolist()
    [1.0, 1.0000001192092896, 1.000000238418579]
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from . import dtypes
from .errors import UsageError

CHUNK = 1 << 20
MAX_SAMPLE = 1 << 24
MAX_EXHAUSTIVE = 1 << 33  # float32 has 2^32 values; a float64 range must be narrower

_BITS = {4: (np.int32, np.uint32, 0x7FFFFFFF), 8: (np.int64, np.uint64, 0x7FFFFFFFFFFFFFFF)}


def _small_format_values(fmt: dtypes.Format) -> np.ndarray:
    """Every value of a format of 16 bits or fewer, ascending, -0 before +0, one NaN last."""
    codes = np.arange(1 << (8 * fmt.dtype.itemsize), dtype=f"u{fmt.dtype.itemsize}")
    with np.errstate(invalid="ignore"):  # NaN codes
        values = codes.view(fmt.dtype).astype(np.float64)
    values = values[~np.isnan(values)]
    # sort by value, -0.0 first among the zeros (lexsort: last key is the primary one)
    values = values[np.lexsort((~np.signbit(values), values))]
    return values


def _range(lo: float | None, hi: float | None) -> tuple[float, float]:
    lo = -math.inf if lo is None else float(lo)
    hi = math.inf if hi is None else float(hi)
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise UsageError(f"the range must be LO <= HI, got {lo}:{hi}")
    return lo, hi


def _ordinal(value: float, dtype: np.dtype) -> int:
    signed, _, magnitude = _BITS[dtype.itemsize]
    bits = int(np.array(value, dtype).view(signed))
    return bits if bits >= 0 else -1 - (bits & magnitude)


def _from_ordinals(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    signed, _, magnitude = _BITS[dtype.itemsize]
    keys = keys.astype(signed)
    bits = np.where(keys >= 0, keys, (-1 - keys) | ~signed(magnitude))
    return bits.astype(signed).view(dtype)


def _ordinal_bounds(fmt: dtypes.Format, lo: float, hi: float) -> tuple[int, int]:
    """The ordinals of the first value >= lo and the last value <= hi in a float32/64 format."""
    t = fmt.dtype.type
    first = t(lo)  # rounded to nearest: step inwards if it fell outside
    if float(first) < lo:
        first = np.nextafter(first, t(math.inf))
    last = t(hi)
    if float(last) > hi:
        last = np.nextafter(last, t(-math.inf))
    if float(first) == 0 and lo <= 0:  # -0.0 == 0 lies in the range too (and comes first)
        first = t(-0.0)
    return _ordinal(float(first), fmt.dtype), _ordinal(float(last), fmt.dtype)


def count(dtype: str, *, lo: float | None = None, hi: float | None = None) -> int:
    """How many inputs ``exhaustive`` gives (NaN included when the range is unbounded)."""
    fmt = dtypes.format_named(dtype)
    lo, hi = _range(lo, hi)
    with_nan = int(math.isinf(lo) and math.isinf(hi))
    if fmt.dtype.itemsize <= 2:
        values = _small_format_values(fmt)
        return int(((values >= lo) & (values <= hi)).sum()) + with_nan
    first, last = _ordinal_bounds(fmt, lo, hi)
    return max(0, last - first + 1) + with_nan


def exhaustive(
    dtype: str, *, lo: float | None = None, hi: float | None = None, chunk: int = CHUNK
) -> Iterator[np.ndarray]:
    """Every value of ``dtype`` in [lo, hi], ascending, in chunks of that dtype (and one NaN at
    the end when the range is the whole line).

    Raises:
        UsageError: a bad range, or more than 2^33 values (a float64 range too wide).
    """
    fmt = dtypes.format_named(dtype)
    lo, hi = _range(lo, hi)
    total = count(dtype, lo=lo, hi=hi)
    if total > MAX_EXHAUSTIVE:
        raise UsageError(
            f"{dtype} has {total:.3g} values in [{lo:g}, {hi:g}]: narrow --range or use --sample N"
        )
    if total == 0:
        raise UsageError(f"{dtype} has no values in [{lo:g}, {hi:g}]")
    nan = np.array([math.nan]) if math.isinf(lo) and math.isinf(hi) else np.empty(0)
    if fmt.dtype.itemsize <= 2:
        values = _small_format_values(fmt)
        values = np.concatenate([values[(values >= lo) & (values <= hi)], nan])
        for start in range(0, values.size, chunk):
            yield dtypes.cast(values[start : start + chunk], fmt)
        return
    first, last = _ordinal_bounds(fmt, lo, hi)
    for start in range(first, last + 1, chunk):
        keys = np.arange(start, min(start + chunk, last + 1), dtype=np.int64)
        yield _from_ordinals(keys, fmt.dtype)
    if nan.size:
        yield nan.astype(fmt.dtype)


def sample(
    dtype: str,
    size: int,
    *,
    seed: int = 0,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    """``size`` distinct values of ``dtype`` in [lo, hi], drawn uniformly over their bit
    patterns (so every binade is as likely as any other), sorted; the same for the same seed.

    Raises:
        UsageError: size outside 1 .. 2^24, or more than the range holds.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SAMPLE:
        raise UsageError(f"--sample takes 1 to {MAX_SAMPLE} values, got {size!r}")
    fmt = dtypes.format_named(dtype)
    lo, hi = _range(lo, hi)
    available = count(dtype, lo=lo, hi=hi) - int(math.isinf(lo) and math.isinf(hi))
    if size > available:
        raise UsageError(
            f"--sample {size}: {dtype} has only {available} values in [{lo:g}, {hi:g}] "
            "(use --exhaustive)"
        )
    rng = np.random.default_rng(seed)
    if fmt.dtype.itemsize <= 2:
        values = _small_format_values(fmt)
        values = values[(values >= lo) & (values <= hi)]
        picked = np.sort(rng.choice(values.size, size, replace=False))
        return dtypes.cast(values[picked], fmt)
    first, last = _ordinal_bounds(fmt, lo, hi)
    keys = np.empty(0, np.int64)
    while keys.size < size:  # draws with replacement, duplicates dropped, topped up
        more = rng.integers(first, last, size - keys.size, endpoint=True, dtype=np.int64)
        keys = np.unique(np.concatenate([keys, more]))
    return _from_ordinals(keys, fmt.dtype)
