"""How wrong is an implementation? Its values graded in ULP against actcli's exact ones.

``check(name, x, y)`` (also ``actcli.check``) and ``actcli check`` compute f(x) with actcli's
float64 kernels (within 4 ULP of float64, far below the ULP of any narrower format), round it
once to the dtype of the values graded (``actcli.dtypes.rounded_values``: the correctly rounded
result), and measure each given value against it:

- ULP error: |got - exact| / ULP, the ULP being the spacing of the values' dtype at the correctly
  rounded result (at its largest finite value beyond it), as tests/oracle.py measures. A value that
  is NaN, or +-inf, where the correctly rounded result is not (or the reverse) is inf ULP off;
  matching NaNs and infinities are 0.
- correctly rounded: the given value is the correctly rounded one, bit for bit (a zero of the
  wrong sign counts as wrong, at 0 ULP); for float64 values "correct" is actcli's float64 value,
  itself only within a few ULP, so there errors below 4 ULP are within the reference's own.
- regions by x: special (+-0, +-inf, NaN, subnormal in x's dtype), at the kinks (within 4 ULP of
  one in x's dtype), and the spec's plot range cut in three: the negative tail below it, the
  middle, the positive tail above it.

Inputs stream in: a ``Grader`` takes chunks and keeps running totals, the worst cases, the
errors themselves for exact percentiles up to ``EXACT_PERCENTILES`` values (a histogram with
1 % wide bins beyond), and a bounded sample for plots; memory stays flat.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import dtypes
from .errors import DataError, UsageError

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
EXACT_PERCENTILES = 1 << 22  # errors kept (32 MB) before percentiles come from a histogram
_BINS_PER_OCTAVE = 64  # histogram bins: 1.1 % wide
_HIST_LOW = -40  # ULP errors below 2^-40 share the lowest bin (0 has its own)
_HIST_HIGH = 70  # ... and above 2^70 (inf has its own)
PIECE = 1 << 18  # values graded at a time: some twenty float64 temporaries of 2 MB each
PLOT_POINTS = 100_000  # points kept for a plot (every k-th, plus each chunk's worst)
KINK_ULPS = 4  # x within this many ULP (of x's dtype) of a kink counts as "at the kink"
REGION_NAMES = ("negative_tail", "middle", "positive_tail", "kinks", "special")


@dataclass(frozen=True)
class Case:
    """One graded input.

    Attributes:
        index: its position in the input (0-based, over the flattened array).
        x: the input, as a float.
        got: the value graded.
        exact: actcli's float64 value of f(x).
        correct: ``exact`` correctly rounded to the values' dtype.
        ulp: the error in ULP of that dtype (see the module docstring).
        abs_error: |got - exact|; rel_error: that over |exact|.
        region: which region of ``REGION_NAMES`` x falls in.
    """

    index: int
    x: float
    got: float
    exact: float
    correct: float
    ulp: float
    abs_error: float
    rel_error: float
    region: str

    @property
    def correctly_rounded(self) -> bool:
        return _same(self.got, self.correct)


@dataclass(frozen=True)
class Region:
    """Totals over the inputs of one region (see the module docstring)."""

    name: str
    label: str
    count: int
    max_ulp: float
    mean_ulp: float
    not_correctly_rounded: int
    worst_x: float | None


@dataclass(frozen=True)
class CheckReport:
    """The grade of an implementation (``actcli.check`` returns one; ``actcli check`` prints it).

    Attributes:
        function: what was graded against, e.g. ``"gelu"``, ``"elu'(alpha=0.5)"``,
            ``"torch.gelu(approximate='tanh')"``.
        derivative: whether the values are a derivative.
        dtype: the dtype of the values graded (their ULP is the unit).
        count: how many values.
        max_ulp, mean_ulp: the largest and mean error in ULP (mean over finite errors; inf
            errors are counted in ``max_ulp`` and ``not_correctly_rounded``).
        percentiles: ``{"50": ..., "90": ..., "99": ..., "99.9": ...}`` in ULP.
        percentiles_exact: False when they come from the histogram (1 % bins, upper edges).
        not_correctly_rounded: how many values differ from the correctly rounded result.
        max_abs_error, max_rel_error: the largest |got - exact| and |got - exact| / |exact|.
        worst: the worst inputs, largest error first (then by position).
        regions: totals per region of x (those with inputs).
        kinks: the abscissae where the function or its derivative is not smooth.
    """

    function: str
    derivative: bool
    dtype: str
    count: int
    max_ulp: float
    mean_ulp: float
    percentiles: dict[str, float]
    percentiles_exact: bool
    not_correctly_rounded: int
    max_abs_error: float
    max_rel_error: float
    worst: tuple[Case, ...]
    regions: tuple[Region, ...]
    kinks: tuple[float, ...] = ()
    plot: Any = field(default=None, repr=False, compare=False)  # _PlotSample, for --plot

    x_dtype: str = "float64"  # the dtype of the inputs (how x is shown)

    def passes(self, max_ulp: float) -> bool:
        """Whether every error is within ``max_ulp`` (a CI gate)."""
        return self.max_ulp <= max_ulp

    def gate_message(self, max_ulp: float) -> str:
        """One line for a failed gate: the worst case, with its exact value."""
        text = f"{self.function}: max error {_ulp_text(self.max_ulp)} ULP exceeds {max_ulp:g}"
        if self.worst:
            case = self.worst[0]
            values = dtypes.format_named(self.dtype)
            text += (
                f" at x = {_value_text(case.x, self.x_dtype)} (index {case.index}): "
                f"got {_value_text(case.got, self.dtype)}, exact {case.exact!r}, correctly "
                f"rounded {dtypes.shortest_text(case.correct, values)} ({self.dtype})"
            )
        return text

    def text(self) -> str:
        """The report as a reader sees it (``actcli check``'s default output)."""
        lines = [
            f"{self.function} in {self.dtype}: {self.count:,} values graded against actcli's "
            "exact values"
        ]
        where = ""
        if self.worst and self.max_ulp > 0:
            where = f" at x = {_value_text(self.worst[0].x, self.x_dtype)}"
        wrong = self.not_correctly_rounded
        shown = ", ".join(f"{k}%: {_ulp_text(v)}" for k, v in self.percentiles.items())
        if not self.percentiles_exact:
            shown += " (from a histogram with 1% bins)"
        rows = [
            ("max error", f"{_ulp_text(self.max_ulp)} ULP{where}"),
            ("mean error", f"{_ulp_text(self.mean_ulp)} ULP"),
            ("percentiles", shown),
            ("not correctly rounded", f"{wrong:,} ({100 * wrong / self.count:.3g}%)"),
            ("max abs error", f"{self.max_abs_error:.3g}"),
            ("max rel error", f"{self.max_rel_error:.3g}"),
        ]
        lines += [f"  {name:<23}{value}" for name, value in rows]
        if self.dtype == "float64":
            lines.append(
                "  (float64 values: actcli's reference is itself within a few ULP, so errors "
                "below 4 ULP are within its own)"
            )
        lines += [
            "",
            _table(
                ("region", "count", "max ULP", "mean ULP", "not c.r."),
                [
                    (
                        r.label,
                        f"{r.count:,}",
                        _ulp_text(r.max_ulp),
                        _ulp_text(r.mean_ulp),
                        f"{r.not_correctly_rounded:,}",
                    )
                    for r in self.regions
                ],
            ),
        ]
        if self.worst:
            values = dtypes.format_named(self.dtype)
            lines += [
                "",
                f"worst inputs (exact: actcli's float64 value; correct: rounded to {self.dtype})",
                _table(
                    ("index", "x", "got", "exact", "correct", "ULP"),
                    [
                        (
                            str(c.index),
                            _value_text(c.x, self.x_dtype),
                            dtypes.shortest_text(c.got, values),
                            repr(c.exact),
                            dtypes.shortest_text(c.correct, values),
                            _ulp_text(c.ulp),
                        )
                        for c in self.worst
                    ],
                ),
            ]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready with ``json_value``)."""
        data = asdict(self)
        data.pop("plot")
        for case, original in zip(data["worst"], self.worst, strict=True):
            case["correctly_rounded"] = original.correctly_rounded
        return data


# ---------------------------------------------------------------------------------------------
# Grading


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _same_arrays(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    equal = (a == b) & (np.signbit(a) == np.signbit(b))
    return (nan_a & nan_b) | (~nan_a & ~nan_b & equal)


def errors(
    got: np.ndarray, exact: np.ndarray, correct: np.ndarray, fmt: dtypes.Format
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ULP error, |got - exact|, that relative to |exact|) per value, all float64."""
    with np.errstate(all="ignore"):
        diff = np.abs(got - exact)
        ulp = diff / fmt.spacing(correct)
        rel = diff / np.abs(exact)
        rel[diff == 0] = 0.0
        # Specials: matching NaNs / infinities are exact; any other mismatch is infinitely off.
        got_special = ~np.isfinite(got)
        exact_special = ~np.isfinite(exact)
        special = got_special | exact_special
        if special.any():
            match = _same_arrays(got, correct) & got_special
            for array in (ulp, diff, rel):
                array[special] = np.where(match[special], 0.0, math.inf)
    return ulp, diff, rel


