"""``actcli diff NAME``: one activation under every framework flavour, and where they disagree.

Parses, hands the work to ``actcli.frameworks`` (``evaluate`` once, ``diff_rows`` on the result),
then to one writer: the pairwise table through ``actcli.io`` or, with ``--plot``, a figure through
``actcli.plot``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

from actcli import frameworks, io
from actcli.cli.common import (
    PARAM_PREFIX,
    ActivationCommand,
    BoolParamOption,
    activation_command,
    normalize_token,
    output_options,
    show_value,
    split_spec,
    split_tokens,
)
from actcli.cli.streams import require_stdout
from actcli.errors import UsageError
from actcli.registry import Param, Spec

# Summary numbers: six digits read at a glance (--precision 17 gives them exactly).
DEFAULT_PRECISION = 6

# Points compared at once: every flavour's values and the differences are held together
# (~105 bytes per point: 2 million take ~220 MB), and a figure of more draws slowly (a million
# points took 30 s).
MAX_POINTS = 2_000_000
MAX_PLOT_POINTS = 200_000

COLUMNS = ("a", "b", "max_abs", "x_max_abs", "max_rel", "x_max_rel", "a_value", "b_value", "cause")


def _groups(name: str) -> dict[str, list[tuple[str, Param]]]:
    """actcli parameter name -> [(framework, the flavour's Param)], over every flavour."""
    groups: dict[str, list[tuple[str, Param]]] = {}
    for v in frameworks.flavours(name):
        for p in v.params:
            groups.setdefault(v.rename.get(p.name, p.name), []).append((v.framework, p))
    return groups


def _option(key: str, members: list[tuple[str, Param]], taken: set[str]) -> click.Option:
    """One option for a parameter every flavour names its own way (``--threshold``/``--lambd``),
    its help listing each framework's default."""
    flags = []
    for flag in [key, *(p.name for _, p in members)]:
        text = f"--{normalize_token(flag)}"
        if text not in taken and text not in flags:
            flags.append(text)
    taken.update(flags)
    defaults = ", ".join(
        f"{fw} {'required' if p.required else show_value(p.default)}"
        + (f" ({p.name})" if p.name != key else "")
        for fw, p in members
    )
    first = members[0][1]
    # A bool in every flavour is a flag too (--approximate / --no-approximate).
    is_bool = all(p.type == "bool" for _, p in members)
    cls = BoolParamOption if is_bool else click.Option
    option = cls(
        [PARAM_PREFIX + key, *flags],
        metavar="true|false" if is_bool else "VALUE",
        help=f"{first.help.rstrip('.')}; defaults: {defaults}" if first.help else defaults,
        default=None,
    )
    option.actcli_param = True  # type: ignore[attr-defined]
    return option


class DiffCommand(ActivationCommand):
    """NAME's options are the union of its flavours' parameters, under every framework's name."""

    trailing_param = "values_after_dashdash"

    def dynamic_options(self, name: str, like: str | None) -> tuple[Spec, list[click.Option]]:
        form, _ = frameworks.resolve_name(name)
        spec = frameworks.flavours(form)[0].spec
        taken = {f for p in self.params for f in (*p.opts, *getattr(p, "secondary_opts", []))}
        options = [_option(k, m, taken) for k, m in _groups(form).items()]
        return spec, options

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        click.Command.format_help_text(self, ctx, formatter)
        names = ctx.meta.get("actcli.names") or []
        if len(names) == 1 and ctx.meta.get("actcli.spec") is not None:
            formatter.write_paragraph()
            with formatter.indentation():
                for v in frameworks.flavours(names[0].partition(":")[0]):
                    formatter.write_text(f"{v.title}: {v.signature}")


@activation_command(
    "diff",
    cls=DiffCommand,
    short_help="Compare one activation across Keras, tf.keras, PyTorch and JAX.",
)
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="START:STOP[:STEP]",
    help="Compare at these x (as in eval). Default: the function's plot range, 4001 points, "
    "plus every flavour's kinks.",
)
@click.option(
    "--linspace",
    "linspaces",
    multiple=True,
    nargs=3,
    metavar="START STOP NUM",
    help="NUM evenly spaced x from START to STOP (as in eval).",
)
@click.option("-d", "--derivative", is_flag=True, help="Compare the derivatives instead.")
@click.option(
    "--plot",
    "plot_",
    is_flag=True,
    help="Draw the flavours and their differences instead of the table "
    "(-o FILE.png/.svg/.pdf; default NAME_diff.png, its path is printed).",
)
@click.option(
    "--precision",
    type=click.IntRange(1, 17),
    default=DEFAULT_PRECISION,
    metavar="N",
    help=f"Significant digits of the numbers (default {DEFAULT_PRECISION}; 17 is exact).",
)
@output_options(("table", "csv", "tsv", "json", "jsonl"))
def diff_cmd(
    activations: tuple[str, ...],
    activation_params: dict[str, str],
    values_after_dashdash: tuple[str, ...],
    ranges: tuple[str, ...],
    linspaces: tuple[tuple[str, str, str], ...],
    derivative: bool,
    plot_: bool,
    precision: int,
    fmt: str | None,
    output: str,
) -> None:
    """Evaluate NAME as Keras 3, tf.keras, PyTorch and JAX define it, and show where they differ.

    One row per pair of frameworks: the largest absolute and relative difference, the x where
    each occurs, both values there, and the cause: "defaults" (giving both the same parameters
    removes it), "formula", or for --derivative "convention at kinks". Parameters apply to
    every framework that has them, under actcli's or the framework's name (--lambd or
    --threshold); a framework without that parameter is left out, with a warning.

    \b
    Examples:
      actcli diff gelu
      actcli diff leaky_relu --negative-slope 0.1
      actcli diff hard_sigmoid --range -3:3:0.5
      actcli diff selu --derivative -- 0
      actcli diff gelu --plot -o gelu_diff.png
    """
    names, leading = split_tokens(activations)
    if len(names) != 1:
        raise UsageError(
            "diff compares one activation across frameworks: give one NAME "
            f"(got {len(names)}; e.g. actcli diff gelu)"
        )
    name, params = split_spec(names[0])
    for key, value in activation_params.items():
        if key in params:
            raise UsageError(f"{name}: {key} is given twice (option and {names[0]!r})")
        params[key] = value
    values = [*leading, *values_after_dashdash]
    xs = _points(values, ranges, linspaces, plot=plot_)
    if plot_:
        from actcli import plot  # lazy: matplotlib only for --plot

        if output not in (None, "-"):
            plot.check_output(output)  # fail before computing anything
        require_stdout()  # the file's path is printed
    result = frameworks.evaluate(name, xs, params, derivative=derivative)
    _check_comparable(name, result)
    for _, reason in result["skipped"]:
        if "has no parameter" in reason:
            io.warn(f"{reason}: left out")
    if plot_:
        _plot(name, params, result, output, derivative=derivative, fmt=fmt)
        return
    rows = frameworks.diff_rows(result)
    io.write_output(_table(rows), fmt=fmt, output=output, precision=precision)


def _points(
    values: Sequence[str],
    ranges: Sequence[str],
    linspaces: Sequence[Sequence[str]],
    *,
    plot: bool,
) -> np.ndarray | None:
    if values and (ranges or linspaces):
        raise UsageError("give values or --range/--linspace, not both")
    if values:
        return io.values_from_args(values)
    if not (ranges or linspaces):
        return None
    # diff holds every flavour's values and their differences at once (about 105 bytes per x):
    # 10^8 values took 3.1 GB and ended in MemoryError. io refuses more, before building any.
    limit, why = (
        (MAX_PLOT_POINTS, "diff --plot draws at most that many")
        if plot
        else (MAX_POINTS, "diff holds every flavour's values at once")
    )
    return io.range_values(
        ranges,
        linspaces,
        limit=limit,
        hint=f"{why}: use fewer points, or 'actcli eval NAME --like FRAMEWORK' on a file for more",
    )


def _check_comparable(name: str, result: dict[str, Any]) -> None:
    have = list(result["values"])
    if len(have) >= 2:
        return
    marker = " has no parameter "
    params = [r.split(marker, 1)[1] for _, r in result["skipped"] if marker in r]
    what = f" with {', '.join(dict.fromkeys(params))}" if params else ""
    raise UsageError(
        f"only {have[0]} has {name}{what}: nothing to compare (see 'actcli info {name}')"
    )


def _table(rows: list[dict[str, Any]]) -> io.OutputTable:
    """One row per pair; x and values are NaN where the flavours agree (there is no worst x)."""
    columns = []
    for key in COLUMNS:
        cells = [r[key] for r in rows]
        if key in ("a", "b", "cause"):
            columns.append(io.Column(key, [str(c) for c in cells]))
        else:
            columns.append(io.Column(key, np.asarray(cells, dtype=np.float64)))
    return io.OutputTable(columns)


def _plot(
    name: str,
    params: dict[str, str],
    result: dict[str, Any],
    output: str | None,
    *,
    derivative: bool,
    fmt: str | None,
) -> None:
    from actcli import plot  # lazy: matplotlib only for --plot

    if fmt is not None:
        raise UsageError("--format applies to the table; --plot takes its format from -o's suffix")
    variants = result["variants"]
    # Keras 3's flavour is the registry entry itself: say whose it is in the legend.
    series = [
        (("keras." if fw == "keras" else "") + variants[fw].qualname, y)
        for fw, y in result["values"].items()
    ]
    form = frameworks.home_form(next(iter(variants.values())))
    what = "derivative of " if derivative else ""
    fig = plot.flavours_figure(
        result["x"],
        series,
        title=f"{what}{form} in " + ", ".join(v.title for v in variants.values()),
        derivative=derivative,
    )
    # gelu_diff.png; leaky_relu-negative_slope=0.1_diff.png: the parameters given keep them apart.
    stem = plot.file_stem(form, [f"{k}={v}" for k, v in params.items()]) + "_diff"
    path = output if output not in (None, "-") else plot.default_file_name([stem])
    plot.save(fig, path)
    click.echo(str(Path(path)))
    sys.stdout.flush()
