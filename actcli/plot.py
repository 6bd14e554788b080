"""Figures of activation functions and their derivatives.

Two layers. ``curve`` samples one activation from the registry (the function and its analytic
derivative, with the spec's kink abscissae inserted into the sample so corners are drawn
exactly); it needs only NumPy, so ``actcli.termplot`` draws the same curves in a terminal without
matplotlib. ``figure``, ``gallery`` and ``save`` turn curves into matplotlib figures; matplotlib
is imported inside them only (``actcli eval`` never pays for it) and figures are plain
``matplotlib.figure.Figure`` objects, so no GUI backend is touched unless ``interactive=True``.

Axis-wise functions (softmax, log_softmax, sparsemax, glu) map vectors to vectors, so a plot
shows one coordinate of a 2-vector as the other stays fixed (see ``slice_of``):

    softmax([x, 0])[0]      = sigmoid(x)
    log_softmax([x, 0])[0]  = log_sigmoid(x)
    sparsemax([x, 0])[0]    = clip((x + 1) / 2, 0, 1)
    glu([1, x])[0]          = sigmoid(x)     (the gate b varies, the value a is 1)

and the dashed curve is the slope of that curve, d/dx, from the spec's Jacobian-vector product
(for glu this is dy/db, not the Jacobian diagonal dy/da that ``actcli.derivative`` returns).

    >>> c = curve("relu6", xlim=(-1.0, 7.0), points=5)
    >>> c.x.tolist()
    [-1.0, 0.0, 1.0, 3.0, 5.0, 6.0, 7.0]
    >>> c.dy.tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import textwrap
import warnings
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import actcli

from .errors import DataError, UsageError
from .io import atomic_output
from .registry import Spec
from .termplot import printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Dense enough that smooth curves look smooth at 300 dpi; kinks are added on top.
DEFAULT_POINTS = 2001
GALLERY_POINTS = 801
FORMATS = ("png", "svg", "pdf", "eps")
DEFAULT_SIZE = (6.4, 4.0)
DEFAULT_DPI = 200
GALLERY_DPI = 110
# Below ~5 dpi FreeType refuses the text sizes ("invalid ppem value"); 10 leaves a margin for
# the gallery's 7 pt ticks. A figure needs a few pixels each way to be an image at all.
MIN_DPI = 10.0
MIN_PIXELS = 10
MAX_PIXELS = 30000
# Pixels in all: matplotlib's Agg buffer takes 4 bytes each (30000 x 30000 px was 3.6 GB).
MAX_AREA = 64_000_000
# matplotlib's transforms and tick locators overflow for axis values near the float64 limit
# (spans above ~4e307 fail with LinAlgError or "arange: cannot compute length"): an axis whose
# values pass this is drawn in units of a power of ten, named in its label ("x (×1e308)").
DRAWABLE = 1e300
# A default range extends past the outermost kink by this fraction of its width.
KINK_MARGIN = 0.15
PRIME = "\u2032"  # the prime sign, f′

# Required parameters have no default, but a gallery panel needs some value. Shown in the title.
EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "threshold": {"threshold": 1.0, "default_value": -1.0},
}
_FALLBACK_EXAMPLE = 1.0

# The look of every figure; a --style given by the user is applied on top and wins.
_BASE_RC: dict[str, Any] = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    # Opaque, the colour grey at alpha 0.35 gave on white: EPS has no transparency (matplotlib
    # said so on every .eps plot).
    "grid.color": "#e3e3e3",
    "grid.alpha": 1.0,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "font.size": 10,
    "figure.constrained_layout.use": True,
    "pdf.fonttype": 42,  # TrueType in PDF/EPS: journals reject Type 3 fonts
    "ps.fonttype": 42,
    "svg.hashsalt": "actcli",  # reproducible SVG ids
}
# Deflate's run-length strategy for PNG: the same pixels, a file ~4% larger, and encoding a
# 1280 x 800 plot (mostly flat colour) takes ~22 ms instead of ~30 ms of a ~0.55 s `plot` run.
# No dates in SVG and PDF: the same plot gives the same bytes (with svg.hashsalt's fixed ids).
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "png": {"pil_kwargs": {"compress_type": zlib.Z_RLE}},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None}},
}


# --- sampling (NumPy only) ---------------------------------------------------------------------


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
    from . import dtypes  # lazy: bfloat16 and float8 import ml_dtypes

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


# --- files -------------------------------------------------------------------------------------


# Longer default names are cut and given a hash: well inside NAME_MAX (255 bytes) with the
# temporary file's affixes.
_NAME_LIMIT = 120


def file_stem(name: str, changed: Sequence[str] = ()) -> str:
    """``elu-alpha=0.5``: an activation and its non-default parameters, for a file name."""
    return "-".join([name, *changed])


def default_file_name(stems: Sequence[str], suffix: str = ".png") -> str:
    """A safe file name from ``file_stem`` parts: ``elu-alpha=0.5_gelu.png``.

    Letters, digits and ``. _ = + , -`` are kept, anything else becomes ``_``; the name never
    starts with ``.`` or ``-`` (a hidden file, an option), and a long one is cut and ends in a
    hash of the whole, so two different plots still get two different files.
    """
    stem = "_".join(dict.fromkeys(stems)) or "plot"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._=+,-") else "_" for ch in stem)
    safe = safe.lstrip(".-") or "plot"
    if len(safe) > _NAME_LIMIT:
        import hashlib  # lazy: only for long names

        digest = hashlib.sha1(stem.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        safe = safe[: _NAME_LIMIT - 11] + "-" + digest
    return safe + suffix


def output_format(path: str | os.PathLike[str]) -> str:
    """The format named by a file's extension; UsageError for anything but FORMATS."""
    suffix = Path(path).suffix.lower().lstrip(".")
    shown = ", ".join("." + f for f in FORMATS)
    if not suffix:
        raise UsageError(f"cannot tell the format of '{path}': give it an extension ({shown})")
    if suffix not in FORMATS:
        raise UsageError(f"unknown image format '.{suffix}' in '{path}' (use {shown})")
    return suffix