class _Totals:
    """Running totals over one set of values."""

    def __init__(self) -> None:
        self.count = 0
        self.finite_sum = 0.0
        self.finite_count = 0
        self.max_ulp = 0.0
        self.worst_x: float | None = None
        self.incorrect = 0
        self.max_abs = 0.0
        self.max_rel = 0.0

    def add(
        self, x: np.ndarray, ulp: np.ndarray, diff: np.ndarray, rel: np.ndarray, wrong: np.ndarray
    ) -> None:
        if not ulp.size:
            return
        self.count += ulp.size
        finite = np.isfinite(ulp)
        self.finite_sum += float(ulp[finite].sum())
        self.finite_count += int(finite.sum())
        i = int(np.argmax(ulp))  # the first of the largest
        if ulp[i] > self.max_ulp or self.worst_x is None:
            self.max_ulp = float(ulp[i])
            self.worst_x = float(x[i])
        self.incorrect += int(wrong.sum())
        self.max_abs = max(self.max_abs, float(diff.max()))
        self.max_rel = max(self.max_rel, float(np.nanmax(rel)))

    @property
    def mean(self) -> float:
        return self.finite_sum / self.finite_count if self.finite_count else 0.0


class _Percentiles:
    """Exact percentiles of everything added, until ``EXACT_PERCENTILES`` values; then from a
    histogram with log-spaced bins (a zero bin, 1 % bins from 2^-40 to 2^70, an inf bin)."""

    def __init__(self) -> None:
        self.kept: list[np.ndarray] = []
        self.kept_count = 0
        self.hist: np.ndarray | None = None

    def add(self, ulp: np.ndarray) -> None:
        if self.hist is None:
            self.kept.append(ulp.copy())
            self.kept_count += ulp.size
            if self.kept_count <= EXACT_PERCENTILES:
                return
            self.hist = np.zeros(2 + (_HIST_HIGH - _HIST_LOW) * _BINS_PER_OCTAVE + 1, np.int64)
            kept, self.kept = self.kept, []
            for part in kept:
                self._bin(part)
            return
        self._bin(ulp)

    def _bin(self, ulp: np.ndarray) -> None:
        assert self.hist is not None
        with np.errstate(divide="ignore", invalid="ignore"):
            position = (np.log2(ulp) - _HIST_LOW) * _BINS_PER_OCTAVE
        index = np.clip(np.ceil(position), 1, self.hist.size - 2).astype(np.int64)
        index[ulp == 0] = 0
        index[np.isinf(ulp)] = self.hist.size - 1
        self.hist += np.bincount(index, minlength=self.hist.size)

    @property
    def exact(self) -> bool:
        return self.hist is None

    def values(self) -> dict[str, float]:
        if self.hist is None:
            if not self.kept:
                return {_key(p): 0.0 for p in PERCENTILES}
            every = np.concatenate(self.kept)
            return {
                _key(p): float(np.percentile(every, p, method="inverted_cdf")) for p in PERCENTILES
            }
        cumulative = np.cumsum(self.hist)
        total = int(cumulative[-1])
        out = {}
        for p in PERCENTILES:
            i = int(np.searchsorted(cumulative, math.ceil(p / 100 * total)))
            if i == 0:
                out[_key(p)] = 0.0
            elif i == self.hist.size - 1:
                out[_key(p)] = math.inf
            else:
                out[_key(p)] = 2.0 ** (_HIST_LOW + i / _BINS_PER_OCTAVE)
        return out


