"""Output: computed tables (``OutputTable``), numbers formatted exactly, and one writer per
format (``write_output``)."""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from actcli.errors import UsageError

from .atomic import atomic_output, writes_in_place
from .npy import NpyChunks
from .table import TableRenderer
from .terminal import color_wanted, is_tty, printable, terminal_width

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "npy")
_OUTPUT_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".npy": "npy",
    ".txt": "table",
}
# Rows per chunk when writing text: large enough to amortise Python overhead, small in memory.
WRITE_CHUNK_ROWS = 1 << 14
# Rows per block of a table: its column widths are those of the widest cells in the block.
TABLE_BLOCK_ROWS = 1 << 14


def format_floats(values: np.ndarray, precision: int | None = None) -> list[str]:
    """Floats as text: the shortest round-trip repr of their own dtype, or ``precision``
    significant digits. ``-0.0``, ``nan``, ``inf`` and ``-inf`` read back with ``float()``."""
    flat = np.asarray(values).reshape(-1)
    if precision is not None:
        spec = f".{precision}g"
        return [format(v, spec) for v in flat.astype(np.float64).tolist()]
    if flat.dtype == np.float64:
        return list(map(float.__repr__, flat.tolist()))
    if getattr(flat.dtype.type, "__module__", "") == "ml_dtypes":
        return _low_precision_texts(flat)
    # float16 / float32: NumPy's str is the shortest text that round-trips in that dtype.
    return list(map(str, flat))


def _low_precision_texts(flat: np.ndarray) -> list[str]:
    """bfloat16 / float8 as the shortest text that reads back to the same value in that format
    (``actcli.dtypes.shortest_text``), worked out once per distinct value."""
    from actcli import dtypes

    fmt = dtypes.format_of(flat.dtype)
    codes = flat.view(f"u{flat.dtype.itemsize}")
    distinct, where = np.unique(codes, return_inverse=True)
    with np.errstate(invalid="ignore"):  # NaN codes
        values = distinct.view(flat.dtype).astype(np.float64).tolist()
    texts = [dtypes.shortest_text(v, fmt) for v in values]
    return [texts[i] for i in where.tolist()]