def check_output(path: str | os.PathLike[str]) -> str:
    """Checks, before anything is computed, that ``path`` can be written; returns its format.

    Same rules and exit codes as ``actcli.io.atomic_output``, which does the writing: a missing
    folder or a folder given as the file is a usage error, an unwritable folder a data error.
    """
    fmt = output_format(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: folder {folder} is not writable")
    return fmt


def save(fig: Figure, path: str | os.PathLike[str], *, dpi: float | None = None) -> Path:
    """Writes ``fig`` to ``path`` atomically (``actcli.io.atomic_output``: a temp file in the same
    folder, then os.replace), in the format its extension names (FORMATS).

    A reader never sees a half-written image, and a failed write leaves an existing file as it was.

    Raises:
        UsageError: unknown extension, missing folder. DataError: the write failed.
    """
    fmt = check_output(path)
    # The writers read rcParams when they write (pdf.fonttype, svg.hashsalt, a style's
    # savefig.*), so the figure's look is active again here, not only while it was built.
    with _Look(getattr(fig, "_actcli_style", None)):
        with atomic_output(os.fspath(path), binary=True) as stream:
            options = _SAVE_OPTIONS.get(fmt, {})
            fig.savefig(stream, format=fmt, dpi=dpi if dpi is not None else "figure", **options)
    return Path(path)


# --- figures (matplotlib, imported here only) ---------------------------------------------------


def has_display() -> bool:
    """Whether ``--show`` can open a window (a GUI session and no non-interactive MPLBACKEND)."""
    backend = os.environ.get("MPLBACKEND", "").lower()
    if backend in ("agg", "pdf", "ps", "svg", "cairo", "template") or backend.startswith(
        "module://matplotlib_inline"
    ):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class _Look:
    """The rc settings and the user's style, active while a figure is built or written.

    matplotlib's notices are kept from the user meanwhile: its UserWarnings (a layout that does
    not fit a tiny figure, a glyph missing from the font) and its log messages (EPS has no
    transparency, a bad line in ./matplotlibrc). They concern how matplotlib drew, not what.
    """

    def __init__(self, style: str | None):
        self.style = style
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> None:
        with self._stack as stack:
            stack.enter_context(_quiet_matplotlib())
            import matplotlib  # lazy: start-up time

            stack.enter_context(matplotlib.rc_context(_BASE_RC))
            if self.style:
                # Only here: importing matplotlib.style reads all ~30 bundled style files (~7 ms).
                import matplotlib.style

                try:
                    stack.enter_context(matplotlib.style.context(self.style))
                except (OSError, ValueError) as exc:
                    names = ", ".join(sorted(matplotlib.style.available))
                    message = f"unknown matplotlib style {self.style!r} (styles: {names})"
                    raise UsageError(message) from exc
            # Labels are plain text (primes, minus signs): never LaTeX, whatever a style or a
            # ./matplotlibrc says (text.usetex without LaTeX installed failed every plot).
            matplotlib.rcParams["text.usetex"] = False
            self._stack = stack.pop_all()

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)


