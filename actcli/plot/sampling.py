"""Sampling activations for plots (NumPy only): the function and its derivative on a grid
with the kinks inserted, axis-wise functions as a slice of a 2-vector, default ranges and
labels. ``actcli.termplot`` draws these same curves without matplotlib."""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

import actcli
from actcli.errors import UsageError
from actcli.registry import Spec

if TYPE_CHECKING:
    pass

# Dense enough that smooth curves look smooth at 300 dpi; kinks are added on top.
DEFAULT_POINTS = 2001
# A default range extends past the outermost kink by this fraction of its width.
KINK_MARGIN = 0.15
PRIME = "\u2032"  # the prime sign, f′
# Required parameters have no default, but a gallery panel needs some value. Shown in the title.
EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "threshold": {"threshold": 1.0, "default_value": -1.0},
}
_FALLBACK_EXAMPLE = 1.0


@dataclass(frozen=True)
class Slice:
    """Which coordinate of a 2-vector an axis-wise plot varies, and which output it shows."""

    base: tuple[float, float]
    vary: int
    out: int
    kinks: tuple[float, ...] = ()  # where the slice has corners (the spec's kinks are per element)

    def text(self, name: str) -> str:
        cells = ["x" if i == self.vary else f"{v:g}" for i, v in enumerate(self.base)]
        return f"{name}([{', '.join(cells)}])[{self.out}]"


_DEFAULT_SLICE = Slice(base=(0.0, 0.0), vary=0, out=0)
# glu([x, b]) = x * sigmoid(b) is a straight line in x; varying the gate shows the function.
_SLICES = {
    "glu": Slice(base=(1.0, 0.0), vary=1, out=0),
    # sparsemax([x, 0]) = [clip((x + 1) / 2, 0, 1), ...]: the support changes at x = -1 and 1.
    "sparsemax": Slice(base=(0.0, 0.0), vary=0, out=0, kinks=(-1.0, 1.0)),
}


def slice_of(spec: Spec) -> Slice | None:
    """The 2-vector slice plotted for an axis-wise spec; None for an elementwise one."""
    if not spec.axiswise:
        return None
    # A framework's flavour (torch.glu) is sliced like the function it is a version of.
    return _SLICES.get(spec.name.rpartition(".")[2], _DEFAULT_SLICE)


@dataclass(frozen=True)
class Curve:
    """One activation sampled on a grid: ``y = f(x)``, ``dy = f'(x)`` as the core computes them.

    ``x`` is sorted, holds every kink inside the range, and has no NaN; ``line`` adds the breaks
    that keep a plotted line from drawing a vertical stroke across a jump.
    """

    spec: Spec
    params: dict[str, Any]
    label: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    kinks: tuple[float, ...]
    breaks: Mapping[str, tuple[tuple[int, float], ...]]  # (insert position, kink) per line

    @property
    def prime_label(self) -> str:
        return prime_label(self.spec, self.params)

    def line(self, which: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """(x, values) for ``which`` in ("y", "dy"), with a NaN at each jump.

        A jump gets an extra point: the kink's x repeated with a NaN value, so the x column stays
        sorted and finite and the other points are exactly ``x`` and ``f(x)``.
        """
        values = getattr(self, which)
        breaks = self.breaks.get(which, ())
        if not breaks:
            return self.x, values
        where, at = zip(*breaks, strict=True)
        return np.insert(self.x, where, at), np.insert(values, where, np.nan)


def check_range(name: str, lim: Sequence[float] | None) -> tuple[float, float] | None:
    """Checks an axis range (``xlim``/``ylim``): two finite numbers, low < high."""
    if lim is None:
        return None
    if len(lim) != 2:
        raise UsageError(f"{name} needs two numbers (low high), got {len(lim)}")
    lo, hi = (float(v) for v in lim)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"{name} must be finite, got {lo:g} {hi:g}")
    if lo == hi:
        raise UsageError(f"{name} needs low < high, got {lo:g} {hi:g}")
    if lo > hi:
        raise UsageError(f"{name} must go from low to high, got {lo:g} {hi:g} (try {hi:g} {lo:g})")
    return lo, hi


def _check_points(points: int) -> int:
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise UsageError(f"points must be an integer >= 2, got {points!r}")
    return int(points)


def grid(lo: float, hi: float, points: int) -> np.ndarray:
    """``points`` evenly spaced values from ``lo`` to ``hi`` (both exact), also when ``hi - lo``
    overflows (``--xlim -1.7e308 1.7e308``: NumPy's linspace gave NaN and inf there)."""
    if max(abs(lo), abs(hi)) < 2.0**1020:
        x = np.linspace(lo, hi, points)
    else:  # halves: neither hi - lo nor start + i * step can overflow on the way
        x = 2.0 * np.linspace(lo / 2, hi / 2, points)
    x[0], x[-1] = lo, hi
    return x


