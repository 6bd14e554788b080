"""``actcli eval``: parse, open one input, evaluate it chunk by chunk, write as it goes.

Rows are independent for elementwise functions and for axis-wise ones whose axis is not the
first, so the input is read, evaluated and written a block of rows at a time (memory stays flat
whatever the input size, and the bits are those of one call on the whole array). Otherwise
(``--jacobian``, a single vector for softmax) the core is called once on the whole input.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click
import numpy as np

import actcli
from actcli import io
from actcli.cli.common import (
    Activated,
    ActivationCommand,
    activation_command,
    complete_path,
    derivative_label,
    like_option,
    output_options,
    parse_activations,
    split_tokens,
)
from actcli.core._array import threads as core_threads
from actcli.errors import UsageError

# The largest Jacobian --jacobian builds: n values need n * n * 8 bytes (20,000 values: 3.2 GB).
MAX_JACOBIAN_BYTES = 250_000_000
# The widest row text output writes (inputs and results): each column costs an object.
MAX_TEXT_COLUMNS = 250_000


class EvalCommand(ActivationCommand):
    trailing_param = "values_after_dashdash"


@activation_command("eval", cls=EvalCommand, short_help="Evaluate activations on numbers.")
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="START:STOP[:STEP]",
    help="Values from START to STOP (included when a whole number of steps) by STEP (default 1).",
)
@click.option(
    "--linspace",
    "linspaces",
    multiple=True,
    nargs=3,
    metavar="START STOP NUM",
    help="NUM evenly spaced values from START to STOP, both included. "
    "Several --range/--linspace give their sorted union.",
)
@click.option(
    "-i",
    "--input",
    "input_path",
    metavar="FILE",
    shell_complete=complete_path,
    help="Read CSV, TSV, whitespace-separated text or .npy from FILE (- for stdin). "
    "Data piped in is read when no other source is given.",
)
@click.option(
    "--input-format",
    type=click.Choice(io.INPUT_FORMATS),
    help="Input format (default: .npy by its header, else the suffix, else the first line).",
)
@click.option(
    "-c",
    "--column",
    "columns",
    multiple=True,
    metavar="NAME|INDEX",
    help="The x column(s), by header name or 1-based index (repeat or comma-separate). "
    "Default: the first numeric column; for softmax-like functions every numeric column.",
)
@click.option(
    "--missing",
    type=click.Choice(io.MISSING_CHOICES),
    default="keep",
    show_default=True,
    help="An empty or NA cell (NA, N/A, null, None, ...) in an x column of text input: keep the "
    "row with empty results (NaN in .npy, null in JSON), skip the row, or stop with an error.",
)
@click.option(
    "--header/--no-header",
    default=None,
    help="Whether the input's first row is a header (default: detected).",
)
@click.option("-d", "--derivative", is_flag=True, help="Add the derivative column(s).")
@click.option(
    "--jacobian",
    is_flag=True,
    help="Print the full Jacobian of an axis-wise function (softmax, ...) for one vector: "
    "row i holds d y_i / d x_j.",
)
@click.option(
    "--dtype",
    type=click.Choice(io.DTYPES),
    metavar="DTYPE",
    help="Compute in this float type, rounding x and each result once (default: the input's; "
    "float64 for text): " + ", ".join(io.DTYPES) + ".",
)
@click.option(
    "--precision",
    type=int,
    metavar="N",
    help="Print N significant digits (default: the shortest text that reads back exactly).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    metavar="N",
    help="Threads for large arrays (default: every core). Results do not depend on it.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bar (shown on a terminal for long runs)."
)
@like_option
@output_options(io.FORMATS)
def eval_cmd(
    activations: tuple[str, ...],
    activation_params: dict[str, str],
    values_after_dashdash: tuple[str, ...],
    ranges: tuple[str, ...],
    linspaces: tuple[tuple[str, str, str], ...],
    input_path: str | None,
    input_format: str | None,
    columns: tuple[str, ...],
    header: bool | None,
    missing: str,
    derivative: bool,
    jacobian: bool,
    dtype: str | None,
    precision: int | None,
    threads: int | None,
    quiet: bool,
    fmt: str | None,
    output: str,
    like: str | None,
) -> None:
    """Evaluate one or more activations (and derivatives) on numbers.

    NAME is an activation (see 'actcli list'); its parameters are options (see
    'actcli eval NAME --help'), or part of the name: NAME:param=value,...
    Put negative values after --.

    \b
    Examples:
      actcli eval relu --negative-slope 0.5 -- -10 -5 0 5 10
      actcli eval relu gelu silu --linspace -3 3 7
      actcli eval leaky_relu:negative_slope=0.1 elu:alpha=0.5 --range -2:2:0.5 -d
      actcli eval softmax -i logits.csv -o probs.csv
      actcli eval softmax --jacobian -- 1 2 3
      actcli eval gelu --like jax -- 1
      actcli eval softshrink --lambd 0.3 -- -1 1
      seq -5 5 | actcli eval sigmoid --format json
    """
    names, leading_values = split_tokens(activations)
    acts = parse_activations(names, activation_params, like=like)
    if derivative and jacobian:
        raise UsageError("give --derivative or --jacobian, not both")
    if jacobian and len(acts) > 1:
        raise UsageError("--jacobian takes one activation")
    axiswise = any(a.spec.axiswise for a in acts)
    with (
        io.open_input(
            values=[*leading_values, *values_after_dashdash],
            ranges=ranges,
            linspaces=linspaces,
            input_path=input_path,
            input_format=input_format,
            columns=columns,
            header=header,
            all_numeric=axiswise,
            dtype=dtype,
            missing=missing,
        ) as source,
        core_threads(threads),
    ):
        whole = jacobian or not _rows_are_independent(acts, source.ndim, source.chunk_axis)
        with _progress(source, fmt=fmt, output=output, quiet=quiet) as advance:
            tables = _tables(
                acts, source, whole=whole, jacobian=jacobian, derivative=derivative, advance=advance
            )
            io.write_output(
                tables,
                fmt=fmt,
                output=output,
                precision=precision,
                rows=None if whole else source.rows,
                axis=0 if whole else source.chunk_axis,
            )


def _rows_are_independent(acts: Sequence[Activated], ndim: int, chunk_axis: int = 0) -> bool:
    """Whether blocks along ``chunk_axis`` (rows; the values of a (1, N) row) can be evaluated
    apart: true for elementwise functions, and for axis-wise ones working along another axis;
    false when a parameter array (a per-channel PReLU slope) broadcasts along that axis."""
    for act in acts:
        arrays = [v for v in act.params.values() if isinstance(v, np.ndarray)]
        if any(a.ndim >= max(ndim - chunk_axis, 1) for a in arrays):
            return False
        if not act.spec.axiswise:
            continue
        axis = act.params.get("axis", -1)
        if ndim < 1 or not isinstance(axis, int) or not -ndim <= axis < ndim:
            return False
        if axis % ndim == chunk_axis:
            return False
    return True


def _tables(
    acts: Sequence[Activated],
    source: io.InputSource,
    *,
    whole: bool,
    jacobian: bool,
    derivative: bool,
    advance: Callable[[int], None],
) -> Iterator[io.OutputTable]:
    for data in source.chunks(whole=whole):
        if jacobian:
            yield _jacobian_table(acts[0], data)
        else:
            yield _value_table(acts, data, derivative=derivative)
        advance(data.done)


@contextlib.contextmanager
def _progress(
    source: io.InputSource, *, fmt: str | None, output: str, quiet: bool
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long runs on a terminal (see ``io.progress_wanted``); yields
    the function that moves it to a chunk's ``done``."""
    to_stdout = output in (None, "-")
    chosen = io.output_format_for(fmt, output, stdout_is_tty=to_stdout and io.is_tty(sys.stdout))
    seconds = source.estimated_seconds(text_output=chosen != "npy")
    if source.total is None or not io.progress_wanted(
        quiet=quiet, stream=sys.stderr, seconds=seconds
    ):
        yield lambda done: None
        return
    from actcli.io.terminal import progress_bar

    color = io.color_wanted(sys.stderr)
    label = f"actcli eval: {os.path.basename(source.source)}"  # escaped by progress_bar
    with progress_bar(source.total, label, sys.stderr, color=color) as advance:
        yield advance


