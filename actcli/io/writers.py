"""Output: computed tables (``OutputTable``), numbers formatted exactly, and one writer per
format (``write_output``)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from actcli.errors import UsageError

from .atomic import atomic_output, writes_in_place
from .npy import NpyChunks
from .terminal import color_wanted, is_tty
from .values import parse_number

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


def format_floats(values: np.ndarray, precision: int | None = None) -> list[str]:
    """Floats as text: the shortest round-trip repr of their own dtype, or ``precision``
    significant digits. ``-0.0``, ``nan``, ``inf`` and ``-inf`` read back with ``float()``."""
    flat = np.asarray(values).reshape(-1)
    if precision is not None:
        spec = f".{precision}g"
        return [format(v, spec) for v in flat.astype(np.float64).tolist()]
    if flat.dtype == np.float64:
        return list(map(float.__repr__, flat.tolist()))
    # float16 / float32: NumPy's str is the shortest text that round-trips in that dtype.
    return list(map(str, flat))


_JSON_SPECIAL = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}


def json_number(text: str) -> str:
    """A formatted float as JSON: finite numbers as they are, NaN and infinities as strings
    ("NaN", "Infinity", "-Infinity", which Python's float() reads back)."""
    return _JSON_SPECIAL.get(text, text)


@dataclass
class Column:
    """One output column: floats (formatted by the writer) or text cells passed through."""

    name: str
    values: np.ndarray | list[str]

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
            stop = start + rows
            yield [
                c.values[start:stop]
                if c.is_text  # type: ignore[misc]
                else format_floats(c.values[start:stop], precision)  # type: ignore[arg-type]
                for c in self.columns
            ]


def output_format_for(fmt: str | None, output: str | None, *, stdout_is_tty: bool) -> str:
    """--format, else the -o suffix (csv when unknown), else table on a terminal, csv otherwise."""
    if fmt:
        return fmt
    if output not in (None, "-"):
        return _OUTPUT_SUFFIXES.get(os.path.splitext(output)[1].lower(), "csv")
    return "table" if stdout_is_tty else "csv"


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
            if is_text
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
    # Passed-through cells: numbers as JSON numbers (shortest form), anything else as a string.
    try:
        value = parse_number(text)
    except ValueError:
        return json.dumps(text, ensure_ascii=False)
    return json_number(repr(value))


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
    """A rich table (collects the rows, renders at close)."""

    def __init__(self, *args: Any, color: bool = False, width: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[str, ...]] = []
        self.color = color
        self.width = width

    def write(self, columns: list[list[str]]) -> None:
        self.rows.extend(zip(*columns, strict=True))

    def close(self) -> None:
        from .table import render_rows

        render_rows(
            self.names,
            self.rows,
            self.text_columns,
            self.stream,
            color=self.color,
            width=self.width,
        )


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
) -> None:
    """Writes a computed table, or the tables of successive chunks of rows, with the one writer
    their format names (see ``WRITERS``; npy: ``NpyChunks``).

    The output is opened when the first table arrives, so a table's ``text_error`` or
    ``npy_error`` (and a bad --precision) are raised before anything is written; later chunks
    stream out. ``rows`` is the total along the first axis when known (a .npy header needs it).
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
                writer = _writer_for(
                    table, fmt, to_stdout, precision, open_stream, rows, writes_in_place(output)
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
) -> Any:
    """The writer for ``fmt``, after checking that this table can be written that way."""
    if fmt == "npy":
        if table.npy_error:
            raise UsageError(table.npy_error)
        if precision is not None:
            raise UsageError("--precision applies to text formats, not npy")
        if to_stdout and is_tty(sys.stdout):
            raise UsageError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
        # A pipe, a FIFO or a device cannot seek back to patch the header.
        to_pipe = to_stdout or in_place
        return NpyChunks(lambda: open_stream(True), rows=rows, to_pipe=to_pipe)
    if table.text_error:
        raise UsageError(table.text_error)
    if precision is not None and not 1 <= precision <= 17:
        raise UsageError(
            f"--precision must be between 1 and 17 significant digits, got {precision}"
        )
    extra: dict[str, Any] = {}
    if fmt == "table":
        extra = {
            "color": to_stdout and color_wanted(sys.stdout),
            "width": None if to_stdout and is_tty(sys.stdout) else 10_000,
        }
    return WRITERS[fmt](
        open_stream(False),
        table.names,
        [c.is_text for c in table.columns],
        has_header=table.has_header,
        **extra,
    )
