"""actcli.termplot: width, shape, breaks, colour rules; never imports matplotlib."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np
import pytest

import actcli
from actcli import plot, termplot
from actcli.termplot import Series, render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def dots(text: str) -> np.ndarray:
    """The braille rows of a plot decoded into a boolean dot grid (rows down, columns right)."""
    rows = [
        line.split("│", 1)[-1].split("┤", 1)[-1]
        for line in text.splitlines()
        if ("│" in line or "┤" in line)
    ]
    grid = np.zeros((4 * len(rows), 2 * len(rows[0])), dtype=bool)
    bit_of = [
        (0, 0, 0x01),
        (1, 0, 0x02),
        (2, 0, 0x04),
        (3, 0, 0x40),
        (0, 1, 0x08),
        (1, 1, 0x10),
        (2, 1, 0x20),
        (3, 1, 0x80),
    ]
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            code = ord(ch) - 0x2800
            if 0 <= code < 0x100:
                for dr, dc, bit in bit_of:
                    grid[4 * r + dr, 2 * c + dc] = bool(code & bit)
    return grid


def top_rows(grid: np.ndarray) -> np.ndarray:
    """For each dot column, the row of its highest dot (-1 if empty)."""
    has = grid.any(axis=0)
    return np.where(has, grid.argmax(axis=0), -1)


@pytest.mark.parametrize("width", [24, 40, 57, 80, 133])
def test_every_line_has_the_requested_width(width):
    curves = plot.curves([("elu", {"alpha": 2.0}), ("relu6", None)], points=301)
    text = termplot.plot_curves(curves, width=width, title="a title longer than some widths ever")
    assert all(len(line) == width for line in text.splitlines())
    coloured = termplot.plot_curves(curves, width=width, color=True)
    assert "\x1b[" in coloured
    assert all(len(ANSI.sub("", line)) == width for line in coloured.splitlines())


def test_width_defaults_to_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "71")
    monkeypatch.setenv("LINES", "40")
    text = termplot.plot_curves(plot.curves([("tanh", None)], points=101))
    assert {len(line) for line in text.splitlines()} == {71}


def test_sigmoid_is_low_left_and_high_right():
    c = plot.curves([("sigmoid", None)], points=401)
    text = termplot.plot_curves(c, width=60, height=12, derivative=False)
    grid = dots(
        render(termplot.series_of(c, derivative=False), width=60, height=12, zero_lines=False)
    )
    top = top_rows(grid)
    h = grid.shape[0]
    edge = grid.shape[1] // 10
    assert (top[:edge] >= 0.9 * h).all()  # left: near the bottom
    assert (top[-edge:] <= 0.1 * h).all() and (top[-edge:] >= 0).all()  # right: near the top
    assert np.all(np.diff(top[top >= 0]) <= 0)  # never goes down: monotone increasing
    assert text.splitlines()[-1].startswith("━━ sigmoid")


def test_a_decreasing_line_is_drawn_decreasing():
    x = np.linspace(0.0, 1.0, 50)
    grid = dots(render([Series("down", x, 1 - x)], width=40, height=8, zero_lines=False))
    top = top_rows(grid)
    assert top[0] == 0 and top[-1] == grid.shape[0] - 1
    assert (top >= 0).all()  # a connected line: a dot in every column


def test_jumps_are_not_joined():
    # threshold(threshold=0, default_value=-1): -1 up to 0, then x; nothing drawn in between.
    c = plot.curves(
        [("threshold", {"threshold": 0.0, "default_value": -1.0})], xlim=(-1, 1), points=201
    )
    grid = dots(
        render(
            termplot.series_of(c, derivative=False),
            width=44,
            height=10,
            ylim=(-1, 1),
            zero_lines=False,
        )
    )
    h, w = grid.shape
    middle = grid[int(0.2 * h) : int(0.8 * h), : w // 2 - 2]  # left half, between the two levels
    assert not middle.any()


def test_dashed_derivative_and_legend():
    c = plot.curves([("relu", None)], xlim=(-2, 2), points=101)
    text = termplot.plot_curves(c, width=50, height=8)
    assert "━━ relu" in text and "╍╍ relu′" in text
    dashed = dots(
        render([Series("d", *c[0].line("dy"), dashed=True)], width=50, height=8, zero_lines=False)
    )
    solid = dots(render([Series("d", *c[0].line("dy"))], width=50, height=8, zero_lines=False))
    assert 0 < dashed.sum() < solid.sum()  # the same line with gaps


def test_values_beyond_ylim_are_clipped():
    c = plot.curves([("exponential", None)], xlim=(-2, 8), points=201)
    text = termplot.plot_curves(c, width=40, height=6, ylim=(0, 2))
    assert all(len(line) == 40 for line in text.splitlines())
    assert dots(text).any()


def test_colour_rules(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert termplot.use_color(Tty()) is True
    assert termplot.use_color(io.StringIO()) is False  # piped
    monkeypatch.setenv("NO_COLOR", "1")
    assert termplot.use_color(Tty()) is False


def test_too_narrow_is_a_usage_error():
    with pytest.raises(actcli.UsageError, match="at least 24 columns"):
        termplot.plot_curves(plot.curves([("relu", None)]), width=10)


def test_axiswise_and_every_activation_render():
    for name in actcli.names():
        spec = actcli.spec(name)
        c = [plot.curve(spec, plot.example_params(spec), points=101)]
        text = termplot.plot_curves(c, width=40)
        assert dots(text).any(), name


def test_termplot_never_imports_matplotlib():
    code = (
        "import sys\n"
        "from actcli import plot, termplot\n"
        "print(termplot.plot_curves(plot.curves([('gelu', None)]), width=40))\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


# --- the derivative stands out; extreme ranges (issues 12 and 13) -------------------------------


def _codes(line: str) -> list[str]:
    return re.findall(r"\x1b\[([0-9;]*)m", line)


def test_derivative_has_its_own_colour():
    curves = plot.curves([("relu", None), ("elu", None)], points=101)
    series = termplot.series_of(curves)
    colours = [s.color for s in series]
    assert len(set(colours)) == 4 and [s.dashed for s in series] == [False, True, False, True]
    text = termplot.plot_curves(curves, width=60, color=True)
    legend = text.splitlines()[-1]
    assert len({c for c in _codes(legend) if c != "0"}) == 4, legend


def test_without_colour_a_derivative_on_the_zero_line_stays_dashed():
    """leaky_relu' is 0.3 left of 0 and 1 right of it; relu' is 0 left of 0, on the zero line:
    between its dashes there must be gaps, not the axis' dots."""
    x = np.linspace(-4.0, 4.0, 401)
    zero = Series("d", x, np.zeros_like(x), dashed=True)
    text = render([zero], width=60, height=5, ylim=(-1.0, 1.0), color=False)
    row = next(line for line in text.splitlines() if "⠤" in line or "⠒" in line or "⠉" in line)
    cells = row.split("│", 1)[-1].split("┤", 1)[-1]
    runs = re.findall(r"[^ ]+| +", cells)
    assert any(r.startswith(" ") for r in runs[1:-1]), row  # empty gaps between the dashes
    axis_only = render([], width=60, height=5, xlim=(-4, 4), ylim=(-1.0, 1.0), color=False)
    assert axis_only != text


@pytest.mark.parametrize(
    ("xlim", "ylim"),
    [
        ((-1e308, 5e-324), None),
        ((-1.7e308, 1.7e308), None),
        (None, (-1e308, 1e308)),
        (None, (-sys.float_info.max, sys.float_info.max)),
        ((0.0, 5e-324), (0.0, 5e-324)),
        ((1.0, 1.0 + 2**-52), None),
    ],
)
def test_extreme_ranges_draw_without_warnings(xlim, ylim):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = plot.curves([("relu", None), ("exponential", None)], xlim=xlim, points=3)
        text = termplot.plot_curves(curves, width=50, ylim=ylim)
    assert all(len(line) == 50 for line in text.splitlines())


def test_title_control_characters_are_escaped():
    curves = plot.curves([("relu", None)], points=11)
    text = termplot.plot_curves(curves, width=40, title="a\x1b[2Jb\x01")
    assert "\x1b" not in text and text.splitlines()[0].startswith("a\\x1b[2Jb\\x01")
