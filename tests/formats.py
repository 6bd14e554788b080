"""The low-precision formats as their specifications define them, and exact rounding to them.

Written from the format definitions (OCP 8-bit floating point spec, the bfloat16 definition,
ml_dtypes' README for the fnuz and b11 variants), not from actcli's code: precision p (bits,
the implicit one included), emin (exponent of the smallest normal), the largest finite value,
and what overflow, -0 and negative values become.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ml_dtypes
import mpmath
import numpy as np
from mpmath import mpf


@dataclass(frozen=True)
class Facts:
    p: int
    emin: int
    max: float
    has_inf: bool = True  # else overflow and inf give NaN
    negative_zero: bool = True  # else -0 is +0 (fnuz)
    bits: int = 8


FACTS = {
    "bfloat16": Facts(8, -126, (2 - 2.0**-7) * 2.0**127, bits=16),
    "float8_e4m3fn": Facts(4, -6, 448.0, has_inf=False),
    "float8_e5m2": Facts(3, -14, 57344.0),
    "float8_e4m3fnuz": Facts(4, -7, 240.0, has_inf=False, negative_zero=False),
    "float8_e5m2fnuz": Facts(3, -15, 57344.0, has_inf=False, negative_zero=False),
    "float8_e4m3b11fnuz": Facts(4, -10, 30.0, has_inf=False, negative_zero=False),
    "float8_e4m3": Facts(4, -6, 240.0),
    "float8_e3m4": Facts(5, -2, 15.5),
}


NAMES = list(FACTS)


def dtype(name: str) -> np.dtype:
    return np.dtype(getattr(ml_dtypes, name))


def every_value(name: str) -> np.ndarray:
    """Every code of the format, decoded by ml_dtypes, as float64 (NaNs included)."""
    bits = FACTS[name].bits
    codes = np.arange(1 << bits, dtype=np.uint16 if bits == 16 else np.uint8)
    with np.errstate(invalid="ignore"):  # NaN codes
        return codes.view(dtype(name)).astype(np.float64)


def inputs(name: str) -> np.ndarray:
    """Every distinct finite value, -0.0, the infinities the format has, and one NaN."""
    values = every_value(name)
    finite = np.unique(values[np.isfinite(values)])  # +0 once
    extra = [v for v in (-0.0, -math.inf, math.inf) if v in values or _has_signed(values, v)]
    return np.concatenate([finite, np.array(extra), [math.nan]])


def _has_signed(values: np.ndarray, v: float) -> bool:
    return v == 0 and bool(np.any((values == 0) & np.signbit(values)))


def round_exact(v: Any, name: str) -> float:
    """v (an mpf or an exact Python float) rounded once, to nearest with ties to even, to the
    format; returned as a Python float (the format's value, or inf / NaN / signed zero)."""
    f = FACTS[name]
    if isinstance(v, float):
        if math.isnan(v):
            return math.nan
        if math.isinf(v):
            return _overflow(f, v > 0)
        if v == 0:
            return _zero(f, math.copysign(1.0, v) < 0)
        v = mpf(v)
    elif not isinstance(v, mpf):
        v = mpf(v)
    if mpmath.isnan(v):
        return math.nan
    if mpmath.isinf(v):
        return _overflow(f, v > 0)
    sign, man, exp, bc = v._mpf_
    if man == 0:
        return _zero(f, False)
    k = exp + bc - 1  # 2^k <= |v| < 2^(k+1)
    if k >= math.frexp(f.max)[1]:  # |v| >= 2^k > max, and so is its rounding
        return _overflow(f, not sign)
    q = max(k, f.emin) - (f.p - 1)  # exponent of the last bit kept
    if exp >= q:
        m = man << (exp - q)
    else:
        shift = q - exp
        if shift > bc + 1:  # far below half the smallest subnormal
            m = 0
        else:
            m, r = divmod(man, 1 << shift)
            half = 1 << (shift - 1)
            if r > half or (r == half and m & 1):
                m += 1
    if m == 0:
        return _zero(f, bool(sign))
    value = math.ldexp(m, q)
    if value > f.max:
        return _overflow(f, not sign)
    return -value if sign else value


def is_midpoint(v: Any, name: str) -> bool:
    """Whether v (an mpf or float) lies exactly halfway between two neighbours of the format:
    then a term too small for the working precision may be what decides the rounding."""
    if isinstance(v, float):
        if not math.isfinite(v) or v == 0:
            return False
        v = mpf(v)
    if not isinstance(v, mpf) or not mpmath.isfinite(v) or v == 0:
        return False
    f = FACTS[name]
    _, man, exp, bc = v._mpf_
    q = max(exp + bc - 1, f.emin) - (f.p - 1)  # exponent of the last bit kept
    # halfway: exactly one bit below q, i.e. the value ends at bit q - 1
    return exp == q - 1


def _zero(f: Facts, negative: bool) -> float:
    return -0.0 if negative and f.negative_zero else 0.0


def _overflow(f: Facts, positive: bool) -> float:
    if not f.has_inf:
        return math.nan
    return math.inf if positive else -math.inf


def same(a: float, b: float) -> bool:
    """Equal as format values: NaN equals NaN, and zeros must have the same sign."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
