"""``actcli check``: grade an implementation's values in ULP against actcli's exact ones.

Parses, opens the inputs (x and the values, from one table, two files, or generated inputs and a
values file), feeds them to an ``actcli.checker.Grader`` a chunk at a time (memory stays flat for
any input size), then writes the report (text or JSON) and, if asked, the error plot.
``--max-ulp N`` turns it into a CI gate: the report is written, then the worst case goes to
stderr and the exit code is 1.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator

import click
import numpy as np

from actcli import check_inputs, checker, dtypes, io
from actcli.cli.common import activation_command, like_option, parse_activations, split_tokens
from actcli.core._array import threads as core_threads
from actcli.errors import DataError, UsageError
from actcli.registry import Activation

REPORT_FORMATS = ("text", "json")


@activation_command(
    "check",
    short_help="Grade an implementation's values in ULP (exact reference).",
)
@click.option(
    "-i",
    "--input",
    "input_path",
    metavar="FILE",
    help="The inputs x: .npy, CSV, TSV or text (- for stdin); with --values-column, the "
    "values too.",
)
@click.option(
    "--values",
    "values_path",
    metavar="FILE",
    help="The implementation's values at x, in the same order (.npy, CSV, TSV or text).",
)
@click.option(
    "--x-column",
    metavar="NAME|INDEX",
    help="The column of x in a table (default: the first numeric column).",
)
@click.option(
    "--values-column",
    metavar="NAME|INDEX",
    help="The column of the values in a table (in --input when --values is not given; x is "
    "then --x-column, by default the first column).",
)
@click.option(
    "--exhaustive",
    is_flag=True,
    help="x = every value of --dtype (in --range), ascending: finite ones, +-inf, one NaN "
    "(65,283 for bfloat16, 255 for float8_e4m3fn); float32 and float64 need --range.",
)
@click.option(
    "--sample",
    type=int,
    metavar="N",
    help="x = N distinct random bit patterns of --dtype (in --range), sorted; see --seed.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
@click.option(
    "--range",
    "range_",
    metavar="LO:HI",
    help="Limit --exhaustive / --sample to LO <= x <= HI.",
)
@click.option(
    "--save-inputs",
    metavar="FILE",
    help="Write the --exhaustive / --sample inputs to FILE (.npy in --dtype) and stop: run "
    "your implementation on them, then grade with --values.",
)
@click.option(
    "--dtype",
    type=click.Choice(dtypes.FLOAT_DTYPES),
    metavar="DTYPE",
    help="The values' dtype, whose ULP is the unit (default: the values file's; text is read "
    "as DTYPE). With --exhaustive / --sample, the inputs' too. One of: "
    + ", ".join(dtypes.FLOAT_DTYPES),
)
@click.option("-d", "--derivative", is_flag=True, help="The values are the derivative f'(x).")
@click.option(
    "--max-ulp",
    type=click.FloatRange(min=0),
    metavar="N",
    help="Exit with status 1 when any error exceeds N ULP (the worst case goes to stderr).",
)
@click.option(
    "--worst",
    type=click.IntRange(min=0, max=10_000),
    default=5,
    show_default=True,
    help="How many of the worst inputs to list.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    help="The report's format (default: from -o's suffix, else text).",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    help="Write the report to FILE (atomically), - for stdout.",
)
@click.option(
    "--plot",
    "plot_path",
    metavar="FILE",
    help="Draw the ULP error against x to FILE (.png, .svg, .pdf): log x where the inputs span "
    "decades, kinks marked.",
)
@click.option("--term", is_flag=True, help="Draw the ULP error against x in the terminal too.")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    metavar="N",
    help="Threads for the reference (default: every core). Results do not depend on it.",
)
@like_option
def check_cmd(
    activations: tuple[str, ...],
    activation_params: dict[str, str],
    input_path: str | None,
    values_path: str | None,
    x_column: str | None,
    values_column: str | None,
    exhaustive: bool,
    sample: int | None,
    seed: int,
    range_: str | None,
    save_inputs: str | None,
    dtype: str | None,
    derivative: bool,
    max_ulp: float | None,
    worst: int,
    fmt: str | None,
    output: str,
    plot_path: str | None,
    term: bool,
    threads: int | None,
    like: str | None,
) -> None:
    """Grade an implementation of an activation: how many ULP off are its values?

    x comes from --input (a column of a table, or a .npy) or is generated (--exhaustive,
    --sample); the implementation's values come from --values (or --values-column of the same
    table). actcli computes f(x) exactly and reports the error of each value in ULP of the
    values' dtype: max, mean, percentiles, how many are not correctly rounded, the worst
    inputs with their exact values, and totals by region of x (tails, middle, kinks, special
    values).

    \b
    Examples:
      actcli check gelu -i x.npy --values y.npy
      actcli check sigmoid -i out.csv --x-column x --values-column y --dtype float16
      actcli check gelu --exhaustive --dtype bfloat16 --save-inputs x.npy
      actcli check gelu --exhaustive --dtype bfloat16 --values y.npy --max-ulp 0.5
      actcli check tanh --sample 1000000 --dtype float32 --values y.npy --plot err.png
      actcli check gelu --like torch -d -i x.npy --values dy.npy --format json
    """
    names, values = split_tokens(activations)
    if values:
        raise UsageError(f"check takes x from --input or --exhaustive/--sample, got {values[0]!r}")
    if max_ulp is not None and math.isnan(max_ulp):
        raise UsageError("--max-ulp must be a number >= 0, got nan")
    if input_path == "-" and values_path == "-":
        raise UsageError("--input and --values cannot both read stdin: give one of them a file")
    if len(names) != 1:
        raise UsageError("check grades one activation at a time (e.g. 'actcli check gelu ...')")
    (act,) = parse_activations(names, activation_params, like=like)
    generated = _generated_inputs(
        exhaustive=exhaustive,
        sample=sample,
        seed=seed,
        range_=range_,
        dtype=dtype,
        input_path=input_path,
        x_column=x_column,
    )
    if save_inputs is not None:
        if generated is None:
            raise UsageError("--save-inputs writes the inputs of --exhaustive or --sample")
        if values_path is not None:
            raise UsageError("give --save-inputs (write the inputs) or --values (grade), not both")
        _save_inputs(generated, save_inputs)
        return
    report_format = _report_format(fmt, output)
    if plot_path is not None:
        from actcli import plot as plot_files  # lazy: imports io's writers, not matplotlib

        plot_files.check_output(plot_path)  # before any work
    grader = checker.grader_for(
        Activation(act.spec), derivative=derivative, dtype=dtype, worst=worst, params=act.params
    )
    with core_threads(threads):
        report = checker.check_chunks(
            grader,
            _pairs(
                generated,
                input_path=input_path,
                values_path=values_path,
                x_column=x_column,
                values_column=values_column,
                dtype=dtype,
            ),
        )
    text = (
        json.dumps(checker.json_value(report.to_dict()), indent=2) + "\n"
        if report_format == "json"
        else report.text()
    )
    with io.atomic_output(output, binary=False) as stream:
        stream.write(text)
    if plot_path is not None:
        from actcli import check_plot  # lazy: matplotlib

        check_plot.save(report, plot_path)
    if term:
        from actcli import check_plot, termplot

        click.echo(check_plot.term(report, color=termplot.use_color(sys.stdout)), nl=False)
    if max_ulp is not None and not report.passes(max_ulp):
        raise DataError(report.gate_message(max_ulp))


def _report_format(fmt: str | None, output: str) -> str:
    if fmt is not None:
        return fmt
    if output not in (None, "-") and output.lower().endswith(".json"):
        return "json"
    return "text"


def _parse_range(text: str | None) -> tuple[float | None, float | None]:
    if text is None:
        return None, None
    lo, sep, hi = text.partition(":")
    try:
        if not sep:
            raise ValueError(text)
        return (
            io.parse_number(lo) if lo.strip() else None,
            io.parse_number(hi) if hi.strip() else None,
        )
    except ValueError:
        raise UsageError(
            f"--range takes LO:HI (e.g. -8:8, or :0 for x <= 0), got {text!r}"
        ) from None


def _generated_inputs(
    *,
    exhaustive: bool,
    sample: int | None,
    seed: int,
    range_: str | None,
    dtype: str | None,
    input_path: str | None,
    x_column: str | None,
) -> Iterator[np.ndarray] | None:
    """The chunks of --exhaustive / --sample inputs, or None when x comes from --input."""
    if not exhaustive and sample is None:
        if range_ is not None:
            raise UsageError("--range limits --exhaustive or --sample")
        return None
    if exhaustive and sample is not None:
        raise UsageError("give --exhaustive or --sample N, not both")
    flag = "--exhaustive" if exhaustive else "--sample"
    if input_path is not None or x_column is not None:
        raise UsageError(f"{flag} generates x: drop --input/--x-column")
    if dtype is None:
        raise UsageError(f"{flag} needs --dtype (e.g. --dtype bfloat16)")
    lo, hi = _parse_range(range_)
    if exhaustive:
        if dtype in ("float32", "float64") and range_ is None:
            raise UsageError(
                f"--exhaustive {dtype} needs --range LO:HI (float32 has 4.3e9 values), "
                "or use --sample N"
            )
        check_inputs.count(dtype, lo=lo, hi=hi)  # checks the range now
        chunks = check_inputs.exhaustive(dtype, lo=lo, hi=hi)
        first = next(chunks)  # raises a bad range or size before anything else runs
        return _prepend(first, chunks)
    assert sample is not None
    return iter([check_inputs.sample(dtype, sample, seed=seed, lo=lo, hi=hi)])


def _prepend(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def _save_inputs(chunks: Iterator[np.ndarray], path: str) -> None:
    """Writes the inputs as one .npy, chunk by chunk (the row count is patched in at the end,
    so a float32 range of billions of values never sits in memory)."""
    io.write_output((io.OutputTable([], array=a) for a in chunks), fmt="npy", output=path)


def _pairs(
    generated: Iterator[np.ndarray] | None,
    *,
    input_path: str | None,
    values_path: str | None,
    x_column: str | None,
    values_column: str | None,
    dtype: str | None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(x, values) chunks of equal length, in input order."""
    text_dtype = dtype  # text has no dtype of its own: read it as the values' dtype
    if generated is not None:
        if values_path is None:
            raise UsageError(
                "give --values FILE with the implementation's values at these inputs "
                "(write the inputs first with --save-inputs FILE)"
            )
        yield from _aligned(generated, _column_chunks(values_path, values_column, text_dtype))
        return
    if input_path is None:
        raise UsageError(
            "no inputs: give --input FILE (and --values FILE or --values-column), "
            "or --exhaustive / --sample N with --dtype"
        )
    if values_path is None:
        if values_column is None:
            raise UsageError(
                "where are the values? give --values FILE, or --values-column of --input"
            )
        yield from _two_columns(input_path, x_column, values_column, text_dtype)
        return
    yield from _aligned(
        _column_chunks(input_path, x_column, text_dtype),
        _column_chunks(values_path, values_column, text_dtype),
    )


