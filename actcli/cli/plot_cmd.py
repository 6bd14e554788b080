"""``actcli plot``: figures of activations and their derivatives, as image files or in the terminal.

Parses, then hands everything to ``actcli.plot`` (figures) or ``actcli.termplot`` (text).
matplotlib is imported by ``actcli.plot``'s figure functions only, so ``--term`` never loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

import actcli
from actcli import plot, termplot
from actcli.dtypes import FLOAT_DTYPES
from actcli.errors import UsageError

from .common import (
    activation_command,
    complete_path,
    like_option,
    parse_activations,
    split_tokens,
)
from .streams import require_stdout

# Beyond this a curve gains nothing visible and memory grows; --points 10**9 is a typo.
MAX_POINTS = 1_000_000


def complete_style(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of ``--style``: matplotlib's style names, or a file when the word looks
    like a path."""
    from click.shell_completion import CompletionItem

    if "/" in incomplete or incomplete.startswith(".") or incomplete.endswith(".mplstyle"):
        return [CompletionItem(incomplete, type="file")]
    import matplotlib.style  # lazy: only completion and --style need it

    names = sorted(n for n in matplotlib.style.available if n.startswith(incomplete))
    return [CompletionItem(n) for n in names]


def _check_conflicts(*, term: bool, given: dict[str, bool]) -> None:
    if term:
        clash = [flag for flag, on in given.items() if on]
        if clash:
            raise UsageError(
                f"--term draws text in the terminal; {', '.join(clash)} only apply to image files"
            )


@activation_command(
    "plot",
    short_help="Plot activations and their derivatives (PNG/SVG/PDF or the terminal).",
)
@click.option("--all", "all_", is_flag=True, help="A gallery: one panel for every activation.")
@click.option(
    "--derivative/--no-derivative",
    default=True,
    show_default=True,
    help="Draw the derivative (dashed, in a colour of its own, over the function).",
)
@click.option(
    "--layout",
    type=click.Choice(["overlay", "panels"]),
    default="overlay",
    show_default=True,
    help="Derivative on the same axes, or in a second panel.",
)
@click.option(
    "--xlim",
    nargs=2,
    type=float,
    metavar="LO HI",
    help="x range. Default: each function's own range (their union for several).",
)
@click.option("--ylim", nargs=2, type=float, metavar="LO HI", help="y range. Default: the data's.")
@click.option(
    "--points",
    type=click.IntRange(min=2, max=MAX_POINTS),
    default=plot.DEFAULT_POINTS,
    show_default=True,
    help="Evenly spaced samples; the kinks are added to them.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    shell_complete=complete_path,
    help="Image file; the format comes from the extension (.png, .svg, .pdf, .eps). "
    "Default: NAME.png in the current folder (its path is printed).",
)
@click.option(
    "--dpi",
    type=click.FloatRange(min=int(plot.MIN_DPI)),
    default=None,
    help=f"Dots per inch. Default: {plot.DEFAULT_DPI} ({plot.GALLERY_DPI} for --all).",
)
@click.option(
    "--size",
    nargs=2,
    type=click.FloatRange(min=0, min_open=True),
    metavar="W H",
    help="Figure size in inches. Default: 6.4 4 (10 4 with --layout panels).",
)
@click.option("--title", help="Title of the figure.")
@click.option("--formula", is_flag=True, help="Show the registry's formulas as the title.")
@click.option(
    "--style",
    metavar="NAME",
    shell_complete=complete_style,
    help="A matplotlib style (ggplot, seaborn-v0_8, ...) or a .mplstyle file.",
)
@click.option("--show", is_flag=True, help="Open a window (when there is a display).")
@click.option(
    "--term",
    is_flag=True,
    help="Draw in the terminal (braille dots; colour unless NO_COLOR or piped).",
)
@click.option(
    "--width",
    type=click.IntRange(min=termplot.MIN_WIDTH, max=1000),
    metavar="COLUMNS",
    help="--term: width in columns. Default: the terminal's.",
)
@click.option(
    "--height",
    type=click.IntRange(min=termplot.MIN_HEIGHT, max=500),
    metavar="ROWS",
    help="--term: height in rows. Default: from the width.",
)
@click.option(
    "--dtype",
    type=click.Choice(FLOAT_DTYPES[:2] + FLOAT_DTYPES[3:]),
    metavar="DTYPE",
    help="Also draw each function as this float format gives it (x and f(x) rounded to it): "
    "float16, float32, bfloat16, float8_e4m3fn, float8_e5m2, ...",
)
@like_option
def plot_cmd(
    activations: tuple[str, ...],
    activation_params: dict[str, str],
    all_: bool,
    derivative: bool,
    layout: str,
    xlim: tuple[float, float] | None,
    ylim: tuple[float, float] | None,
    points: int,
    output: str | None,
    dpi: float | None,
    size: tuple[float, float] | None,
    title: str | None,
    formula: bool,
    style: str | None,
    show: bool,
    term: bool,
    width: int | None,
    height: int | None,
    dtype: str | None,
    like: str | None,
) -> None:
    """Plot activation functions and their derivatives.

    Each function is a solid line and its derivative a dashed line in the next colour; kinks
    (relu at 0, relu6 at 0 and 6, ...) are sampled exactly. Parameters: options for a single
    name (actcli plot elu --alpha 0.5), NAME:param=value for several; the same activation may
    appear twice. Axis-wise functions are drawn along one coordinate of a 2-vector:
    softmax([x, 0])[0], log_softmax([x, 0])[0], sparsemax([x, 0])[0], glu([1, x])[0].

    \b
    Examples:
      actcli plot gelu                       # writes gelu.png
      actcli plot elu:alpha=0.5 elu:alpha=2 -o elu.svg
      actcli plot relu6 --layout panels --xlim -2 8 -o relu6.pdf
      actcli plot sigmoid tanh --term
      actcli plot gelu --like jax --term
      actcli plot gelu --dtype float8_e4m3fn   # the staircase that format gives
      actcli plot --all -o gallery.png
    """
    plot.check_range("--xlim", xlim)
    plot.check_range("--ylim", ylim)
    names, values = split_tokens(activations)
    if values:
        raise UsageError(
            f"plot takes activation names, not values (got {values[0]!r}; use --xlim LO HI)"
        )
    _check_conflicts(
        term=term,
        given={
            "-o/--output": output is not None,
            "--show": show,
            "--dpi": dpi is not None,
            "--size": size is not None,
            "--style": style is not None,
        },
    )
    if all_:
        if dtype is not None:
            raise UsageError("--dtype draws named activations, not the --all gallery")
        if names or activation_params or like:
            raise UsageError(
                "--all plots every activation: give no names, parameters or --like with it"
            )
        _gallery(
            derivative=derivative,
            points=points,
            output=output,
            dpi=dpi,
            title=title,
            style=style,
            show=show,
            term=term,
            width=width,
            height=height,
            ylim=ylim,
            xlim=xlim,
        )
        return
    if not names:
        raise UsageError(
            "no activation given (e.g. 'actcli plot gelu', or --all; see 'actcli list')"
        )
    if output is not None:
        plot.check_output(output)  # fail before computing anything
    if term or output is None:
        require_stdout()  # the plot, or the written file's path, goes there
    activated = parse_activations(names, activation_params, like=like)
    curves = plot.curves([(a.spec, a.params) for a in activated], xlim=xlim, points=points)
    if term:
        heading = _term_heading(curves, title, formula, derivative)
        _echo_term(
            curves,
            derivative=derivative,
            width=width,
            height=height,
            ylim=ylim,
            title=heading,
            dtype=dtype,
        )
        return
    interactive = show and plot.has_display()
    fig = plot.figure(
        curves,
        layout=layout,
        derivative=derivative,
        ylim=ylim,
        title=title,
        formula=formula,
        size=size,
        dpi=dpi or plot.DEFAULT_DPI,
        style=style,
        interactive=interactive,
        dtype=dtype,
    )
    # relu.png, elu-alpha=0.5.png, elu_gelu.png: the non-default parameters keep two plots apart.
    stems = [plot.file_stem(c.spec.name, c.spec.changed_params(c.params)) for c in curves]
    _write(fig, output, stems, dpi=dpi, show=show, interactive=interactive)


