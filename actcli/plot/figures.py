"""matplotlib figures of curves: the look, sizes and limits, axes for extreme values,
legends, the gallery and the flavours figure. matplotlib is imported inside these functions
only, so ``actcli eval`` never pays for it."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import textwrap
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import actcli
from actcli.errors import UsageError
from actcli.termplot import printable

from .sampling import (
    PRIME,
    Curve,
    _base_name,
    _finite,
    changed_params,
    check_range,
    curve,
    example_params,
    staircase,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GALLERY_POINTS = 801
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
    span = _finite_range([x])
    if not span:  # diff --plot -- nan: no x to draw at
        raise UsageError("nothing to draw: every x is NaN or infinite (give finite values)")
    sx = axis_scale(span)
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
            ax.set_xlim(span[0] / sx, span[1] / sx)
            ax.legend(loc="best", fontsize="small")
        ax_f.set_ylabel(_scaled("f\u2032(x)" if derivative else "f(x)", sy_f))
        ax_d.set_ylabel(_scaled("difference", sy_d))
        ax_d.set_xlabel(_scaled("x", sx))
        if title:
            fig.suptitle(_tex_safe(title), fontsize="medium")
    return fig
