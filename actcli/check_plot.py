"""Pictures of a ``CheckReport``: ULP error against x, as an image or in the terminal.

The points are the report's bounded sample (every k-th input plus each chunk's worst, see
``checker._PlotSample``), so a plot of a billion inputs still shows every spike. x is on a
log scale (symmetric about 0 when x has both signs) where the inputs span more than three
decades; the kinks are marked; errors that are infinite (a NaN or inf where a number was due)
are drawn at the top in red.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import plot, termplot
from .checker import CheckReport
from .plot.figures import _Look, _new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DECADES = 3.0  # inputs spanning more than this many decades get a log x axis


def _points(report: CheckReport) -> tuple[np.ndarray, np.ndarray]:
    """The sample's finite x, sorted, and their errors."""
    sample = report.plot
    if sample is None:
        return np.empty(0), np.empty(0)
    finite = np.isfinite(sample.x)
    x, ulp = sample.x[finite], sample.ulp[finite]
    order = np.argsort(x, kind="stable")
    return x[order], ulp[order]


def log_threshold(x: np.ndarray) -> float | None:
    """None when most inputs lie within ``DECADES`` decades (a linear axis: the 10th and 90th
    percentiles of |x| are closer than that; a linspace through 0 stays linear), else the |x|
    below which a symmetric log axis turns linear (the smallest nonzero |x|, as a power of 10)."""
    magnitude = np.abs(x[x != 0])
    if magnitude.size < 2:
        return None
    p10, p90 = np.percentile(magnitude, [10, 90])
    if math.log10(p90 / p10) <= DECADES:
        return None
    return 10.0 ** math.floor(math.log10(float(magnitude.min())))


def _title(report: CheckReport) -> str:
    return (
        f"{report.function} in {report.dtype}: max {report.max_ulp:.3g} ULP, "
        f"{report.not_correctly_rounded:,} of {report.count:,} not correctly rounded"
    )


def figure(
    report: CheckReport, *, size: tuple[float, float] = (6.4, 4.0), dpi: float = 200
) -> Figure:
    """A matplotlib figure of the ULP error against x (see the module docstring)."""
    x, ulp = _points(report)
    fig = _new_figure(size, dpi, False, None)
    with _Look(None):
        ax = fig.add_subplot()
        finite = np.isfinite(ulp)
        top = max(float(ulp[finite].max()) if finite.any() else 0.0, 1.0)
        ax.scatter(x[finite], ulp[finite], s=3, linewidths=0, color="C0", label="error")
        if (~finite).any():
            ax.scatter(
                x[~finite],
                np.full((~finite).sum(), top * 1.1),
                s=12,
                marker="x",
                color="C3",
                label="inf (NaN / inf where a number was due, or the reverse)",
            )
        ax.axhline(0.5, color="0.4", linestyle="--", linewidth=0.8, label="0.5 ULP")
        for k in report.kinks:
            ax.axvline(k, color="C2", linestyle=":", linewidth=1.0)
        if report.kinks:
            ax.plot([], [], color="C2", linestyle=":", label="kinks")
        threshold = log_threshold(x)
        if threshold is not None:
            if (x > 0).all():
                ax.set_xscale("log")
            else:
                ax.set_xscale("symlog", linthresh=threshold)
                _decade_ticks(ax, threshold, float(np.abs(x).max()))
        if top > 100:
            ax.set_yscale("symlog", linthresh=1.0)
        else:
            ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("x")
        ax.set_ylabel(f"error (ULP of {report.dtype})")
        ax.set_title(_title(report), fontsize=9)
        ax.legend(loc="upper right", fontsize=7)
    return fig


def _decade_ticks(ax, threshold: float, top: float) -> None:
    """At most about nine ticks on a symmetric log axis, at +-powers of ten (matplotlib's own
    put one at every decade, which overlap across 80 decades)."""
    low, high = round(math.log10(threshold)), math.ceil(math.log10(max(top, threshold)))
    step = max(1, math.ceil((high - low) / 4))
    powers = list(range(high, low + 1, -step))  # none at the threshold: it would crowd 0
    ticks = [-(10.0**k) for k in powers] + [0.0] + [10.0**k for k in reversed(powers)]
    labels = (
        [f"$-10^{{{k}}}$" for k in powers] + ["0"] + [f"$10^{{{k}}}$" for k in reversed(powers)]
    )
    ax.set_xticks(ticks, labels)


def save(report: CheckReport, path: str) -> None:
    """Writes ``figure(report)`` to ``path`` (atomically; the format from its extension)."""
    plot.save(figure(report), path)


def term(
    report: CheckReport,
    *,
    width: int | None = None,
    height: int | None = None,
    color: bool = False,
) -> str:
    """The largest error per column of the terminal, against x (or against
    sign(x) log10(1 + |x| / t) where x spans decades, as the title says)."""
    x, ulp = _points(report)
    if not x.size:
        return "(no finite x to plot)\n"
    threshold = log_threshold(x)
    label = "max error (ULP) per column"
    if threshold is not None:
        t = np.sign(x) * np.log10(1.0 + np.abs(x) / threshold)
        label += f"; x axis: sign(x) log10(1 + |x| / {threshold:g})"
    else:
        t = x
    columns, _ = termplot.terminal_size()
    bins = max(2 * ((width or columns) - 8), 8)
    lo, hi = float(t.min()), float(t.max())
    if hi == lo:
        hi = lo + 1.0
    index = np.minimum(((t - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    finite = np.isfinite(ulp)
    top = max(float(ulp[finite].max()) if finite.any() else 0.0, 1.0)
    shown = np.where(finite, ulp, top)
    peak = np.full(bins, np.nan)
    np.fmax.at(peak, index, shown)
    centers = lo + (np.arange(bins) + 0.5) * (hi - lo) / bins
    series = [termplot.Series(label, centers, peak)]
    return termplot.render(
        series,
        width=width,
        height=height,
        ylim=(0.0, top * 1.05),
        color=color,
        title=_title(report),
        zero_lines=False,
    )