def _finite(v: float) -> float:
    return v if math.isfinite(v) else math.copysign(sys.float_info.max, v)


def _kinks_of(spec: Spec, bound: Mapping[str, Any]) -> tuple[float, ...]:
    cut = slice_of(spec)
    return tuple(float(k) for k in (cut.kinks if cut else spec.kinks(bound)))


def default_xlim(spec: Spec, params: Mapping[str, Any] | None = None) -> tuple[float, float]:
    """The spec's plot range, widened so that every kink of these parameters (a threshold, a
    cap) sits inside with a margin: relu with max_value=6 is drawn to 7.5, not to 4."""
    lo, hi = spec.plot_xlim
    kinks = [k for k in _kinks_of(spec, _plot_params(spec, params)) if math.isfinite(k)]
    if not kinks:
        return lo, hi
    k_lo, k_hi = min(kinks), max(kinks)
    # Halves first: the width of a range reaching past +-9e307 overflows.
    margin = 2 * KINK_MARGIN * (max(hi, k_hi) / 2 - min(lo, k_lo) / 2)
    if k_lo - margin < lo:
        lo = _finite(k_lo - margin)
    if k_hi + margin > hi:
        hi = _finite(k_hi + margin)
    return lo, hi


def changed_params(spec: Spec, params: Mapping[str, Any]) -> list[str]:
    """``["alpha=0.5"]``: the parameters that differ from their defaults, in spec order."""
    return spec.changed_params(params)


def _base_name(spec: Spec) -> str:
    cut = slice_of(spec)
    return cut.text(spec.name) if cut else spec.name


# Same form as the column headers of ``actcli eval`` (``elu(alpha=0.5)``), with a real prime.
def label(spec: Spec, params: Mapping[str, Any]) -> str:
    """``elu(alpha=0.5)``: the name and every non-default parameter."""
    changed = changed_params(spec, params)
    return _base_name(spec) + (f"({', '.join(changed)})" if changed else "")


def prime_label(spec: Spec, params: Mapping[str, Any]) -> str:
    """``elu′(alpha=0.5)``; ``d/dx softmax([x, 0])[0]`` for a slice of an axis-wise function."""
    changed = changed_params(spec, params)
    base = f"d/dx {_base_name(spec)}" if spec.axiswise else spec.name + PRIME
    return base + (f"({', '.join(changed)})" if changed else "")


def _plot_params(spec: Spec, params: Mapping[str, Any] | None) -> dict[str, Any]:
    bound = spec.bind(params)
    # PyTorch's flavours call the axis dim; its default None means the last axis here.
    axis_name = next((p.name for p in spec.params if "axis" in (p.name, *p.old_names)), None)
    if spec.axiswise and axis_name in bound:
        axis = bound.pop(axis_name)
        if axis not in (-1, None):
            raise UsageError(
                f"{spec.name}: a plot varies one coordinate of a 2-vector "
                f"({_base_name(spec)}), so {axis_name} does not apply, got {axis_name}={axis}"
            )
    return bound