@contextlib.contextmanager
def _quiet_matplotlib() -> Iterator[None]:
    import logging  # lazy: matplotlib imports it anyway

    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        logger.setLevel(level)


def _palette() -> list[str]:
    # Colours taken now, inside the style: a "C0" string is resolved only when the figure is drawn
    # (saved), after the style context has ended.
    import matplotlib  # lazy: start-up time

    colors = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color")
    return list(colors) if colors else ["#1f77b4", "#ff7f0e"]


def check_figure_size(size: Sequence[float], dpi: float) -> tuple[float, float]:
    """Checks a figure size (inches) and resolution: an image of MIN_PIXELS to MAX_PIXELS each
    way and MAX_AREA in all, at MIN_DPI or more. Returns (width, height)."""
    w, h = (float(v) for v in size)
    if not (w > 0 and h > 0 and math.isfinite(w) and math.isfinite(h)):
        raise UsageError(f"size must be two positive numbers (inches), got {w:g} {h:g}")
    if not (math.isfinite(dpi) and dpi >= MIN_DPI):
        raise UsageError(
            f"dpi must be at least {MIN_DPI:g} (text cannot be drawn smaller), got {dpi:g}"
        )
    px_w, px_h = w * dpi, h * dpi
    if px_w > MAX_PIXELS or px_h > MAX_PIXELS:
        raise UsageError(
            f"a {w:g} x {h:g} in figure at {dpi:g} dpi is too large ({MAX_PIXELS} px max)"
        )
    if px_w * px_h > MAX_AREA:
        raise UsageError(
            f"a {w:g} x {h:g} in figure at {dpi:g} dpi is {px_w:.0f} x {px_h:.0f} px: "
            f"too large ({MAX_AREA // 1_000_000} million px max; lower --dpi or --size)"
        )
    if px_w < MIN_PIXELS or px_h < MIN_PIXELS:
        raise UsageError(
            f"a {w:g} x {h:g} in figure at {dpi:g} dpi is {px_w:.3g} x {px_h:.3g} px: "
            f"too small ({MIN_PIXELS} px min each way)"
        )
    return w, h


def _new_figure(size: Sequence[float], dpi: float, interactive: bool, style: str | None) -> Figure:
    w, h = check_figure_size(size, dpi)
    if interactive:
        import matplotlib.pyplot as plt  # lazy: start-up time; only --show needs a GUI backend

        fig = plt.figure(figsize=(w, h), dpi=dpi)
    else:
        from matplotlib.figure import Figure  # lazy: start-up time

        fig = Figure(figsize=(w, h), dpi=dpi)
    fig._actcli_style = style  # save() writes under the same rc settings and style
    return fig


def _tex_safe(text: str) -> str:
    # matplotlib reads $...$ as mathtext; formulas and labels are plain text.
    return printable(text, newlines=True).replace("$", r"\$")


def _zero_lines(ax: Axes) -> None:
    # Over the grid (zorder 1.5), under every curve: a derivative that is 0 over a stretch
    # (relu) is drawn over the axis, not hidden by it.
    ax.axhline(0.0, color="0.55", linewidth=0.8, zorder=1.75)
    ax.axvline(0.0, color="0.55", linewidth=0.8, zorder=1.75)


def axis_scale(values: Iterable[float], view: Sequence[float] | None = None) -> float:
    """1.0, or the power of ten an axis is drawn in when its values pass DRAWABLE.

    ``view`` (a user's limits) decides when given; otherwise the largest finite value does.
    """
    big = 0.0
    for v in view if view is not None else values:
        v = float(v)
        if math.isfinite(v):
            big = max(big, abs(v))
    if big <= DRAWABLE:
        return 1.0
    return 10.0 ** math.floor(math.log10(big))


def _finite_range(arrays: Iterable[np.ndarray]) -> list[float]:
    """[min, max] of the finite values in the arrays (empty when there are none)."""
    lows, highs = [], []
    for a in arrays:
        finite = a[np.isfinite(a)]
        if finite.size:
            lows.append(float(finite.min()))
            highs.append(float(finite.max()))
    return [min(lows), max(highs)] if lows else []


