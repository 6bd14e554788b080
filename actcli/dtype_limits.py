"""Where an activation stops changing in a float format: for x beyond a threshold its correctly
rounded value is a constant (sigmoid is 1 in bfloat16 from x = 5.56), x itself (gelu), 0 (an
underflow), or inf / NaN (an overflow). ``info`` and ``list --properties`` show these per dtype.

Each side of 0 is looked at from the far end of the format inwards: the value at the largest
finite x (or its negative) names the limit, and the threshold is the innermost x such that every
x of the format beyond it gives that limit. Formats of 16 bits or fewer are enumerated (every
value is evaluated); float32 and float64 are bisected over the ordinals of their values, then
the 65,536 values past the point found are checked one by one, so a flicker at the edge (a
value rounding back off the limit) moves the threshold outwards (a side still flickering after
four such rounds is not reported). A side whose limit already holds at |x| = 1 (relu is x for
every x >= 0, hard_tanh 1 from x = 1) has no threshold to report: that is the definition, not
a rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dtypes

SHOWN = ("float64", "float32", "bfloat16", "float16", "float8_e4m3fn", "float8_e5m2")
_CHECKED = 1 << 16  # values checked one by one past a bisected threshold
_ROUNDS = 4  # ... at most this many times, as long as some of them still fail


@dataclass(frozen=True)
class Limit:
    """f(x) rounded to the format equals ``value`` for every x of the format beyond ``at``
    (x >= at on the right side, x <= at on the left).

    Attributes:
        side: "right" or "left".
        value: "x" (the identity), or the constant as text ("1", "-1", "0", "inf", "nan").
        at: the threshold, a value of the format.
        kind: "saturates" (a nonzero constant), "identity", "underflow" (0) or "overflow".
    """

    side: str
    value: str
    at: float
    kind: str

    def text(self, fmt: dtypes.Format) -> str:
        relation = ">=" if self.side == "right" else "<="
        what = {"underflow": " (underflow)", "overflow": " (overflow)"}.get(self.kind, "")
        return f"{self.value}{what} for x {relation} {dtypes.shortest_text(self.at, fmt)}"


def _positive_values(fmt: dtypes.Format) -> np.ndarray:
    """Every finite value > 0 of a format, ascending (from its precision, emin and max)."""
    p = fmt.precision
    quantum = math.ldexp(1.0, fmt.emin - p + 1)
    subnormals = np.arange(1, 1 << (p - 1)) * quantum
    top = math.frexp(fmt.max)[1] - 1
    significands = np.arange(1 << (p - 1), 1 << p, dtype=np.float64)
    normals = np.concatenate([np.ldexp(significands, e - p + 1) for e in range(fmt.emin, top + 1)])
    return np.concatenate([subnormals, normals[normals <= fmt.max]])


def _evaluate(act: Any, params: Mapping[str, Any], x: np.ndarray, fmt: dtypes.Format):
    with np.errstate(all="ignore"):
        y = np.asarray(act(x, **params), dtype=np.float64)
    y = dtypes.rounded_values(act, x, y, params, fmt)
    if not fmt.has_inf:  # an overflow is NaN there (float8_e4m3fn)
        y[np.isinf(y)] = math.nan
    return y


def _predicate(value: float, end: float, fmt: dtypes.Format) -> tuple[str, str, Any]:
    """(value text, kind, test(x, y) -> bool array) for the limit seen at the far end."""
    if math.isnan(value):
        return "nan", "overflow", lambda x, y: np.isnan(y)
    if value == end:
        return "x", "identity", lambda x, y: y == x
    if math.isinf(value):
        return ("inf" if value > 0 else "-inf"), "overflow", lambda x, y: y == value
    if value == 0:
        return "0", "underflow", lambda x, y: y == 0
    return dtypes.shortest_text(value, fmt), "saturates", lambda x, y: y == value


def _side_small(act, params, fmt, side) -> Limit | None:
    x = _positive_values(fmt)
    if side == "left":
        x = -x
    y = _evaluate(act, params, x, fmt)
    text, kind, holds = _predicate(float(y[-1]), float(x[-1]), fmt)
    ok = holds(x, y)
    failing = np.flatnonzero(~ok)
    if not failing.size or failing[-1] >= x.size - 2:  # everywhere, or not a limit at all
        return None
    at = float(x[failing[-1] + 1])
    return None if abs(at) <= 1 else Limit(side, text, at, kind)


def _side_bisected(act, params, fmt, side) -> Limit | None:
    from .check_inputs import _from_ordinals, _ordinal

    sign = 1.0 if side == "right" else -1.0
    dtype = fmt.dtype

    def values(keys: np.ndarray) -> np.ndarray:
        return sign * _from_ordinals(keys, dtype).astype(np.float64)

    first = _ordinal(1.0, dtype)
    last = _ordinal(fmt.max, dtype)
    ends = values(np.array([first, last - 1, last]))
    y_ends = _evaluate(act, params, ends, fmt)
    text, kind, holds = _predicate(float(y_ends[-1]), float(ends[-1]), fmt)
    if holds(ends[:1], y_ends[:1]).all() or not holds(ends[1:2], y_ends[1:2]).all():
        return None  # holds from |x| = 1 on (the definition, not a rounding), or no limit

    def ok(keys: np.ndarray) -> np.ndarray:
        x = values(keys)
        return holds(x, _evaluate(act, params, x, fmt))

    lo, hi = first, last  # ok(lo) is false, ok(hi) is true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(np.array([mid]))[0]:
            hi = mid
        else:
            lo = mid
    for _ in range(_ROUNDS):  # a flicker past the point found moves the threshold out
        keys = np.arange(hi, min(hi + _CHECKED, last + 1), dtype=np.int64)
        bad = np.flatnonzero(~ok(keys))
        if not bad.size:
            return Limit(side, text, float(values(np.array([hi]))[0]), kind)
        hi = int(keys[bad[-1]]) + 1
    return None  # still flickering far out: no threshold to vouch for


def limits(spec: Any, params: Mapping[str, Any] | None, dtype: str) -> tuple[Limit, ...]:
    """The limits of an elementwise activation in one format, right side first (empty for an
    axis-wise one)."""
    import actcli

    if spec.axiswise:
        return ()
    act = actcli.get(spec.name)
    bound = spec.bind(dict(params or {}))
    fmt = dtypes.format_named(dtype)
    side_limit = _side_bisected if dtype in ("float32", "float64") else _side_small
    kinks = [abs(float(k)) for k in spec.kinks(bound) if math.isfinite(k)]
    found = [side_limit(act, bound, fmt, side) for side in ("right", "left")]
    return tuple(limit for limit in found if limit is not None and _worth(limit, fmt, kinks))


def _worth(limit: Limit, fmt: dtypes.Format, kinks: list[float]) -> bool:
    """A limit is one when it holds over at least a binade (not just at the last values, where
    0.3 x rounds alike for neighbours), and not from a kink on (the definition, not rounding:
    ThresholdedReLU is x for x > 1)."""
    at = abs(limit.at)
    if at > fmt.max / 2:
        return False
    return not any(k <= at <= k + 8 * float(fmt.spacing(np.array([k]))[0]) for k in kinks)


def limits_text(spec: Any, params: Mapping[str, Any] | None, dtype: str) -> str:
    """``"1 for x >= 5.56; 0 (underflow) for x <= -92.5"``, or ``"none"``."""
    fmt = dtypes.format_named(dtype)
    found = limits(spec, params, dtype)
    return "; ".join(limit.text(fmt) for limit in found) if found else "none"


def all_limits(spec: Any, params: Mapping[str, Any] | None = None) -> dict[str, str]:
    """``limits_text`` for every dtype of ``SHOWN``."""
    return {dtype: limits_text(spec, params, dtype) for dtype in SHOWN}