def _cast_text(data: io.Input, dtype: str | None) -> np.ndarray:
    """Numbers read from text as ``dtype`` (exact when the text came from that dtype); a .npy
    keeps its own."""
    if dtype is None or data.table is None:
        return data.x
    return dtypes.cast(data.x, dtypes.format_named(dtype))


def _column_chunks(path: str, column: str | None, dtype: str | None) -> Iterator[np.ndarray]:
    with io.open_input(input_path=path, columns=[column] if column else ()) as source:
        for data in source.chunks():
            yield _cast_text(data, dtype).reshape(-1)


def _two_columns(
    path: str, x_column: str | None, values_column: str, dtype: str | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    with io.open_input(input_path=path, columns=[x_column or "1", values_column]) as source:
        for data in source.chunks():
            x = _cast_text(data, dtype)
            if x.ndim != 2 or x.shape[1] != 2:
                raise UsageError(f"{source.source}: --values-column needs a table (CSV, TSV, text)")
            yield x[:, 0], x[:, 1]


def _aligned(
    xs: Iterator[np.ndarray], ys: Iterator[np.ndarray]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs two streams of chunks cut at different places: equal-length pieces, in order; a
    DataError when one stream ends before the other."""

    def refill(part: np.ndarray | None, stream: Iterator[np.ndarray]) -> np.ndarray | None:
        while part is None or not part.size:
            part = next(stream, None)
            if part is None:
                return None
            part = part.reshape(-1)
        return part

    done = 0
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    while True:
        x, y = refill(x, xs), refill(y, ys)
        if x is None or y is None:
            x_total = done + (0 if x is None else x.size + sum(a.size for a in xs))
            y_total = done + (0 if y is None else y.size + sum(a.size for a in ys))
            if x_total != y_total:
                raise DataError(f"x has {x_total} values but the values file has {y_total}")
            return
        n = min(x.size, y.size)
        yield x[:n], y[:n]
        done += n
        x, y = x[n:], y[n:]