def _in_view(y: np.ndarray, scale: float, view: tuple[float, float] | None) -> np.ndarray:
    """Values in axis units; with a user's y range, far-away values are brought in to a few
    heights past it (a line leaving the view keeps its direction; matplotlib's transforms
    overflowed on 8e307 in a view of 0..1)."""
    if scale != 1.0:
        y = y / scale
    if view is None:
        return y
    lo, hi = view[0] / scale, view[1] / scale
    reach = 4 * (hi / 2 - lo / 2)  # halves: the height may overflow
    with np.errstate(invalid="ignore"):
        return np.clip(y, _finite(lo - reach), _finite(hi + reach))


def _scaled(label: str, scale: float) -> str:
    return label if scale == 1.0 else f"{label} (\u00d7{scale:.0e})".replace("e+", "e")


def formula_lines(
    curve_list: Sequence[Curve], *, derivative: bool = False, width: int = 80
) -> list[str]:
    """``gelu(x) = x * Phi(x)`` for each distinct activation, wrapped to ``width`` characters."""
    lines: list[str] = []
    seen = set()
    for c in curve_list:
        if c.spec.name in seen or not c.spec.formula:
            continue
        seen.add(c.spec.name)
        pairs = [(f"{c.spec.name}(x)", c.spec.formula)]
        if derivative and c.spec.prime_formula:
            pairs.append((f"{c.spec.name}{PRIME}(x)", c.spec.prime_formula))
        for head, body in pairs:
            lines += textwrap.wrap(f"{head} = {body}", width, subsequent_indent="    ")
    return lines


def figure(
    curve_list: Sequence[Curve],
    *,
    layout: str = "overlay",
    derivative: bool = True,
    ylim: Sequence[float] | None = None,
    title: str | None = None,
    formula: bool = False,
    size: Sequence[float] | None = None,
    dpi: float = DEFAULT_DPI,
    style: str | None = None,
    interactive: bool = False,
    dtype: str | None = None,
) -> Figure:
    """One figure of the curves: each function solid, its derivative dashed above it.

    Each curve has a pair of colours from the style's cycle (C0/C1 for the first, C2/C3 for the
    next, ...): a derivative that coincides with its function or with the zero line (relu'
    left of 0) stays visible, drawn over both.

    Args:
        curve_list: from ``curves``; they share the x range.
        layout: "overlay" (one axes) or "panels" (function left, derivative right).
        derivative: draw f' too.
        ylim: (low, high) for the function axes; automatic otherwise.
        title: a title; with ``formula`` the registry formulas go below it.
        size: (width, height) in inches; dpi: dots per inch (the PNG's pixel size is their product).
        style: a matplotlib style name, applied over actcli's defaults.
        interactive: create the figure through pyplot so ``plt.show`` can display it.
        dtype: also draw each function as that float format gives it (``staircase``).

    Lines carry gids ``f:i``, ``df:i`` and ``q:i`` (i = the curve's index) so tests can find
    them. An axis whose values pass DRAWABLE (about 1e300) is drawn in units of a power of ten
    that its label names.
    """
    if layout not in ("overlay", "panels"):
        raise UsageError(f"layout must be 'overlay' or 'panels', got {layout!r}")
    if not curve_list:
        raise UsageError("no activation to plot")
    ylim = check_range("ylim", ylim)
    panels = layout == "panels" and derivative
    lo, hi = float(curve_list[0].x[0]), float(curve_list[0].x[-1])
    sx = axis_scale((lo, hi))
    f_values = [
        a for c in curve_list for a in (c.y, *((c.dy,) if derivative and not panels else ()))
    ]
    sy_f = axis_scale(_finite_range(f_values), ylim)
    sy_d = axis_scale(_finite_range([c.dy for c in curve_list])) if panels else sy_f
    with _Look(style):
        fig = _new_figure(
            size or ((10.0, 4.0) if panels else DEFAULT_SIZE), dpi, interactive, style
        )
        palette = _palette()
        if panels:
            ax_f, ax_d = fig.subplots(1, 2, sharex=True)
        else:
            ax_f = ax_d = fig.subplots()
        for i, c in enumerate(curve_list):
            x, y = c.line("y")
            ax_f.plot(
                x / sx if sx != 1.0 else x,
                _in_view(y, sy_f, ylim),
                color=palette[2 * i % len(palette)],
                label=_tex_safe(c.label),
                gid=f"f:{i}",
                zorder=2,
            )
            if dtype is not None:
                x, y = staircase(c, dtype)
                ax_f.plot(
                    x / sx if sx != 1.0 else x,
                    _in_view(y, sy_f, ylim),
                    # a colour apart from every curve's pair
                    color=palette[(2 * len(curve_list) + i) % len(palette)],
                    linewidth=1.0,
                    label=_tex_safe(f"{c.label} in {dtype}"),
                    gid=f"q:{i}",
                    zorder=4,
                )
            if derivative:
                x, dy = c.line("dy")
                ax_d.plot(
                    x / sx if sx != 1.0 else x,
                    _in_view(dy, sy_d, None if panels else ylim),
                    color=palette[(2 * i + 1) % len(palette)],
                    linestyle=_dashes(i, len(curve_list)),
                    label=_tex_safe(c.prime_label),
                    gid=f"df:{i}",
                    zorder=3,
                )
        for ax in {ax_f, ax_d}:
            _zero_lines(ax)
            ax.set_xlim(lo / sx, hi / sx)
            ax.set_xlabel(_scaled("x", sx))
        if sy_f != 1.0:
            ax_f.set_ylabel(_scaled("", sy_f).strip(" ()"))
        if panels and sy_d != 1.0:
            ax_d.set_ylabel(_scaled("", sy_d).strip(" ()"))
        if ylim:
            ax_f.set_ylim(ylim[0] / sy_f, ylim[1] / sy_f)
        if panels:
            ax_f.set_title("function", fontsize="medium")
            ax_d.set_title("derivative", fontsize="medium")
            ax_f.legend(loc="best", fontsize="small")
            ax_d.legend(loc="best", fontsize="small")
        elif dtype is not None:
            ax_f.legend(loc="best", fontsize="small")
        else:
            _overlay_legend(ax_f, len(curve_list), derivative)
        heading = [title] if title else []
        if formula:
            width = int(fig.get_figwidth() * 12)  # about 12 characters per inch at 10 pt
            heading += formula_lines(curve_list, derivative=derivative, width=width)
        if heading:
            fig.suptitle(_tex_safe("\n".join(heading)), fontsize="medium")
    return fig


