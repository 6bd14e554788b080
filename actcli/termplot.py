"""Plots in the terminal: Unicode braille dots, ANSI colour, no matplotlib.

Each character cell holds a 2 x 4 grid of braille dots, so an 80-column terminal gives about
150 x 64 dots. Lines are rasterized between consecutive samples (clipped to the plot box) and
broken at NaN, so jumps stay jumps. Dashed series (derivatives) skip every other run of dots,
which tells them apart without colour; the dotted zero lines leave the cells next to a curve
empty, so a derivative lying on an axis still reads as dashes. Every output line is exactly
``width`` columns wide.

    >>> import numpy as np
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> text = render([Series("x", x, x)], width=24, height=3, color=False, zero_lines=False)
    >>> [len(line) for line in text.splitlines()]
    [24, 24, 24, 24, 24, 24]
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

import numpy as np

from .errors import UsageError
from .errors import printable as escape_controls

if TYPE_CHECKING:
    from .plot import Curve

MIN_WIDTH = 24
MIN_HEIGHT = 3
_BRAILLE = 0x2800
# Dot bit for (column 0/1, row 0..3) inside a cell (Unicode braille pattern numbering).
_DOT = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.int64)
# Basic ANSI colours, readable on dark and light backgrounds: blue, red, green, magenta, cyan,
# yellow. Curve i uses 2i for the function and 2i + 1 for its derivative.
_COLORS = ("34", "31", "32", "35", "36", "33")
_DIM = "90"
_DASH = 4  # dots on, dots off, along a dashed line


@dataclass(frozen=True)
class Series:
    """One line to draw: samples (NaN breaks the line), a legend label, a colour index."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: int = 0
    dashed: bool = False


