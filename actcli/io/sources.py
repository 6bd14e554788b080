"""The one input source: values, ranges, a file or stdin, opened by ``open_input``."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numpy as np

from actcli.dtypes import FLOAT_DTYPES
from actcli.errors import DataError, UsageError

from .columns import SAMPLE_ROWS, drop_rows, numeric_columns, read_columns, select_columns
from .inputs import (
    SECONDS_PER_TEXT_CHAR,
    SECONDS_PER_TEXT_VALUE,
    SECONDS_PER_VALUE,
    Input,
    InputSource,
    peek,
    rows_per_chunk,
)
from .messages import listed
from .npy import NPY_MAGIC, NpySource
from .terminal import is_tty
from .text import TextReader, TextTable, concat_tables
from .values import range_values, values_from_args

INPUT_FORMATS = ("csv", "tsv", "text", "npy")
# The most cells of text held at once, when the work needs the whole input (one long vector).
MAX_WHOLE_CELLS = 2_000_000
DTYPES = FLOAT_DTYPES  # NumPy's float16/32/64, bfloat16 and the float8 formats
_INPUT_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".dat": "text",
    ".npy": "npy",
}


def choose_source(
    *,
    values: Sequence[str],
    ranges: Sequence[str],
    linspaces: Sequence[Sequence[str]],
    input_path: str | None,
    stdin_is_tty: bool,
) -> str:
    """Returns "values", "ranges", "file" or "stdin"; exactly one source must be given."""
    given = []
    if values:
        given.append("values")
    if ranges or linspaces:
        given.append("ranges")
    if input_path is not None:
        given.append("file" if input_path != "-" else "stdin")
    if len(given) > 1:
        shown = {
            "values": "values",
            "ranges": "--range/--linspace",
            "file": "--input",
            "stdin": "--input -",
        }
        raise UsageError("give one input source, got " + " and ".join(shown[g] for g in given))
    if given:
        return given[0]
    if not stdin_is_tty:
        return "stdin"
    raise UsageError(
        "no input: give values after --, --range START:STOP:STEP, --linspace START STOP NUM, "
        "or --input FILE (or pipe data in)"
    )


def input_format_for(path: str | None, head: bytes, explicit: str | None) -> str:
    """The input format: --input-format, else the magic bytes, else the suffix, else sniffed."""
    if explicit:
        return explicit
    if head.startswith(NPY_MAGIC):
        return "npy"
    if path not in (None, "-"):
        suffix = os.path.splitext(path)[1].lower()
        if suffix in _INPUT_SUFFIXES:
            return _INPUT_SUFFIXES[suffix]
    return "auto"  # csv, tsv or whitespace text: decided from the first line by read_text_table


@contextlib.contextmanager
def open_binary(path: str | None) -> Iterator[tuple[IO[bytes], str]]:
    """Opens a file (or stdin for None / "-") for reading; errors name the file."""
    if path in (None, "-"):
        if sys.stdin is None:  # started with descriptor 0 closed (`actcli ... <&-`)
            raise DataError("cannot read stdin: it is closed")
        yield sys.stdin.buffer, "stdin"
        return
    if os.path.isdir(path):
        raise UsageError(f"cannot read {path}: it is a folder, not a file")
    try:
        stream = open(path, "rb")  # closed by the with below
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with stream:
        yield stream, path


def _file_size(stream: Any) -> int | None:
    """The size of a regular file behind ``stream`` (stdin redirected from a file counts)."""
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


class _ArraySource(InputSource):
    """An array in memory: the values given as arguments, or a range."""

    def __init__(self, x: np.ndarray, names: list[str], source: str, dtype: str | None):
        super().__init__(dtype)
        self.x = x
        self.x_names = names
        self.source = source
        self.ndim = x.ndim
        self.rows = x.shape[0] if x.ndim else None
        self.total = x.shape[0] if x.ndim else 1

    def estimated_seconds(self, *, text_output: bool) -> float:
        return self.x.size * (SECONDS_PER_TEXT_VALUE if text_output else SECONDS_PER_VALUE)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        x = self.x
        if whole or x.ndim == 0:
            yield Input(x, self.x_names, None, self.source, True, self.total)
            return
        step = rows_per_chunk(x.shape)
        for start in range(0, x.shape[0], step):
            stop = min(start + step, x.shape[0])
            yield Input(x[start:stop], self.x_names, None, self.source, True, stop)


class _TextSource(InputSource):
    """A CSV, TSV or text table: the picked columns are x; every cell is kept for the output.

    Without --column, x is chosen from a sample of rows (``SAMPLE_ROWS``, read ahead and handed
    on first): the first column whose cells there are all numbers or missing (every such column
    for axis-wise functions), so a blank cell decides nothing, wherever it sits.
    """

    def __init__(
        self,
        reader: TextReader,
        *,
        columns: Sequence[str],
        all_numeric: bool,
        dtype: str | None,
        size: int | None,
        missing: str = "keep",
    ):
        super().__init__(dtype)
        self.reader = reader
        self.source = reader.source
        self.missing = missing
        self.tables = reader.tables()
        self.sample: list[TextTable] = []
        names = reader.names
        if columns:
            picked = select_columns(names, columns, self.source)
        else:
            self._read_sample()
            picked = numeric_columns(self.sample)
            if not picked:
                columns_text = listed(names)
                raise DataError(
                    f"{self.source} has no numeric column (columns: {columns_text}); "
                    "choose one with --column"
                )
            if not all_numeric:
                picked = picked[:1]
        self.picked = picked
        self.x_names = [names[j] for j in picked]
        self.names_known = reader.has_header
        self.ndim = 1 if len(picked) == 1 else 2
        self.total = size

    def _read_sample(self) -> None:
        rows = 0
        for table in self.tables:
            self.sample.append(table)
            rows += len(table)
            if rows >= SAMPLE_ROWS:
                break

    def estimated_seconds(self, *, text_output: bool) -> float:
        return (self.total or 0) * SECONDS_PER_TEXT_CHAR

    def _input(self, table: TextTable) -> Input:
        x, missing = read_columns(table, self.picked, missing=self.missing)
        if missing is not None and self.missing == "skip":
            drop = missing if missing.ndim == 1 else missing.any(axis=1)
            table, x, missing = drop_rows(table, drop), x[~drop], None
        done = self.reader.chars_read
        return Input(x, self.x_names, table, self.source, self.names_known, done, missing)

    def _all_tables(self) -> Iterator[TextTable]:
        sample, self.sample = self.sample, []
        yield from sample
        yield from self.tables

    def _chunks(self, whole: bool) -> Iterator[Input]:
        if whole:
            yield self._input(concat_tables(self._held_whole()))
            return
        for table in self._all_tables():
            yield self._input(table)

    def _held_whole(self) -> list[TextTable]:
        """Every block, for work on the whole input at once; refused past MAX_WHOLE_CELLS
        (every cell is kept as text, about 60 bytes each: `yes 1 | actcli eval softmax`)."""
        tables, cells = [], 0
        for table in self._all_tables():
            tables.append(table)
            cells += len(table) * len(table.names)
            if cells > MAX_WHOLE_CELLS:
                raise DataError(
                    f"{self.source} has more than {MAX_WHOLE_CELLS:,} cells, and this work "
                    "takes the whole input at once (an axis-wise function down a column, or "
                    "--jacobian); for longer vectors use a .npy file"
                )
        return tables


@contextlib.contextmanager
def open_input(
    *,
    values: Sequence[str] = (),
    ranges: Sequence[str] = (),
    linspaces: Sequence[Sequence[str]] = (),
    input_path: str | None = None,
    input_format: str | None = None,
    columns: Sequence[str] = (),
    header: bool | None = None,
    all_numeric: bool = False,
    dtype: str | None = None,
    missing: str = "keep",
    stdin_is_tty: bool | None = None,
) -> Iterator[InputSource]:
    """Opens the one input source, to be read whole or in chunks (see ``InputSource``).

    Args:
        all_numeric: with no --column, take every numeric column (axis-wise functions: one vector
            per row) rather than the first one.
        dtype: cast x to this float dtype (default: the input's; float64 for text).
        missing: what an empty or NA cell in an x column of text input does: ``keep`` the row
            (x is NaN there and ``Input.missing`` marks it), ``skip`` it, or ``error``.

    Raises:
        UsageError: no source or several, bad --range/--linspace/--column, missing file.
        DataError: a bad cell, an empty input, an unreadable or pickled .npy (a bad cell further
            on is raised by the chunk that holds it).
    """
    if stdin_is_tty is None:
        stdin_is_tty = is_tty(sys.stdin)
    kind = choose_source(
        values=values,
        ranges=ranges,
        linspaces=linspaces,
        input_path=input_path,
        stdin_is_tty=stdin_is_tty,
    )
    if kind in ("values", "ranges") and (columns or input_format or header is not None):
        raise UsageError("--column, --input-format and --header apply to --input or stdin only")
    if kind == "values":
        yield _ArraySource(values_from_args(values), ["x"], "the arguments", dtype)
        return
    if kind == "ranges":
        yield _ArraySource(range_values(ranges, linspaces), ["x"], "the range", dtype)
        return
    path = None if kind == "stdin" else input_path
    with open_binary(path) as (raw, source):
        size = _file_size(raw)
        head, stream = peek(raw, len(NPY_MAGIC))
        fmt = input_format_for(path, head, input_format)
        if fmt == "npy":
            if header is not None:
                raise UsageError("--header applies to text input, not .npy")
            npy_source = NpySource(stream, source, path, columns, dtype)
            try:
                yield npy_source
            finally:
                npy_source.close()
            return
        if head.startswith(NPY_MAGIC):
            raise UsageError(f"{source} is a .npy file, not {fmt} (drop --input-format)")
        reader = TextReader(stream, source, fmt=fmt, header=header)
        try:
            yield _TextSource(
                reader,
                columns=columns,
                all_numeric=all_numeric,
                dtype=dtype,
                size=size,
                missing=missing,
            )
        finally:
            reader.close()


def read_input(**kwargs: Any) -> Input:
    """Reads the one input source whole; see ``open_input`` for the arguments and errors."""
    with open_input(**kwargs) as source:
        return source.read_all()