def _gallery(
    *,
    derivative: bool,
    points: int,
    output: str | None,
    dpi: float | None,
    title: str | None,
    style: str | None,
    show: bool,
    term: bool,
    width: int | None,
    height: int | None,
    ylim: Any,
    xlim: Any,
) -> None:
    if term:
        require_stdout()
        for name in actcli.names():
            spec = actcli.spec(name)
            curves = [plot.curve(spec, plot.example_params(spec), xlim=xlim, points=points)]
            _echo_term(
                curves,
                derivative=derivative,
                width=width,
                height=height,
                ylim=ylim,
                title=curves[0].label,
            )
        return
    if xlim is not None or ylim is not None:
        raise UsageError("--all gives each panel its function's own range: drop --xlim/--ylim")
    if output is not None:
        plot.check_output(output)
    else:
        require_stdout()  # the written file's path goes there
    interactive = show and plot.has_display()
    fig = plot.gallery(
        points=points,
        dpi=dpi or plot.GALLERY_DPI,
        derivative=derivative,
        style=style,
        title=title,
        interactive=interactive,
    )
    _write(fig, output, ["gallery"], dpi=dpi, show=show, interactive=interactive)


def _term_heading(
    curves: list[plot.Curve], title: str | None, formula: bool, derivative: bool
) -> str | None:
    lines = [title] if title else []
    if formula:
        lines += plot.formula_lines(curves, derivative=derivative, width=10_000)
    return "  ".join(lines) or None


def _echo_term(
    curves: list[plot.Curve],
    *,
    derivative: bool,
    width: int | None,
    height: int | None,
    ylim: Any,
    title: str | None,
    dtype: str | None = None,
) -> None:
    text = termplot.plot_curves(
        curves,
        derivative=derivative,
        width=width,
        height=height,
        ylim=ylim,
        color=termplot.use_color(sys.stdout),
        title=title,
        dtype=dtype,
    )
    click.echo(text, nl=False)


def _write(
    fig: Any,
    output: str | None,
    stems: list[str],
    *,
    dpi: float | None,
    show: bool,
    interactive: bool,
) -> None:
    """Saves to -o (or NAME.png, printing its path, when no window was shown)."""
    if output is not None:
        plot.save(fig, output, dpi=dpi)
    if interactive and plot.show(fig):
        return
    if output is None:
        output = plot.default_file_name(stems)
        plot.save(fig, output, dpi=dpi)
        if show:
            click.echo("actcli: no display for --show; wrote the file instead", err=True)
        click.echo(str(Path(output)))