def use_color(stream: IO[str] | None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_size() -> tuple[int, int]:
    """(columns, lines) of the terminal, or of $COLUMNS/$LINES, or 80 x 24."""
    size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines


def series_of(curves: Sequence[Curve], *, derivative: bool = True) -> list[Series]:
    """The lines of ``actcli.plot`` curves: each function solid, its derivative dashed in the
    next colour (blue and red, then green and magenta, ...), as in the image plots."""
    out = []
    for i, c in enumerate(curves):
        out.append(Series(c.label, *c.line("y"), color=2 * i))
        if derivative:
            out.append(Series(c.prime_label, *c.line("dy"), color=2 * i + 1, dashed=True))
    return out


def _span(lo: float, hi: float) -> float:
    """hi - lo, or half of it when the whole overflows (then ``_unit`` halves the rest too)."""
    return hi - lo if math.isfinite(hi - lo) else hi / 2 - lo / 2


def _unit(v: np.ndarray | float, lo: float, hi: float) -> np.ndarray | float:
    """Where v sits from lo (0) to hi (1), without overflow for ranges up to +-1.8e308."""
    if math.isfinite(hi - lo):
        return (v - lo) / (hi - lo)
    return (v / 2 - lo / 2) / (hi / 2 - lo / 2)


def _limits(values: list[np.ndarray]) -> tuple[float, float]:
    """The data's range widened to multiples of a round step (1, 2, 2.5 or 5 x 10^k); the data's
    own range where rounding cannot work (a width in subnormals, or ends near 1.8e308)."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        pad = max(abs(lo) * 0.1, 0.5)
        lo, hi = max(lo - pad, -sys.float_info.max), min(hi + pad, sys.float_info.max)
    raw = _span(lo, hi) / 8
    if raw < 1e-300:
        return lo, hi
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    # The 1e-9 slack keeps 1.0000000000000002 from rounding up to the next step.
    low = math.floor(lo / step + 1e-9) * step
    high = math.ceil(hi / step - 1e-9) * step
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        return lo, hi
    return low, high


def _clip(x0: float, y0: float, x1: float, y1: float, w: float, h: float):
    """Liang-Barsky: the part of the segment inside [-0.5, w - 0.5] x [-0.5, h - 0.5], or None."""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 + 0.5), (dx, w - 0.5 - x0), (-dy, y0 + 0.5), (dy, h - 0.5 - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy


def _raster(px: np.ndarray, py: np.ndarray, w: int, h: int) -> list[tuple[int, int]]:
    """The dots of a polyline in dot coordinates (y down), in drawing order."""
    dots: list[tuple[int, int]] = []
    ok = np.isfinite(px) & np.isfinite(py)
    for i in range(px.size):
        if not ok[i]:
            continue
        if i + 1 < px.size and ok[i + 1]:
            seg = _clip(px[i], py[i], px[i + 1], py[i + 1], w, h)
        elif (i == 0 or not ok[i - 1]) and -0.5 <= px[i] <= w - 0.5 and -0.5 <= py[i] <= h - 0.5:
            seg = (px[i], py[i], px[i], py[i])  # an isolated point
        else:
            continue
        if seg is None:
            continue
        a, b, c, d = seg
        steps = int(max(abs(c - a), abs(d - b))) + 1
        t = np.linspace(0.0, 1.0, steps + 1)
        cols = np.clip(np.rint(a + t * (c - a)).astype(int), 0, w - 1)
        rows = np.clip(np.rint(b + t * (d - b)).astype(int), 0, h - 1)
        for col, row in zip(cols.tolist(), rows.tolist(), strict=True):
            if not dots or dots[-1] != (col, row):
                dots.append((col, row))
    return dots


def _ticks(lo: float, hi: float) -> list[float]:
    ticks = [lo, hi]
    if lo < 0 < hi and min(-lo, hi) > 0.12 * (hi - lo):
        ticks.insert(1, 0.0)
    return ticks


def _num(v: float) -> str:
    text = f"{v:.3g}"
    return "0" if text == "-0" else text.replace("-", "\u2212")


def render(
    series: Sequence[Series],
    *,
    width: int | None = None,
    height: int | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    color: bool = False,
    title: str | None = None,
    zero_lines: bool = True,
) -> str:
    """Draws the series as braille text, every line exactly ``width`` columns wide.

    Args:
        series: the lines (see ``series_of``).
        width: total columns; the terminal's width by default.
        height: rows of dots (4 dots each); from the width and the terminal height by default.
        xlim, ylim: ranges; the data's by default.
        color: wrap each series' dots in ANSI colour codes (decide with ``use_color``).
        title: a first line (cut to the width).
        zero_lines: dim dotted lines through x = 0 and y = 0, where no curve is drawn.

    Returns:
        The plot with a trailing newline: optional title, rows, x axis, x labels, legend.
    """
    cols, lines = terminal_size()
    width = cols if width is None else int(width)
    if width < MIN_WIDTH:
        raise UsageError(f"a terminal plot needs at least {MIN_WIDTH} columns, got {width}")
    xs = [np.asarray(s.x, dtype=float) for s in series]
    ys = [np.asarray(s.y, dtype=float) for s in series]
    x_lo, x_hi = (float(v) for v in xlim) if xlim is not None else _limits(xs)
    if xlim is None and xs:  # the data's own range, without padding
        finite = np.concatenate([x[np.isfinite(x)] for x in xs])
        if finite.size and finite.min() < finite.max():
            x_lo, x_hi = float(finite.min()), float(finite.max())
    y_lo, y_hi = (float(v) for v in ylim) if ylim is not None else _limits(ys)

    y_labels = {v: _num(v) for v in _ticks(y_lo, y_hi)}
    margin = max(len(t) for t in y_labels.values())
    plot_cols = width - margin - 2  # "label" + " " + axis char + cells
    if height is None:
        # Braille dots are about square, so a 4:1 cell ratio keeps shapes undistorted.
        height = max(MIN_HEIGHT, min(round(plot_cols / 4), lines - 6, 24))
    height = int(height)
    if height < MIN_HEIGHT:
        raise UsageError(f"a terminal plot needs a height of at least {MIN_HEIGHT}, got {height}")
    w, h = 2 * plot_cols, 4 * height

    def to_px(x: np.ndarray) -> np.ndarray:
        return _unit(x, x_lo, x_hi) * (w - 1)

    def to_py(y: np.ndarray) -> np.ndarray:
        return (1.0 - _unit(y, y_lo, y_hi)) * (h - 1)

    bits = np.zeros((height, plot_cols), dtype=np.int64)
    owner = np.full((height, plot_cols), -1)
    with np.errstate(all="ignore"):  # inf samples become inf dot coordinates, then are dropped
        for k, (s, x, y) in enumerate(zip(series, xs, ys, strict=True)):
            for n, (col, row) in enumerate(_raster(to_px(x), to_py(y), w, h)):
                if s.dashed and (n // _DASH) % 2:
                    continue
                bits[row // 4, col // 2] |= _DOT[col % 2, row % 4]
                owner[row // 4, col // 2] = k
    axis_bits = np.zeros_like(bits)
    if zero_lines:
        if y_lo < 0 < y_hi:
            row = int(round(float(to_py(np.array(0.0)))))
            for col in range(0, w, 2):
                axis_bits[row // 4, col // 2] |= _DOT[col % 2, row % 4]
        if x_lo < 0 < x_hi:
            col = int(round(float(to_px(np.array(0.0)))))
            for row in range(0, h, 2):
                axis_bits[row // 4, col // 2] |= _DOT[col % 2, row % 4]

    # No axis dots in or next to a curve's cells: a dashed derivative lying on the zero line
    # (relu' left of 0) keeps empty gaps between its dashes, so without colour it still reads
    # as dashes, not as the dotted axis.
    drawn = bits > 0
    near = drawn.copy()
    near[:, 1:] |= drawn[:, :-1]
    near[:, :-1] |= drawn[:, 1:]
    axis_bits[near] = 0

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color and text.strip() else text

    def cell_code(r: int, c: int) -> str:
        if bits[r, c]:
            return _COLORS[series[owner[r, c]].color % len(_COLORS)]
        return _DIM if axis_bits[r, c] else ""

    label_rows = {int(round(float(to_py(np.array(v))))) // 4: t for v, t in y_labels.items()}
    out = []
    if title:
        out.append(_fit(title, width))
    shown = np.where(bits > 0, bits, axis_bits)
    for r in range(height):
        text = "".join(chr(_BRAILLE + int(v)) if v else " " for v in shown[r])
        # One colour code per run of same-coloured cells, not per cell.
        runs, start = [], 0
        for c in range(1, plot_cols + 1):
            if c == plot_cols or cell_code(r, c) != cell_code(r, start):
                code = cell_code(r, start)
                runs.append(paint(text[start:c], code) if code else text[start:c])
                start = c
        tick = "┤" if r in label_rows else "│"
        out.append(label_rows.get(r, "").rjust(margin) + " " + tick + "".join(runs))
    out.append(" " * margin + " └" + "─" * plot_cols)
    out.append(" " * (margin + 2) + _x_labels(x_lo, x_hi, plot_cols))
    out += _legend(series, width, paint)
    return "\n".join(out) + "\n"


def _x_labels(lo: float, hi: float, cols: int) -> str:
    line = [" "] * cols
    left, right = _num(lo), _num(hi)
    line[: len(left)] = left
    line[cols - len(right) :] = right
    if lo < 0 < hi:
        zero = round(_unit(0.0, lo, hi) * (cols - 1))
        if len(left) < zero < cols - len(right) - 1:
            line[zero] = "0"
    return "".join(line[:cols])


def _legend(series: Sequence[Series], width: int, paint) -> list[str]:
    items = [
        (("╍╍ " if s.dashed else "━━ ") + printable(s.label), _COLORS[s.color % len(_COLORS)])
        for s in series
    ]
    rows: list[list[tuple[str, str]]] = [[]]
    used = 0
    for text, code in items:
        text = text[: width - 1] if len(text) > width - 1 else text
        need = len(text) + (2 if rows[-1] else 0)
        if rows[-1] and used + need > width:
            rows.append([])
            used, need = 0, len(text)
        rows[-1].append((text, code))
        used += need
    lines = []
    for row in rows:
        plain = "  ".join(t for t, _ in row)
        shown = "  ".join(paint(t, c) for t, c in row)
        lines.append(shown + " " * (width - len(plain)))
    return lines


def _fit(text: str, width: int) -> str:
    text = printable(text)
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


def printable(text: str, *, newlines: bool = False) -> str:
    """Text as given, for a title or a legend: control characters as escapes (``a\\x01b``;
    ``actcli.errors.printable``: a terminal would obey them, fonts have no glyph for them), and
    a lone surrogate (an argument's undecodable byte) as ``\\udcff``, which no stream nor
    font can take. ``newlines`` keeps line breaks (a figure's title may have several lines).
    """
    parts = text.split("\n") if newlines else [text]
    shown = "\n".join(escape_controls(part) for part in parts)
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def plot_curves(
    curves: Sequence[Curve],
    *,
    derivative: bool = True,
    width: int | None = None,
    height: int | None = None,
    ylim: Sequence[float] | None = None,
    color: bool = False,
    title: str | None = None,
    dtype: str | None = None,
) -> str:
    """``render`` for curves from ``actcli.plot.curves`` (on their common x range); with
    ``dtype``, each function also as that float format gives it (``actcli.plot.staircase``)."""
    if not curves:
        raise UsageError("no activation to plot")
    xlim = (float(curves[0].x[0]), float(curves[0].x[-1]))
    if not math.isfinite(xlim[0]) or not math.isfinite(xlim[1]):
        raise UsageError(f"x range must be finite, got {xlim}")
    series = series_of(curves, derivative=derivative)
    if dtype is not None:
        from .plot import staircase

        for i, c in enumerate(curves):
            series.append(Series(f"{c.label} in {dtype}", *staircase(c, dtype), color=i + 3))
    return render(
        series,
        width=width,
        height=height,
        xlim=xlim,
        ylim=ylim,
        color=color,
        title=title,
    )
