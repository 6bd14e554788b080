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

import dataclasses
import math
import os
import sys
import textwrap
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import actcli

from .errors import DataError, UsageError
from .io import atomic_output
from .registry import Spec

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
    "grid.alpha": 0.35,
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
        xlim: (low, high); defaults to the spec's ``plot_xlim``.
        points: grid points; the kinks inside the range are added (so ``x`` may be longer).
        label_text: legend text; defaults to ``label(spec, params)``.

    Returns:
        A Curve whose ``x`` contains each kink of ``spec.kinks(params)`` within the range.

    Raises:
        UsageError: unknown name, bad parameter, bad range or point count.
    """
    spec = activation if isinstance(activation, Spec) else actcli.spec(activation)
    bound = _plot_params(spec, params)
    lo, hi = check_range("xlim", xlim) or spec.plot_xlim
    points = _check_points(points)
    cut = slice_of(spec)
    every = cut.kinks if cut else spec.kinks(bound)
    kinks = tuple(sorted({float(k) for k in every if lo <= k <= hi}))
    x = np.unique(np.concatenate([np.linspace(lo, hi, points), np.array(kinks, dtype=float)]))
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
    """Samples several activations on one common range (the union of their default ranges).

    Labels that would be equal (the same activation given twice with the same parameters) get
    ``#2``, ``#3`` so the legend still tells them apart.
    """
    if not items:
        raise UsageError("no activation to plot (give a name, or --all)")
    specs = [s if isinstance(s, Spec) else actcli.spec(s) for s, _ in items]
    xlim = check_range("xlim", xlim)
    if xlim is None:
        xlim = (min(s.plot_xlim[0] for s in specs), max(s.plot_xlim[1] for s in specs))
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
    """The rc settings and the user's style, active while a figure is built."""

    def __init__(self, style: str | None):
        self.style = style

    def __enter__(self) -> None:
        import matplotlib  # lazy: start-up time

        self._rc = matplotlib.rc_context(_BASE_RC)
        self._rc.__enter__()
        if self.style:
            # Only here: importing matplotlib.style reads all ~30 bundled style files (~7 ms).
            import matplotlib.style

            try:
                self._style = matplotlib.style.context(self.style)
                self._style.__enter__()
            except (OSError, ValueError) as exc:
                self._rc.__exit__(None, None, None)
                names = ", ".join(sorted(matplotlib.style.available))
                message = f"unknown matplotlib style {self.style!r} (styles: {names})"
                raise UsageError(message) from exc

    def __exit__(self, *exc: object) -> None:
        if self.style:
            self._style.__exit__(*exc)
        self._rc.__exit__(*exc)


def _palette() -> list[str]:
    # Colours taken now, inside the style: a "C0" string is resolved only when the figure is drawn
    # (saved), after the style context has ended.
    import matplotlib  # lazy: start-up time

    colors = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color")
    return list(colors) if colors else ["#1f77b4", "#ff7f0e"]


def _new_figure(size: Sequence[float], dpi: float, interactive: bool, style: str | None) -> Figure:
    w, h = (float(v) for v in size)
    if not (w > 0 and h > 0 and math.isfinite(w) and math.isfinite(h)):
        raise UsageError(f"size must be two positive numbers (inches), got {w:g} {h:g}")
    if not (dpi > 0 and math.isfinite(dpi)):
        raise UsageError(f"dpi must be a positive number, got {dpi:g}")
    if w * dpi > 30000 or h * dpi > 30000:
        raise UsageError(f"a {w:g} x {h:g} in figure at {dpi:g} dpi is too large (30000 px max)")
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
    return text.replace("$", r"\$")


def _zero_lines(ax: Axes) -> None:
    ax.axhline(0.0, color="0.55", linewidth=0.8, zorder=1)
    ax.axvline(0.0, color="0.55", linewidth=0.8, zorder=1)


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
    """One figure of the curves: each function solid, its derivative dashed in the same colour.

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
    them.
    """
    if layout not in ("overlay", "panels"):
        raise UsageError(f"layout must be 'overlay' or 'panels', got {layout!r}")
    if not curve_list:
        raise UsageError("no activation to plot")
    ylim = check_range("ylim", ylim)
    panels = layout == "panels" and derivative
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
            color = palette[i % len(palette)]
            ax_f.plot(*c.line("y"), color=color, label=_tex_safe(c.label), gid=f"f:{i}")
            if dtype is not None:
                ax_f.plot(
                    *staircase(c, dtype),
                    color=palette[(i + len(curve_list)) % len(palette)],  # apart from the curves
                    linewidth=1.0,
                    label=_tex_safe(f"{c.label} in {dtype}"),
                    gid=f"q:{i}",
                )
            if derivative:
                text = c.label if panels else c.prime_label
                ax_d.plot(
                    *c.line("dy"), color=color, linestyle="--", label=_tex_safe(text), gid=f"df:{i}"
                )
        lo, hi = float(curve_list[0].x[0]), float(curve_list[0].x[-1])
        for ax in {ax_f, ax_d}:
            _zero_lines(ax)
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
        if ylim:
            ax_f.set_ylim(*ylim)
        if panels:
            ax_f.set_title("function", fontsize="medium")
            ax_d.set_title("derivative", fontsize="medium")
            ax_f.legend(loc="best", fontsize="small")
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
            ax.plot(*c.line("y"), color=palette[0], gid=f"f:{i}")
            if derivative:
                second = palette[1 % len(palette)]
                ax.plot(*c.line("dy"), color=second, linestyle="--", linewidth=1.4, gid=f"df:{i}")
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
    with _Look(None):
        fig = _new_figure(size or (6.4, 6.0), dpi, False, None)
        palette = _palette()
        ax_f, ax_d = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        for i, (text, y) in enumerate(series):
            color, style = palette[i % len(palette)], styles[i % len(styles)]
            ax_f.plot(x, y, color=color, linestyle=style, label=_tex_safe(text), gid=f"f:{i}")
            if i:
                with np.errstate(invalid="ignore"):  # inf - inf where both are infinite
                    gap = np.where(y == ref, 0.0, y - ref)
                ax_d.plot(
                    x,
                    gap,
                    color=color,
                    linestyle=style,
                    label=_tex_safe(f"{text} \u2212 {ref_label}"),
                    gid=f"d:{i}",
                )
        for ax in (ax_f, ax_d):
            _zero_lines(ax)
            ax.set_xlim(float(x[0]), float(x[-1]))
            ax.legend(loc="best", fontsize="small")
        ax_f.set_ylabel("f\u2032(x)" if derivative else "f(x)")
        ax_d.set_ylabel("difference")
        ax_d.set_xlabel("x")
        if title:
            fig.suptitle(_tex_safe(title), fontsize="medium")
    return fig