def _evaluate(
    spec: Spec, params: Mapping[str, Any], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) through the public API, so a plot shows exactly what ``eval`` prints."""
    cut = slice_of(spec)
    if cut is None:
        y = actcli.get(spec.name)(x, **params)
        dy = actcli.derivative(spec.name)(x, **params)
        return np.asarray(y, dtype=np.float64), np.asarray(dy, dtype=np.float64)
    vectors = np.empty((x.size, 2))
    vectors[:] = cut.base
    vectors[:, cut.vary] = x
    direction = np.zeros_like(vectors)
    direction[:, cut.vary] = 1.0
    y = actcli.get(spec.name)(vectors, axis=-1, **params)[:, cut.out]
    if spec.jvp is not None:
        dy = actcli.jvp(spec.name)(vectors, direction, axis=-1, **params)[:, cut.out]
    else:
        dy = actcli.jacobian(spec.name)(vectors, axis=-1, **params)[:, cut.out, cut.vary]
    return np.asarray(y, dtype=np.float64), np.asarray(dy, dtype=np.float64)


def _jumps(
    x: np.ndarray, kinks: Sequence[float], left: np.ndarray, at: np.ndarray, right: np.ndarray
) -> tuple[tuple[int, float], ...]:
    """(position for ``np.insert``, kink) of each break around a kink where the values jump."""
    where = []
    # Python floats: no overflow warning when a jump is wider than the largest float.
    left, at, right = left.tolist(), at.tolist(), right.tolist()
    for k, vl, vk, vr in zip(kinks, left, at, right, strict=True):
        i = int(np.searchsorted(x, k))
        # One ulp away a continuous curve moves by ~1e-16 * slope; a jump by far more.
        tol = 1e-7 * (1.0 + abs(vk))
        if i > 0 and abs(vk - vl) > tol:
            where.append((i, k))
        if i < x.size - 1 and abs(vr - vk) > tol:
            where.append((i + 1, k))
    return tuple(where)


def curve(
    activation: str | Spec,
    params: Mapping[str, Any] | None = None,
    *,
    xlim: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
    label_text: str | None = None,
) -> Curve:
    """Samples an activation and its derivative on ``points`` evenly spaced x plus its kinks.

    Args:
        activation: a name or alias (any case) or a Spec.
        params: parameter values (CLI text accepted, as in ``Spec.bind``); defaults fill the rest.
        xlim: (low, high); defaults to ``default_xlim`` (the spec's ``plot_xlim``, widened to
            show every kink of these parameters).
        points: grid points; the kinks inside the range are added (so ``x`` may be longer).
        label_text: legend text; defaults to ``label(spec, params)``.

    Returns:
        A Curve whose ``x`` contains each kink of ``spec.kinks(params)`` within the range.

    Raises:
        UsageError: unknown name, bad parameter, bad range or point count.
    """
    spec = activation if isinstance(activation, Spec) else actcli.spec(activation)
    bound = _plot_params(spec, params)
    lo, hi = check_range("xlim", xlim) or default_xlim(spec, bound)
    points = _check_points(points)
    kinks = tuple(sorted({k for k in _kinks_of(spec, bound) if lo <= k <= hi}))
    x = np.unique(np.concatenate([grid(lo, hi, points), np.array(kinks, dtype=float)]))
    y, dy = _evaluate(spec, bound, x)
    breaks: dict[str, tuple[tuple[int, float], ...]] = {}
    if kinks:
        k = np.array(kinks)
        probe = np.concatenate([np.nextafter(k, -np.inf), k, np.nextafter(k, np.inf)])
        py, pdy = _evaluate(spec, bound, probe)
        n = k.size
        breaks["y"] = _jumps(x, kinks, py[:n], py[n : 2 * n], py[2 * n :])
        breaks["dy"] = _jumps(x, kinks, pdy[:n], pdy[n : 2 * n], pdy[2 * n :])
    text = label_text if label_text is not None else label(spec, bound)
    return Curve(spec, bound, text, x, y, dy, kinks, breaks)


def curves(
    items: Sequence[tuple[str | Spec, Mapping[str, Any] | None]],
    *,
    xlim: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
) -> list[Curve]:
    """Samples several activations on one common range (the union of their ``default_xlim``).

    Labels that would be equal (the same activation given twice with the same parameters) get
    ``#2``, ``#3`` so the legend still tells them apart.
    """
    if not items:
        raise UsageError("no activation to plot (give a name, or --all)")
    specs = [s if isinstance(s, Spec) else actcli.spec(s) for s, _ in items]
    xlim = check_range("xlim", xlim)
    if xlim is None:
        ranges = [default_xlim(s, p) for s, (_, p) in zip(specs, items, strict=True)]
        xlim = (min(lo for lo, _ in ranges), max(hi for _, hi in ranges))
    out = [curve(s, p, xlim=xlim, points=points) for s, (_, p) in zip(specs, items, strict=True)]
    seen: dict[str, int] = {}
    result = []
    for c in out:
        seen[c.label] = seen.get(c.label, 0) + 1
        if seen[c.label] > 1:
            c = dataclasses.replace(c, label=f"{c.label} #{seen[c.label]}")
        result.append(c)
    return result


def staircase(c: Curve, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, f(x)) as a ``dtype`` implementation gives them: x rounded to the format, f computed in
    it (rounded once), on a grid dense enough to show every step; as float64 for plotting."""
    from actcli import dtypes  # lazy: bfloat16 and float8 import ml_dtypes

    fmt = dtypes.format_named(dtype)
    lo, hi = float(c.x[0]), float(c.x[-1])
    x = np.unique(np.concatenate([np.linspace(lo, hi, 20 * DEFAULT_POINTS), c.x]))
    xq = dtypes.cast(x, fmt)
    if slice_of(c.spec) is None:
        y = actcli.get(c.spec.name)(xq, **c.params)
    else:
        y = dtypes.cast(_evaluate(c.spec, c.params, dtypes.to_float64(xq))[0], fmt)
    return x, dtypes.to_float64(y)


def example_params(spec: Spec) -> dict[str, Any]:
    """Values for the required parameters of ``spec`` (gallery panels need some)."""
    chosen = EXAMPLE_PARAMS.get(spec.name, {})
    return {p.name: chosen.get(p.name, _FALLBACK_EXAMPLE) for p in spec.params if p.required}