_DASH = 3.7  # matplotlib's "--" dash, in line widths


def _dashes(i: int, n: int) -> Any:
    """Derivative i of n: dashed; for two or three curves the dashes interleave, so derivatives
    that coincide (relu' and relu6' over 0..6) show every colour in turn."""
    if n == 1 or n > 3:
        return "--"
    return (i * _DASH, (_DASH, (n - 1) * _DASH))


def _overlay_legend(ax: Axes, n: int, derivative: bool) -> None:
    if derivative and n > 1:
        # Handles were added f0, f'0, f1, f'1...; reorder so column 1 lists the functions and
        # column 2 their derivatives, row by row.
        handles, labels = ax.get_legend_handles_labels()
        order = list(range(0, 2 * n, 2)) + list(range(1, 2 * n, 2))
        ax.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            ncols=2,
            loc="best",
            fontsize="small",
        )
    else:
        ax.legend(loc="best", fontsize="small")


def gallery(
    names: Sequence[str] | None = None,
    *,
    points: int = GALLERY_POINTS,
    columns: int = 6,
    panel_size: tuple[float, float] = (2.4, 1.95),
    dpi: float = GALLERY_DPI,
    derivative: bool = True,
    style: str | None = None,
    title: str | None = None,
    interactive: bool = False,
) -> Figure:
    """A grid with one panel per activation (every one in the registry by default).

    Each panel shows the function (solid) and its derivative (dashed) on the spec's default range;
    required parameters take ``example_params`` and are shown under the name. Unlike ``figure``
    the derivative has its own colour: in a small panel two colours read faster than one.
    """
    names = list(names) if names is not None else actcli.names()
    if not names:
        raise UsageError("no activation to plot")
    specs = [actcli.spec(n) for n in names]
    columns = max(1, min(columns, len(specs)))
    rows = math.ceil(len(specs) / columns)
    heading = (
        title
        if title is not None
        else (
            f"actcli: {len(specs)} activation functions (solid) and their derivatives (dashed)"
            if derivative
            else f"actcli: {len(specs)} activation functions"
        )
    )
    with _Look(style):
        size = (panel_size[0] * columns, panel_size[1] * rows + 0.5)
        fig = _new_figure(size, dpi, interactive, style)
        palette = _palette()
        axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
        for i, (ax, spec) in enumerate(zip(axes, specs, strict=False)):
            params = example_params(spec)
            c = curve(spec, params, points=points)
            ax.plot(*c.line("y"), color=palette[0], gid=f"f:{i}", zorder=2)
            if derivative:
                second = palette[1 % len(palette)]
                ax.plot(
                    *c.line("dy"),
                    color=second,
                    linestyle="--",
                    linewidth=1.4,
                    gid=f"df:{i}",
                    zorder=3,
                )
            _zero_lines(ax)
            ax.set_xlim(c.x[0], c.x[-1])
            ax.tick_params(labelsize=7, length=2, pad=1.5)
            changed = changed_params(spec, c.params)
            head = _base_name(spec) + ("\n" + ", ".join(changed) if changed else "")
            ax.set_title(_tex_safe(head), fontsize=9, pad=3)
        for ax in axes[len(specs) :]:
            ax.set_visible(False)
        if heading:
            fig.suptitle(_tex_safe(heading), fontsize=12)
    return fig


