"""Properties of an activation, computed from its kernels rather than typed in.

``properties(spec, params)`` evaluates the function and its analytic derivative on a dense grid
(linear near the origin and the kinks, logarithmic out to +-1e308, plus +-inf) and reports the
range, boundedness, monotonicity, value and slope at 0, continuity class, kink positions,
symmetry and the Gaussian moments (SELU's self-normalizing fixed point). Every claim is checked
again, independently, by tests/test_properties.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .registry import Spec

_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)

KEYS = (
    "range",
    "range_text",
    "bounded_below",
    "bounded_above",
    "monotone",
    "monotonicity",
    "zero_at_zero",
    "f0",
    "fprime0",
    "continuity",
    "kinks",
    "symmetry",
    "gaussian_mean",
    "gaussian_var",
    "variance_map_slope",
    "self_normalizing",
)
"""The keys of a properties dict (``list --properties`` columns), besides ``name`` and ``note``."""


def _window(spec: Spec, kinks: tuple[float, ...]) -> float:
    """Half-width of the linear part of the grid: the plot range, the kinks, at least 20."""
    finite = [abs(k) for k in kinks if math.isfinite(k)]
    return max(20.0, *(abs(v) for v in spec.plot_xlim), *(2.0 * k for k in finite))


def _grid(window: float, kinks: tuple[float, ...]) -> np.ndarray:
    logs = np.logspace(-300, 308, 1217)
    pieces = [
        np.linspace(-window, window, 40001),
        logs,
        -logs,
        [0.0, -0.0, math.inf, -math.inf],
    ]
    for k in kinks:
        if math.isfinite(k):
            pieces.append([k, np.nextafter(k, -math.inf), np.nextafter(k, math.inf)])
            pieces.append(k + np.linspace(-1e-3, 1e-3, 41) * max(1.0, abs(k)))
    return np.unique(np.concatenate([np.asarray(p, dtype=np.float64) for p in pieces]))


def _f(spec: Spec, bound: Mapping[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: np.asarray(spec.fn(np.asarray(x, dtype=np.float64), **bound), dtype=np.float64)


def _fp(spec: Spec, bound: Mapping[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: np.asarray(
        spec.prime(np.asarray(x, dtype=np.float64), **bound), dtype=np.float64
    )


# Kinks and continuity -----------------------------------------------------------------------------


def _jumps_at(f, fp, k: float) -> tuple[float, float, float]:
    """(jump of f, of f', of f'') at k, from one-sided limits.

    f: values at k -+ h extrapolated to k with the derivative (error h^2 f''), h = 2^-26 |k|.
    f': values at k -+ h. f'': one-sided differences of f' with step 2^-17 |k|.
    """
    s = max(1.0, abs(k))
    h = s * 2.0**-26
    left, right = k - h, k + h
    fl, fr = f(np.array([left, right]))
    pl, pr = fp(np.array([left, right]))
    jump_f = abs((fr - h * pr) - (fl + h * pl))
    jump_p = abs(pr - pl)
    g = s * 2.0**-17
    p = fp(np.array([k - 2 * g, k - g, k + g, k + 2 * g]))
    second_left = (p[1] - p[0]) / g
    second_right = (p[3] - p[2]) / g
    return jump_f, jump_p, abs(second_right - second_left)


def _is_jump(kind: str, size: float, scale: float) -> bool:
    tol = {"f": 1e-11, "p": 1e-6, "pp": 1e-3}[kind]
    return size > tol * max(1.0, abs(scale))


def _scan(g, window: float) -> list[float]:
    """Points in [-window, window] where g jumps, found on a uniform grid and then bisected
    down to adjacent doubles (a smooth g shrinks as the bracket shrinks; a jump stays)."""
    x = np.linspace(-window, window, 100001)
    y = g(x)
    d = np.abs(np.diff(y))
    d = np.where(np.isfinite(d), d, 0.0)
    neighbours = np.maximum(np.concatenate([[0.0], d[:-1]]), np.concatenate([d[1:], [0.0]]))
    suspects = np.nonzero(d > 20.0 * neighbours + 1e-9 * np.maximum(1.0, np.abs(y[:-1])))[0]
    found = []
    for i in suspects[:50]:
        a, b = x[i], x[i + 1]
        ga, gb = g(np.array([a, b]))
        for _ in range(200):
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            gm = g(np.array([m]))[0]
            if abs(gm - ga) >= abs(gb - gm):
                b, gb = m, gm
            else:
                a, ga = m, gm
        if abs(gb - ga) > 1e-9 * max(1.0, abs(ga)):
            found.append(float(b))
    return found


def _kinks(spec: Spec, bound, f, fp, window: float) -> tuple[tuple[float, ...], str]:
    candidates = [float(k) for k in spec.kinks(bound) if math.isfinite(k)]
    candidates += _scan(f, window) + _scan(fp, window)
    kinks: list[float] = []
    worst = 3  # 0: f jumps, 1: f' jumps, 2: f'' jumps, 3: nothing found
    for k in sorted(candidates):
        if any(abs(k - q) <= 1e-9 * max(1.0, abs(q)) for q in kinks):
            continue
        jf, jp, jpp = _jumps_at(f, fp, k)
        fk, pk = f(np.array([k]))[0], fp(np.array([k]))[0]
        if _is_jump("f", jf, fk):
            level = 0
        elif _is_jump("p", jp, pk):
            level = 1
        elif _is_jump("pp", jpp, 1.0):
            level = 2
        else:
            continue
        kinks.append(k)
        worst = min(worst, level)
    continuity = {0: "discontinuous", 1: "C0", 2: "C1", 3: "C-inf"}[worst]
    return tuple(kinks), continuity


# Range ------------------------------------------------------------------------------------------


def _refine(fp, a: float, b: float) -> float | None:
    """A zero of f' in [a, b] by bisection, if f' changes sign there."""
    pa, pb = fp(np.array([a, b]))
    if not (pa < 0 < pb or pb < 0 < pa):
        return None
    for _ in range(200):
        m = 0.5 * (a + b)
        if m in (a, b):
            break
        pm = fp(np.array([m]))[0]
        if (pm < 0) == (pa < 0):
            a, pa = m, pm
        else:
            b = m
    return 0.5 * (a + b)


def _extreme(x, y, p, f, fp, window, kinks, sign: float) -> tuple[float, bool]:
    """(inf of sign * f, attained?) over the grid, interior minima refined on f' = 0.

    A finite grid point attains the bound when f is flat there (f' = 0), it is a kink, or f'
    changes sign around it; equality alone may be saturation (sigmoid(40) rounds to 1).
    """
    s = sign * y
    finite = np.isfinite(x) & ~np.isnan(s)
    best = float(np.min(s[~np.isnan(s)]))
    i_candidates = np.nonzero(finite & (s <= best + 1e-12 * max(1.0, abs(best))))[0]
    # Interior local minima of s near the best value (not plateaus): refine on the derivative.
    near = s[1:-1] <= best + 1e-6 * max(1.0, abs(best))
    strict = (s[1:-1] < s[:-2]) | (s[1:-1] < s[2:])
    local = finite[1:-1] & near & strict & (s[1:-1] <= s[:-2]) & (s[1:-1] <= s[2:])
    for i in np.nonzero(local)[0][:20] + 1:
        if not (np.isfinite(x[i - 1]) and np.isfinite(x[i + 1])):
            continue
        r = _refine(fp, x[i - 1], x[i + 1])
        if r is not None:
            val = sign * f(np.array([r]))[0]
            if val < best:
                best = float(val)
                i_candidates = np.array([], dtype=int)
            if val <= best:
                return best * sign, True
    attained = False
    for i in i_candidates:
        if abs(x[i]) > window or s[i] != best:
            continue
        if p[i] == 0 or any(x[i] == k for k in kinks):
            attained = True
            break
        if 0 < i < len(x) - 1 and np.sign(p[i - 1]) != np.sign(p[i + 1]):
            attained = True
            break
    return best * sign, attained


def _fmt(v: float) -> str:
    if v == 0:
        return "0"  # not "-0" for log_sigmoid's sup
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


# Symmetry and moments --------------------------------------------------------------------------


def _symmetry(x, f) -> str | None:
    """odd, even, odd about (0, c), or f(x) - f(-x) = x (relu-like: f(x) - x/2 is even)."""
    xs = x[np.isfinite(x) & (x > 0)]
    a, b = f(xs), f(-xs)
    ok = np.isfinite(a) & np.isfinite(b)
    xs, a, b = xs[ok], a[ok], b[ok]
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), _TINY)
    tol = 16 * _EPS * scale + 1e-300
    if np.all(np.abs(a + b) <= tol):
        return "odd"
    if np.all(np.abs(a - b) <= tol):
        return "even"
    c = 0.5 * (a[0] + b[0])
    if np.all(np.abs(0.5 * (a + b) - c) <= tol + 16 * _EPS * abs(c)):
        return f"odd about (0, {c:.6g})"
    if np.all(np.abs((a - b) - xs) <= 16 * _EPS * np.maximum(scale, xs)):
        return "f(x) - f(-x) = x"
    return None


@functools.cache
def _gauss_legendre() -> tuple[np.ndarray, np.ndarray]:
    """64-point Gauss-Legendre nodes and weights on [-1, 1] (computed on first use)."""
    return np.polynomial.legendre.leggauss(64)


def _gaussian_moments(f, kinks, sd: float = 1.0) -> tuple[float, float]:
    """E[f(z)] and Var[f(z)] for z ~ N(0, sd^2): Gauss-Legendre on pieces of width <= sd over
    [-40 sd, 40 sd], split at the kinks (beyond 40 sd the density is below 1e-347)."""
    edges = set((sd * np.arange(-40.0, 41.0, 1.0)).tolist())
    edges.update(k for k in kinks if math.isfinite(k) and -40 * sd < k < 40 * sd)
    e = np.array(sorted(edges))
    gl_x, gl_w = _gauss_legendre()
    lo, hi = e[:-1, None], e[1:, None]
    z = (0.5 * (hi - lo) * gl_x + 0.5 * (hi + lo)).ravel()
    w = (
        (0.5 * (hi - lo) * gl_w).ravel()
        * np.exp(-0.5 * (z / sd) ** 2)
        / (sd * math.sqrt(2 * math.pi))
    )
    y = f(z)
    if not np.all(np.isfinite(y)):
        return math.nan, math.nan
    mean = float(np.sum(w * y))
    var = float(np.sum(w * (y - mean) ** 2))
    return mean, var


# properties ------------------------------------------------------------------------------------


def properties(spec: Spec, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Computed properties of an elementwise activation (any Spec, e.g. a Variant's ``as_spec()``).

    Args:
        spec: the registry entry.
        params: parameters (defaults filled in by ``spec.bind``).

    Returns:
        dict with name, note and the KEYS: range (lo, hi) and range_text ("[0, inf)": brackets
        say whether a bound is attained), bounded_below/above, monotone (non-decreasing) and
        monotonicity ("increasing", "non-decreasing", "decreasing", "non-increasing", "no"),
        zero_at_zero, f0, fprime0, continuity ("C-inf", "C1", "C0", "discontinuous"), kinks
        (where f, f' or f'' jumps), symmetry, gaussian_mean and gaussian_var (of f(z), z ~ N(0, 1))
        variance_map_slope (d Var f(N(0, v)) / dv at v = 1) and self_normalizing (mean 0 and
        variance 1 to 1e-9 and a slope below 1: SELU's attracting fixed point). Axis-wise
        functions, per-channel parameters and missing required parameters give None values and
        a note.

    Raises:
        UsageError: a parameter is invalid.
    """
    out: dict[str, Any] = {"name": spec.name, "note": ""}
    out.update(dict.fromkeys(KEYS))
    if spec.axiswise:
        out["note"] = "axis-wise: properties are per vector, not computed"
        return out
    missing = [p.name for p in spec.params if p.required and p.name not in (params or {})]
    if missing:
        out["note"] = f"depends on the required parameters {', '.join(missing)}"
        return out
    if spec.domain != (-math.inf, math.inf):
        out["note"] = (
            f"defined on [{_fmt(spec.domain[0])}, {_fmt(spec.domain[1])}] only: not computed"
        )
        return out
    bound = spec.bind(params)
    if any(isinstance(v, np.ndarray) for v in bound.values()):
        out["note"] = "per-channel parameters: not computed"
        return out
    f, fp = _f(spec, bound), _fp(spec, bound)
    declared = tuple(float(k) for k in spec.kinks(bound))
    window = _window(spec, declared)
    kinks, continuity = _kinks(spec, bound, f, fp, window)
    x = _grid(window, kinks + declared)
    y, p = f(x), fp(x)

    lo, lo_attained = _extreme(x, y, p, f, fp, window, kinks, 1.0)
    hi, hi_attained = _extreme(x, y, p, f, fp, window, kinks, -1.0)
    left = "[" if lo_attained and math.isfinite(lo) else "("
    right = "]" if hi_attained and math.isfinite(hi) else ")"

    ok = ~np.isnan(y)
    ys = y[ok]
    with np.errstate(invalid="ignore"):  # spacing(inf) is NaN: no tolerance next to infinities
        tol = np.nan_to_num(4 * np.spacing(np.maximum(np.abs(ys[:-1]), np.abs(ys[1:]))), nan=0.0)
    with np.errstate(invalid="ignore"):  # inf - inf between the two infinite ends
        step = np.diff(ys)
    step = np.where(np.isnan(step), 0.0, step)
    up, down = bool(np.all(step >= -tol)), bool(np.all(step <= tol))
    # Strict unless f is flat somewhere: f' = 0 at two neighbours of the uniform grid (an
    # isolated zero, tanh_shrink'(0), keeps it strict; tiny x is left out, where f' underflows).
    uniform = np.linspace(-window, window, 40001)
    pu = fp(uniform)
    flat = bool(np.any((pu[:-1] == 0) & (pu[1:] == 0)))
    if up:
        monotonicity = "non-decreasing" if flat else "increasing"
    elif down:
        monotonicity = "non-increasing" if flat else "decreasing"
    else:
        monotonicity = "no"

    f0 = float(f(np.array([0.0]))[0])
    mean, var = _gaussian_moments(f, kinks)
    # Klambauer et al.: (0, 1) is a fixed point of the moment map and it attracts. With zero-mean
    # unit-norm weights, a layer's pre-activations are N(0, v) for inputs of variance v, so the
    # variance map v -> Var f(N(0, v)) must have slope below 1 at v = 1 (linear has exactly 1).
    slope = (
        _gaussian_moments(f, kinks, math.sqrt(1.001))[1]
        - _gaussian_moments(f, kinks, math.sqrt(0.999))[1]
    ) / 0.002
    out.update(
        range=(lo, hi),
        range_text=f"{left}{_fmt(lo)}, {_fmt(hi)}{right}",
        bounded_below=math.isfinite(lo),
        bounded_above=math.isfinite(hi),
        monotone=up,
        monotonicity=monotonicity,
        zero_at_zero=f0 == 0.0,
        f0=f0,
        fprime0=float(fp(np.array([0.0]))[0]),
        continuity=continuity,
        kinks=kinks,
        symmetry=_symmetry(x, f),
        gaussian_mean=mean,
        gaussian_var=var,
        variance_map_slope=slope,
        self_normalizing=bool(abs(mean) < 1e-9 and abs(var - 1.0) < 1e-9 and abs(slope) < 1.0),
    )
    return out