def _evaluate(acts: Sequence[Activated], data: io.Input, *, derivative: bool) -> list[Any]:
    """(label, array, missing) per result column group: the core is called once per chunk of
    rows; ``missing`` marks the results of missing inputs (NaN in the array), or is None."""
    x = data.x
    results = []
    for act in acts:
        mask = _missing_results(act, data.missing)
        results.append((act.label, actcli.get(act.spec.name)(x, **act.params), mask))
        if derivative:
            prime = actcli.derivative(act.spec.name)(x, **act.params)
            results.append((derivative_label(act), prime, mask))
    return [(label, _blanked(np.asarray(y), mask), mask) for label, y, mask in results]


def _missing_results(act: Activated, missing: np.ndarray | None) -> np.ndarray | None:
    """Where an activation's results come from missing inputs: the same cells for elementwise
    functions, the whole vector for axis-wise ones."""
    if missing is None or not missing.any():
        return None
    if not act.spec.axiswise:
        return missing
    axis = act.params.get("axis", -1)
    try:
        return np.any(missing, axis=axis, keepdims=True)
    except (ValueError, TypeError, np.exceptions.AxisError):
        return np.full((1,) * missing.ndim, True)


def _blanked(y: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None or y.dtype.kind != "f":
        return y
    return np.where(mask, np.array(np.nan, y.dtype), y)  # NaN in .npy; empty cells in text


def _input_columns(data: io.Input, x: np.ndarray) -> list[io.Column]:
    """The columns the output repeats: every cell of a text table, else x itself."""
    if data.table is not None:
        table = data.table
        return [io.Column(name, table.column(j)) for j, name in enumerate(table.names)]
    if x.ndim <= 1:
        return [io.Column(data.x_names[0], x.reshape(-1))]
    return [io.Column(name, x[:, j]) for j, name in enumerate(data.x_names)]


def _result_columns(
    label: str, y: np.ndarray, x_names: Sequence[str], mask: np.ndarray | None
) -> list[io.Column]:
    if mask is not None:
        mask = np.broadcast_to(mask, y.shape)
    if y.ndim <= 1:
        flat = None if mask is None else mask.reshape(-1)
        return [io.Column(label, y.reshape(-1), flat)]
    width = y.shape[1]
    names = x_names if width == len(x_names) else [str(j + 1) for j in range(width)]  # glu: half
    return [
        io.Column(f"{label}[{name}]", y[:, j], None if mask is None else mask[:, j])
        for j, name in enumerate(names)
    ]


def _npy_array(arrays: Sequence[np.ndarray]) -> np.ndarray:
    if len(arrays) == 1:
        return np.asarray(arrays[0])
    if len({a.shape for a in arrays}) != 1:
        raise UsageError("results of different shapes cannot share one .npy; run them one by one")
    return np.stack(arrays, axis=-1)


def _value_table(acts: Sequence[Activated], data: io.Input, *, derivative: bool) -> io.OutputTable:
    results = _evaluate(acts, data, derivative=derivative)
    arrays = [y for _, y, _ in results]
    try:
        array = _npy_array(arrays)
    except UsageError as exc:
        array, npy_error = None, str(exc)
    else:
        npy_error = None
    # A row or column of values, (1, N) or (N, 1), is shown as a list: one value per row.
    x = data.x.reshape(-1) if data.vector else data.x
    shown = [(label, y.reshape(-1) if data.vector else y, mask) for label, y, mask in results]
    text_error = _text_error(data, x, [y for _, y, _ in shown])
    if text_error:
        return io.OutputTable([], array=array, npy_error=npy_error, text_error=text_error)
    columns = [c for label, y, mask in shown for c in _result_columns(label, y, data.x_names, mask)]
    rows = 1 if x.ndim == 0 else x.shape[0]
    if any(len(c) != rows for c in columns):
        # glu halves its axis: the inputs cannot sit beside the results, so they are left out.
        if len({len(c) for c in columns}) != 1:
            return io.OutputTable(
                [],
                array=array,
                npy_error=npy_error,
                text_error="these results have different lengths: evaluate them one at a time",
            )
        return io.OutputTable(columns, data.names_known, array=array, npy_error=npy_error)
    inputs = _input_columns(data, x)
    names = [c.name for c in inputs]
    key = names.index(data.x_names[0]) if data.x_names and data.x_names[0] in names else 0
    return io.OutputTable(
        inputs + columns, data.names_known, array=array, npy_error=npy_error, key=key
    )


def _text_error(data: io.Input, x: np.ndarray, ys: Sequence[np.ndarray]) -> str | None:
    """Why these results cannot be written as text, or None (checked before any column is
    made: a row of 10^7 values must not become 10^7 column objects)."""
    if x.ndim > 2 or any(np.ndim(y) > 2 for y in ys):
        return (
            f"{data.source} has shape {data.x.shape}: text formats take 1-D or 2-D input; "
            "use --format npy or -o FILE.npy"
        )
    width = len(data.table.names) if data.table is not None else (x.shape[1] if x.ndim == 2 else 1)
    width += sum(y.shape[1] if y.ndim == 2 else 1 for y in ys)
    if width > MAX_TEXT_COLUMNS:
        return (
            f"{data.source}: rows of {width:,} cells (inputs and results), more than the "
            f"{MAX_TEXT_COLUMNS:,} text output takes; use --format npy or -o FILE.npy"
        )
    return None


def _check_jacobian_size(act: Activated, x: np.ndarray) -> None:
    """Refuses a Jacobian too large to build, before building it."""
    axis = act.params.get("axis", -1)
    try:
        n = x.shape[axis] if x.ndim else 1
    except (IndexError, TypeError):
        return  # a bad axis: the core says so
    itemsize = x.dtype.itemsize if x.dtype.kind == "f" else 8
    needed = x.size * n * itemsize
    if needed > MAX_JACOBIAN_BYTES:
        vectors = x.size // max(n, 1)
        times = f"{vectors:,} × " if vectors > 1 else ""
        raise UsageError(
            f"--jacobian of {times}{n:,} values needs {times}{n:,}² × {itemsize} bytes = "
            f"{io.size_text(needed)}, more than {io.size_text(MAX_JACOBIAN_BYTES)}; give fewer "
            "values, or use actcli.jvp in Python for products with the Jacobian"
        )


def _jacobian_table(act: Activated, data: io.Input) -> io.OutputTable:
    _check_jacobian_size(act, data.x)
    jac = np.asarray(actcli.jacobian(act.spec.name)(data.x, **act.params))
    missing = data.missing is not None and bool(data.missing.any())
    if missing:  # a vector with a missing cell has no Jacobian: every entry empty (NaN in .npy)
        jac = np.full_like(jac, np.nan)
    matrix = jac[0] if jac.ndim == 3 and jac.shape[0] == 1 else jac
    if matrix.ndim != 2:
        return io.OutputTable(
            [],
            array=jac,
            text_error=(
                f"--jacobian prints one vector's Jacobian; {data.source} holds "
                f"{jac.shape[0]} vectors: select one row, or use --format npy for all"
            ),
        )
    if len(data.x_names) == 1:  # one column of values, or a .npy row or column of them
        wrt = [f"{data.x_names[0]}{j + 1}" for j in range(matrix.shape[1])]
    else:
        wrt = list(data.x_names)
    blank = np.full(matrix.shape[0], True) if missing else None
    columns = [io.Column(f"d/d{name}", matrix[:, j], blank) for j, name in enumerate(wrt)]
    return io.OutputTable(columns, True, array=jac)
