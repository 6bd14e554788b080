"""Careful primitives NumPy lacks: error-free transforms, sign-split sigmoid, scaled exp, Phi.

Every function takes and returns float64 arrays and is exact to a few ULP on its whole domain;
tests/test_core_oracle.py checks the public functions built from them against mpmath.
"""

from __future__ import annotations

import numpy as np

# Dekker's splitter 2^27 + 1: splits a double into two 26-bit halves whose products are exact.
_SPLITTER = 134217729.0
# Inputs beyond this are scaled before splitting so that _SPLITTER * a cannot overflow.
_SPLIT_MAX = 2.0**996


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (p, e) with p = fl(a * b) and p + e = a * b exactly (Dekker; |a|, |b| < 2^996)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def exp_dd(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """exp(hi + lo) for |lo| <= ulp(hi): exp(hi) * (1 + lo), so the rounding of hi is undone."""
    return np.exp(hi) * (1.0 + lo)


def mul_exp(a: np.ndarray, z: np.ndarray, zlo: np.ndarray | float = 0.0) -> np.ndarray:
    """a * exp(z + zlo) for |zlo| <= ulp(z), without a subnormal intermediate.

    exp(z) for z < -708 is subnormal and has lost bits before the product; there exp(z/2) is
    normal, so (a * exp(z/2)) * exp(z/2) rounds once into the subnormal range (z/2 is exact).
    """
    out = a * (1.0 + zlo) * np.exp(z)
    deep = z < -700.0
    if np.any(deep):
        half = np.exp(0.5 * z[deep])
        ad = a[deep] if np.ndim(a) else a
        zd = zlo[deep] if np.ndim(zlo) else zlo
        out[deep] = (ad * (1.0 + zd) * half) * half
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), built from e = exp(-|x|) so that nothing overflows or cancels."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


def sigmoid_prime(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) * sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|) (no 1 - s cancellation)."""
    e = np.exp(-np.abs(x))
    return e / ((1.0 + e) * (1.0 + e))


def log1pexp(x: np.ndarray) -> np.ndarray:
    """softplus log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# sqrt(2) / 2 and 1 / sqrt(2 pi), both to the nearest double.
_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794


def gauss_exp(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (hi, lo) with hi + lo = -x^2 / 2 exactly (x^2 split by two_prod; /2 is exact)."""
    xc = np.clip(x, -1e150, 1e150)  # beyond, exp(-x^2/2) is 0 anyway; keeps the split finite
    p, e = two_prod(xc, xc)
    return -0.5 * p, -0.5 * e


def ndtr(x: np.ndarray) -> np.ndarray:
    """Phi(x), the standard normal CDF, to a few ULP in both tails.

    Left tail: Phi(x) = erfcx(t) / 2 * exp(-x^2 / 2) with t = -x / sqrt(2); erfcx varies slowly,
    so the rounding of t barely matters, and exp(-x^2/2) is taken from an exact split of x^2.
    (The plain erfc(-x / sqrt(2)) / 2 amplifies the rounding of t by x^2: hundreds of ULP at -10.)
    """
    import scipy.special as sc  # lazy: start-up time

    out = sc.ndtr(x)
    left = x < -1.0
    if np.any(left):
        xl = x[left]
        hi, lo = gauss_exp(xl)
        out[left] = mul_exp(0.5 * sc.erfcx(-xl * _SQRT1_2), hi, lo)
    return out


def norm_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x^2/2) / sqrt(2 pi), with x^2 split exactly."""
    hi, lo = gauss_exp(x)
    return mul_exp(np.full_like(x, _INV_SQRT_2PI), hi, lo)