# A missing result ("" in text) is null; NaN and the infinities, which JSON has no numbers for,
# are the strings Python's float() and JavaScript's Number() read back.
_JSON_SPECIAL = {"": "null", "nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}
# RFC 8259's number, ASCII digits only: such a cell is written as it is (7, 1.50, 2e3, and
# integers of any size); anything else (007, +1, .5, 1_000, nan) is text and stays a string.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def json_number(text: str) -> str:
    """A formatted float as JSON: finite numbers as they are, NaN and infinities as strings
    ("NaN", "Infinity", "-Infinity", which Python's float() reads back), missing as null."""
    return _JSON_SPECIAL.get(text, text)


@dataclass
class Column:
    """One output column: floats (formatted by the writer) or text cells passed through.

    ``missing`` marks the results of missing inputs: written as empty cells (null in JSON).
    """

    name: str
    values: np.ndarray | list[str]
    missing: np.ndarray | None = None

    @property
    def is_text(self) -> bool:
        return isinstance(self.values, list)

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class OutputTable:
    columns: list[Column]
    has_header: bool = True
    array: np.ndarray | None = None  # what npy output writes (the results only)
    # Why this result cannot be written as text / as npy (raised only when that format is asked).
    text_error: str | None = None
    npy_error: str | None = None
    # The column(s) a table too wide for the terminal repeats in each block of columns (x).
    key: int | tuple[int, ...] = 0

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def text_chunks(
        self, precision: int | None, rows: int = WRITE_CHUNK_ROWS
    ) -> Iterator[list[list[str]]]:
        """Formatted cells, column by column, in chunks of ``rows`` rows."""
        for start in range(0, self.n_rows, rows):
            yield [_cells(c, start, start + rows, precision) for c in self.columns]


def _cells(column: Column, start: int, stop: int, precision: int | None) -> list[str]:
    if column.is_text:
        return column.values[start:stop]  # type: ignore[return-value]
    cells = format_floats(column.values[start:stop], precision)  # type: ignore[arg-type]
    if column.missing is not None:
        for i in np.flatnonzero(column.missing[start:stop]).tolist():
            cells[i] = ""
    return cells


def output_format_for(fmt: str | None, output: str | None, *, stdout_is_tty: bool) -> str:
    """--format, else the -o suffix (csv for a name without one, such as /dev/stdout), else
    table on a terminal, csv otherwise.

    Raises:
        UsageError: -o has a suffix no format goes by (plot.png, s.xlsx) and no --format.
    """
    if fmt:
        return fmt
    if output in (None, "-"):
        return "table" if stdout_is_tty else "csv"
    suffix = os.path.splitext(output)[1]
    if not suffix:
        return "csv"
    if suffix.lower() not in _OUTPUT_SUFFIXES:
        known = ", ".join(_OUTPUT_SUFFIXES)
        raise UsageError(
            f"-o {printable(output)}: unknown suffix {printable(suffix)!r} (known: {known}); "
            "give --format to write that name anyway"
        )
    return _OUTPUT_SUFFIXES[suffix.lower()]


class TextWriter:
    """Base of the text writers: ``write(chunk)`` takes column-wise cells; ``close()`` ends."""

    def __init__(
        self, stream: IO[str], names: list[str], text_columns: list[bool], *, has_header: bool
    ):
        self.stream = stream
        self.names = names
        self.text_columns = text_columns
        self.has_header = has_header

    def write(self, columns: list[list[str]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class DelimitedWriter(TextWriter):
    delimiter = ","

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.writer = csv.writer(self.stream, delimiter=self.delimiter, lineterminator="\n")
        if self.has_header:
            self.writer.writerow(self.names)
        # What makes the csv module quote a cell; formatted numbers never hold any of these.
        self.specials = (self.delimiter, '"', "\r", "\n")

    def write(self, columns: list[list[str]]) -> None:
        if any(
            self._needs_quotes(cells)
            for cells, is_text in zip(columns, self.text_columns, strict=True)
            if is_text or len(columns) == 1  # one column: a missing result must be quoted
        ):
            self.writer.writerows(zip(*columns, strict=True))
            return
        # No cell needs quoting, so the csv module would just join them: do that in bulk.
        lines = map(self.delimiter.join, zip(*columns, strict=True))
        self.stream.write("\n".join(lines) + "\n" if columns and columns[0] else "")

    def _needs_quotes(self, cells: list[str]) -> bool:
        blob = "\x00".join(cells)
        return any(s in blob for s in self.specials) or (len(self.names) == 1 and "" in cells)


class TSVWriter(DelimitedWriter):
    delimiter = "\t"


def _json_cell(text: str, is_text: bool) -> str:
    if not is_text:
        return json_number(text)
    # Passed-through cells keep their type: a number in JSON's own syntax as it is (an integer
    # of any size stays that integer), anything else as a string ("007" stays "007").
    if _JSON_NUMBER.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class JSONLinesWriter(TextWriter):
    """One JSON object per row, keyed by column name."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.keys = [json.dumps(n, ensure_ascii=False) + ": " for n in self.names]

    def records(self, columns: list[list[str]]) -> Iterator[str]:
        for row in zip(*columns, strict=True):
            yield (
                "{"
                + ", ".join(
                    key + _json_cell(cell, is_text)
                    for key, cell, is_text in zip(self.keys, row, self.text_columns, strict=True)
                )
                + "}"
            )

    def write(self, columns: list[list[str]]) -> None:
        self.stream.writelines(record + "\n" for record in self.records(columns))


class JSONWriter(JSONLinesWriter):
    """A JSON array of row objects."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.first = True
        self.stream.write("[")

    def write(self, columns: list[list[str]]) -> None:
        for record in self.records(columns):
            self.stream.write(("\n  " if self.first else ",\n  ") + record)
            self.first = False

    def close(self) -> None:
        self.stream.write("\n]\n" if not self.first else "]\n")


class TableWriter(TextWriter):
    """An aligned table, written a block of rows at a time (see ``TableRenderer``)."""

    def __init__(
        self,
        *args: Any,
        color: bool = False,
        width: int | None = None,
        escape: bool = False,
        key: int | tuple[int, ...] = 0,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.renderer = TableRenderer(
            self.names,
            self.text_columns,
            self.stream,
            width=width,
            key=key,
            escape=escape,
            color=color,
            rule=_rule_for(self.stream),
        )

        self.pending: list[list[list[str]]] = []
        self.pending_rows = 0

    def write(self, columns: list[list[str]]) -> None:
        # Chunks are gathered into blocks of TABLE_BLOCK_ROWS rows, so column widths rest on
        # many rows (a text input's first chunk is its first row alone).
        self.pending.append(columns)
        self.pending_rows += len(columns[0]) if columns else 0
        if self.pending_rows >= TABLE_BLOCK_ROWS:
            self._flush()

    def close(self) -> None:
        self._flush()
        self.renderer.close()

    def _flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending, self.pending_rows = self.pending, [], 0
        if len(pending) == 1:
            self.renderer.block(pending[0])
            return
        width = len(pending[0])
        self.renderer.block(
            [list(itertools.chain.from_iterable(p[j] for p in pending)) for j in range(width)]
        )


def _rule_for(stream: Any) -> str:
    """The line under a header: box drawing, or "-" where the encoding has no such character
    (PYTHONIOENCODING=ascii)."""
    try:
        "\u2500".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "-"
    return "\u2500"


WRITERS: dict[str, type[TextWriter]] = {
    "csv": DelimitedWriter,
    "tsv": TSVWriter,
    "json": JSONWriter,
    "jsonl": JSONLinesWriter,
    "table": TableWriter,
}


def write_output(
    tables: OutputTable | Iterable[OutputTable],
    *,
    fmt: str | None = None,
    output: str | None = None,
    precision: int | None = None,
    rows: int | None = None,
    axis: int = 0,
) -> None:
    """Writes a computed table, or the tables of successive chunks of rows, with the one writer
    their format names (see ``WRITERS``; npy: ``NpyChunks``).

    The output is opened when the first table arrives, so a table's ``text_error`` or
    ``npy_error`` (and a bad --precision) are raised before anything is written; later chunks
    stream out. ``rows`` is the total along ``axis``, the axis the chunks run along, when known
    (a .npy header needs it).
    """
    if isinstance(tables, OutputTable):
        tables = [tables]
    to_stdout = output in (None, "-")
    fmt = output_format_for(fmt, output, stdout_is_tty=to_stdout and is_tty(sys.stdout))
    with contextlib.ExitStack() as stack:

        def open_stream(binary: bool) -> IO[Any]:
            return stack.enter_context(atomic_output(output, binary=binary))

        writer: Any = None
        for table in tables:
            if writer is None:
                in_place = writes_in_place(output)
                writer = _writer_for(
                    table, fmt, to_stdout, precision, open_stream, rows, in_place, axis
                )
            if fmt == "npy":
                writer.write(table.array if table.array is not None else _stack_results(table))
            else:
                for chunk in table.text_chunks(precision):
                    writer.write(chunk)
        if writer is not None:
            writer.close()


def _stack_results(table: OutputTable) -> np.ndarray:
    return np.stack([np.asarray(c.values) for c in table.columns if not c.is_text], axis=-1)


def _writer_for(
    table: OutputTable,
    fmt: str,
    to_stdout: bool,
    precision: int | None,
    open_stream: Callable[[bool], IO[Any]],
    rows: int | None,
    in_place: bool = False,
    axis: int = 0,
) -> Any:
    """The writer for ``fmt``, after checking that this table can be written that way."""
    if fmt == "npy":
        if table.npy_error:
            raise UsageError(table.npy_error)
        text = [c.name for c in table.columns if c.is_text]
        if table.array is None and text:
            raise UsageError(
                f"this table's columns {', '.join(map(repr, text))} hold text, which .npy "
                "cannot hold; write csv, tsv, json or jsonl"
            )
        if precision is not None:
            raise UsageError("--precision applies to text formats, not npy")
        if to_stdout and is_tty(sys.stdout):
            raise UsageError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
        # A pipe, a FIFO or a device cannot seek back to patch the header.
        to_pipe = to_stdout or in_place
        return NpyChunks(lambda: open_stream(True), rows=rows, to_pipe=to_pipe, axis=axis)
    if table.text_error:
        raise UsageError(table.text_error)
    if precision is not None and not 1 <= precision <= 17:
        raise UsageError(
            f"--precision must be between 1 and 17 significant digits, got {precision}"
        )
    extra: dict[str, Any] = {}
    if fmt == "table":
        on_terminal = to_stdout and is_tty(sys.stdout)
        extra = {
            "color": on_terminal and color_wanted(sys.stdout),
            "width": terminal_width() if on_terminal else None,  # a file or pipe: no limit
            "escape": on_terminal,
            "key": table.key,
        }
    return WRITERS[fmt](
        open_stream(False),
        table.names,
        [c.is_text for c in table.columns],
        has_header=table.has_header,
        **extra,
    )