_NON_INTERACTIVE = ("agg", "cairo", "pdf", "pgf", "ps", "svg", "template")


def show(fig: Figure) -> bool:
    """Opens a window for a figure made with ``interactive=True``; blocks until it is closed.

    Returns False (and shows nothing) when matplotlib ended up with a non-interactive backend,
    e.g. a $DISPLAY but no GUI toolkit installed, so the caller can write a file instead.
    """
    import matplotlib  # lazy: start-up time
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() in _NON_INTERACTIVE:
        plt.close(fig)
        return False
    plt.show()
    plt.close(fig)
    return True


def flavours_figure(
    x: np.ndarray,
    series: Sequence[tuple[str, np.ndarray]],
    *,
    title: str | None = None,
    derivative: bool = False,
    size: Sequence[float] | None = None,
    dpi: float = DEFAULT_DPI,
) -> Figure:
    """``actcli diff --plot``: framework flavours of one function overlaid, and their differences.

    Args:
        x: the common abscissae (sorted).
        series: (label, values) per flavour; the first is the reference of the lower panel.
        title: the figure's title.
        derivative: the values are derivatives (axis labels say so).
        size, dpi: as in ``figure``.

    The upper panel draws every flavour (line styles differ, so curves that coincide stay
    visible); the lower one each flavour minus the first. Lines carry gids ``f:i`` and ``d:i``.
    """
    if len(series) < 2:
        raise UsageError("a comparison needs two flavours or more")
    styles = ("-", "--", ":", "-.")
    ref_label, ref = series[0]
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, and gaps past 1.8e308
        gaps = [np.where(y == ref, 0.0, y - ref) for _, y in series[1:]]
    # An axis past DRAWABLE is drawn in units of a power of ten (diff --range -1e308:1e308:1e307).
    x = np.asarray(x, dtype=float)
    sx = axis_scale(_finite_range([x]))
    sy_f = axis_scale(_finite_range([y for _, y in series]))
    sy_d = axis_scale(_finite_range(gaps))
    with _Look(None):
        fig = _new_figure(size or (6.4, 6.0), dpi, False, None)
        palette = _palette()
        ax_f, ax_d = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        drawn_x = x / sx if sx != 1.0 else x
        for i, (text, y) in enumerate(series):
            color, style = palette[i % len(palette)], styles[i % len(styles)]
            ax_f.plot(
                drawn_x,
                _in_view(y, sy_f, None),
                color=color,
                linestyle=style,
                label=_tex_safe(text),
                gid=f"f:{i}",
            )
            if i:
                ax_d.plot(
                    drawn_x,
                    _in_view(gaps[i - 1], sy_d, None),
                    color=color,
                    linestyle=style,
                    label=_tex_safe(f"{text} \u2212 {ref_label}"),
                    gid=f"d:{i}",
                )
        for ax in (ax_f, ax_d):
            _zero_lines(ax)
            ax.set_xlim(float(drawn_x[0]), float(drawn_x[-1]))
            ax.legend(loc="best", fontsize="small")
        ax_f.set_ylabel(_scaled("f\u2032(x)" if derivative else "f(x)", sy_f))
        ax_d.set_ylabel(_scaled("difference", sy_d))
        ax_d.set_xlabel(_scaled("x", sx))
        if title:
            fig.suptitle(_tex_safe(title), fontsize="medium")
    return fig