def _key(p: float) -> str:
    return f"{p:g}"


def _worst_first(ulp: np.ndarray, wrong: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` worst values, worst first: the largest error, then those not
    correctly rounded, then by position. A partition finds them (a sort of a million-value
    chunk took a quarter of the whole run)."""
    n = ulp.size
    if n <= k:
        candidates = np.arange(n)
    else:
        kth = np.partition(ulp, n - k)[n - k]  # the k-th largest error
        above = np.flatnonzero(ulp > kth)
        ties = np.flatnonzero(ulp == kth)
        # among the ties, the ones not correctly rounded first, each group by position
        ties = np.concatenate([ties[wrong[ties]], ties[~wrong[ties]]])[: k - above.size]
        candidates = np.concatenate([above, ties])
    order = np.lexsort((candidates, ~wrong[candidates], -ulp[candidates]))
    return candidates[order][:k]


class _PlotSample:
    """A bounded sample of (x, ULP error) for plots: every k-th point (k doubles whenever the
    sample outgrows ``PLOT_POINTS``) plus the worst points of each chunk, so spikes survive."""

    def __init__(self, limit: int = PLOT_POINTS) -> None:
        self.limit = limit
        self.stride = 1
        self.index = np.empty(0, np.int64)
        self.x = np.empty(0)
        self.ulp = np.empty(0)
        self.top = np.empty(0, bool)

    def add(self, start: int, x: np.ndarray, ulp: np.ndarray) -> None:
        index = np.arange(start, start + x.size)
        keep = index % self.stride == 0
        top = np.zeros(x.size, bool)
        if x.size:
            worst = _worst_first(ulp, np.zeros(x.size, bool), 64)
            top[worst[ulp[worst] > 0]] = True
        keep |= top
        self.index = np.concatenate([self.index, index[keep]])
        self.x = np.concatenate([self.x, x[keep]])
        self.ulp = np.concatenate([self.ulp, ulp[keep]])
        self.top = np.concatenate([self.top, top[keep]])
        while self.index.size > self.limit and self.stride < 1 << 62:
            self.stride *= 2
            kept = (self.index % self.stride == 0) | self.top
            if kept.sum() > self.limit:  # too many chunk worsts: keep the worst of them
                order = np.argsort(-np.where(self.top, self.ulp, -1.0), kind="stable")
                self.top[order[self.limit // 2 :]] = False
                kept = (self.index % self.stride == 0) | self.top
            for name in ("index", "x", "ulp", "top"):
                setattr(self, name, getattr(self, name)[kept])


class Grader:
    """Grades values chunk by chunk: ``add(x, y)`` any number of times, then ``report()``.

    Args:
        act: the actcli function to grade against (``actcli.get`` / ``actcli.derivative``, with
            ``like`` applied), elementwise.
        params: its parameters, bound (``Spec.bind``).
        label: how the report names it.
        dtype: the dtype of the values (their ULP is the unit); default: the dtype of the first
            values given (float64 for Python lists).
        worst: how many worst cases to keep.
    """

    def __init__(
        self,
        act: Any,
        params: Mapping[str, Any],
        *,
        label: str,
        dtype: str | np.dtype | None = None,
        worst: int = 5,
    ):
        if act.spec.axiswise:
            raise UsageError(
                f"{act.spec.name} is axis-wise: check grades elementwise functions "
                "(value or derivative per input)"
            )
        if isinstance(worst, bool) or not isinstance(worst, int) or worst < 0:
            raise UsageError(f"worst must be a whole number >= 0, got {worst!r}")
        self.act = act
        self.params = dict(params)
        self.label = label
        if isinstance(dtype, str):
            dtype = dtypes.dtype_named(dtype)
        self.fmt = None if dtype is None else dtypes.format_of(dtype)
        self.n_worst = worst
        self.x_fmt: dtypes.Format | None = None
        self.count = 0
        self.totals = _Totals()
        self.regions = {name: _Totals() for name in REGION_NAMES}
        self.percentiles = _Percentiles()
        self.plot = _PlotSample()
        self.worst: list[Case] = []
        spec = act.spec
        self.kinks = tuple(sorted({float(k) for k in spec.kinks(self.params)}))
        self.lo, self.hi = (float(v) for v in spec.plot_xlim)

    # -- input ------------------------------------------------------------------------------

    def add(self, x: Any, y: Any) -> None:
        """Grades one chunk: ``y[i]`` is the implementation's value at ``x[i]``."""
        x, x_fmt = _float_array(x, "x")
        y, y_fmt = _float_array(y, "values")
        if x.size != y.size:
            raise DataError(f"x has {x.size} values but the values graded are {y.size}")
        if self.x_fmt is None:
            self.x_fmt = x_fmt
        if self.fmt is None:
            self.fmt = y_fmt
        elif y_fmt.name != self.fmt.name:
            y = dtypes.cast(dtypes.to_float64(y), self.fmt)
        flat_x, flat_y = x.reshape(-1), y.reshape(-1)
        for start in range(0, flat_x.size, PIECE):
            piece = slice(start, start + PIECE)
            self._add(flat_x[piece], flat_y[piece], x_fmt)

    def _add(self, x: np.ndarray, y: np.ndarray, x_fmt: dtypes.Format) -> None:
        fmt = self.fmt
        assert fmt is not None
        x64 = dtypes.to_float64(x)
        got = dtypes.to_float64(y)
        exact = np.asarray(self.act(x64, **self.params), dtype=np.float64).reshape(-1)
        correct = dtypes.rounded_values(self.act, x64, exact, self.params, fmt)
        ulp, diff, rel = errors(got, exact, correct, fmt)
        wrong = ~_same_arrays(got, correct)
        self.totals.add(x64, ulp, diff, rel, wrong)
        region = self._regions(x64, x_fmt)
        counts = np.bincount(region, minlength=len(REGION_NAMES))
        if counts.max() == region.size:  # one region: no grouping needed
            self.regions[REGION_NAMES[int(region[0])]].add(x64, ulp, diff, rel, wrong)
        else:
            # Grouped by one stable (radix) sort of the small region codes: one gather per
            # array instead of a mask and a copy per region; each group keeps input order.
            order = np.argsort(region, kind="stable")
            parts = [a[order] for a in (x64, ulp, diff, rel, wrong)]
            edges = np.concatenate([[0], np.cumsum(counts)])
            for k, name in enumerate(REGION_NAMES):
                if counts[k]:
                    piece = slice(edges[k], edges[k + 1])
                    self.regions[name].add(*(a[piece] for a in parts))
        self.percentiles.add(ulp)
        self.plot.add(self.count, x64, ulp)
        self._keep_worst(x64, got, exact, correct, ulp, diff, rel, region, wrong)
        self.count += x64.size

    def _regions(self, x: np.ndarray, x_fmt: dtypes.Format) -> np.ndarray:
        region = np.where(x < self.lo, 0, np.where(x > self.hi, 2, 1)).astype(np.int8)
        for k in self.kinks:
            near = np.abs(x - k) <= KINK_ULPS * float(x_fmt.spacing(np.array([k]))[0])
            region[near] = 3
        with np.errstate(invalid="ignore"):
            special = ~np.isfinite(x) | (np.abs(x) < x_fmt.smallest_normal)
        region[special] = 4
        return region

    def _keep_worst(self, x, got, exact, correct, ulp, diff, rel, region, wrong) -> None:
        if not self.n_worst:
            return
        order = _worst_first(ulp, wrong, self.n_worst)
        new = [
            Case(
                self.count + int(i),
                float(x[i]),
                float(got[i]),
                float(exact[i]),
                float(correct[i]),
                float(ulp[i]),
                float(diff[i]),
                float(rel[i]),
                REGION_NAMES[region[i]],
            )
            for i in order
            if ulp[i] > 0 or wrong[i]
        ]
        merged = self.worst + new
        merged.sort(key=lambda c: (-c.ulp, c.correctly_rounded, c.index))
        self.worst = merged[: self.n_worst]

    # -- output -----------------------------------------------------------------------------

    def report(self) -> CheckReport:
        """The report on everything added so far."""
        if not self.count:
            raise DataError("no values to check (empty input)")
        t = self.totals
        labels = self._region_labels()
        regions = tuple(
            Region(
                name,
                labels[name],
                r.count,
                r.max_ulp,
                r.mean,
                r.incorrect,
                r.worst_x,
            )
            for name, r in self.regions.items()
            if r.count
        )
        assert self.fmt is not None
        return CheckReport(
            function=self.label,
            derivative=self.act.which == "prime",
            dtype=self.fmt.name,
            count=self.count,
            max_ulp=t.max_ulp,
            mean_ulp=t.mean,
            percentiles=self.percentiles.values(),
            percentiles_exact=self.percentiles.exact,
            not_correctly_rounded=t.incorrect,
            max_abs_error=t.max_abs,
            max_rel_error=t.max_rel,
            worst=tuple(self.worst),
            regions=regions,
            kinks=self.kinks,
            plot=self.plot,
            x_dtype=self.x_fmt.name if self.x_fmt is not None else "float64",
        )

    def _region_labels(self) -> dict[str, str]:
        kinks = ", ".join(_short(k) for k in self.kinks)
        return {
            "negative_tail": f"x < {_short(self.lo)}",
            "middle": f"{_short(self.lo)} <= x <= {_short(self.hi)}",
            "positive_tail": f"x > {_short(self.hi)}",
            "kinks": f"x = {kinks} (+-{KINK_ULPS} ULP)" if kinks else "kinks",
            "special": "+-0, +-inf, NaN, subnormal x",
        }


def _short(v: float) -> str:
    return f"{v:g}"


def _ulp_text(v: float) -> str:
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    return f"{v:.3g}" if v < 1e6 else f"{v:.3e}"


def _value_text(v: float, dtype: str) -> str:
    return dtypes.shortest_text(v, dtypes.format_named(dtype))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain columns: the first left-aligned, the others right-aligned, two spaces apart."""
    widths = [max(len(r[j]) for r in (header, *rows)) for j in range(len(header))]
    out = []
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return "\n".join(out)


def _float_array(values: Any, what: str) -> tuple[np.ndarray, dtypes.Format]:
    """An array of a float dtype actcli knows (ints and lists become float64), and its Format."""
    array = np.asarray(values)
    if array.dtype.kind in "biu" or array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{what} must be numbers, got dtype {array.dtype}") from exc
    try:
        fmt = dtypes.format_of(array.dtype)
    except UsageError as exc:
        raise UsageError(f"{what}: {exc}") from None
    return array, fmt


# ---------------------------------------------------------------------------------------------
# The public function


def grader_for(
    name: Any,
    *,
    derivative: bool = False,
    like: str | None = None,
    dtype: str | np.dtype | None = None,
    worst: int = 5,
    params: Mapping[str, Any] | None = None,
) -> Grader:
    """A Grader for an activation name (any spelling ``actcli.get`` takes) or ``Activation``."""
    import actcli
    from actcli.registry import Activation

    if isinstance(name, Activation):
        act = actcli.derivative(name) if derivative and name.which == "fn" else name
        spec = act.spec
        bound = spec.bind({**act.bound, **dict(params or {})})
    else:
        act = actcli.derivative(name, like=like) if derivative else actcli.get(name, like=like)
        if not isinstance(act, Activation):
            raise UsageError(f"{name!r} is not an actcli activation")
        spec = act.spec
        bound = spec.bind(dict(params or {}))
    shown = spec.changed_params(bound)
    label = spec.name + ("'" if act.which == "prime" else "")
    label += f"({', '.join(shown)})" if shown else ""
    return Grader(act, bound, label=label, dtype=dtype, worst=worst)


def check(
    name: Any,
    x: Any,
    y: Any,
    *,
    derivative: bool = False,
    like: str | None = None,
    dtype: str | np.dtype | None = None,
    worst: int = 5,
    **params: Any,
) -> CheckReport:
    """Grades an implementation's values ``y`` at inputs ``x`` against actcli's exact values.

    Args:
        name: the activation (any name ``actcli.get`` takes, or an actcli function).
        x: the inputs (any float dtype, bfloat16 and float8 included; ints and lists become
            float64).
        y: the implementation's values at x, same number of elements; their dtype is the unit
            of error (one ULP of it), unless ``dtype`` says otherwise.
        derivative: grade y as the derivative f'(x).
        like: the framework whose definition to grade against (``"torch"``, ``"jax"``, ...).
        dtype: the dtype to grade y in (y is rounded to it first).
        worst: how many of the worst inputs to report.
        **params: the activation's parameters.

    Returns:
        A ``CheckReport``: max / mean / percentile ULP error, how many values are not correctly
        rounded, the worst inputs with their exact values, totals per region of x.

    Raises:
        UsageError: unknown activation or parameter, an axis-wise function, unusable dtypes.
        DataError: x and y of different sizes, or empty.

    >>> import numpy as np
    >>> report = check("relu", np.array([-1.0, 2.0], np.float32), np.array([0.0, 2.0], np.float32))
    >>> report.max_ulp, report.not_correctly_rounded
    (0.0, 0)
    """
    grader = grader_for(
        name, derivative=derivative, like=like, dtype=dtype, worst=worst, params=params
    )
    x_array = np.asarray(x)
    y_array = np.asarray(y)
    if x_array.size != y_array.size:
        raise DataError(f"x has {x_array.size} values but y has {y_array.size}")
    grader.add(x_array, y_array)
    return grader.report()


def check_chunks(grader: Grader, pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> CheckReport:
    """Feeds (x, y) chunks to a grader and returns its report."""
    for x, y in pairs:
        grader.add(x, y)
    return grader.report()


def json_value(value: Any) -> Any:
    """Floats as JSON allows: NaN and infinities as the strings "NaN", "Infinity", "-Infinity"
    (what ``float()`` reads back), recursively through dicts, lists and tuples."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [json_value(v) for v in value]
    return value
