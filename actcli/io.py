"""Inputs and outputs of the command line: values, ranges, CSV/TSV/text/NPY files, writers.

Reading: ``read_input`` takes exactly one source (values, ranges, a file or stdin) and returns an
``Input``: the numeric array to evaluate (``x``), the names of its columns, and, for text tables,
every cell as read so the output can keep them. Text is read row by row (``iter_text_rows``) and
``.npy`` files are memory-mapped, so a streaming reader can consume them in chunks later.

Writing: ``write_output`` picks one writer for ``table | csv | tsv | json | jsonl | npy``. Text
writers take rows in chunks (``TextWriter.write``); floats are printed with the shortest text
that reads back to the same value (``format_floats``). Files are written atomically
(``atomic_output``): a temporary file in the same folder, renamed over the target on success and
removed on failure, so ``-o`` never leaves a half-written file and may name the input itself.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .errors import DataError, UsageError

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "npy")
INPUT_FORMATS = ("csv", "tsv", "text", "npy")
DTYPES = ("float16", "float32", "float64")

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
_INPUT_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".dat": "text",
    ".npy": "npy",
}
_NPY_MAGIC = b"\x93NUMPY"
_DELIMITERS = {"csv": ",", "tsv": "\t"}

# Rows per chunk when writing text: large enough to amortise Python overhead, small in memory.
WRITE_CHUNK_ROWS = 1 << 14
# Largest --linspace / --range we build in memory (a user typo like 1e12 should not swap).
MAX_RANGE_SIZE = 100_000_000


# ---------------------------------------------------------------------------------------------
# Numbers from text


def parse_number(text: str) -> float:
    """``float(text)``, also accepting a unicode minus sign; raises ValueError otherwise."""
    try:
        return float(text)
    except ValueError:
        if "\u2212" in text:
            return float(text.replace("\u2212", "-"))
        raise


def is_number(text: str) -> bool:
    try:
        parse_number(text)
    except (ValueError, TypeError):
        return False
    return True


def parse_numbers(cells: Sequence[str], where: Any) -> np.ndarray:
    """Text cells -> float64 array. ``where(i, cell)`` builds the message for a bad cell i."""
    try:
        return np.array(list(map(float, cells)), dtype=np.float64)
    except ValueError:
        pass  # find the bad cell (or accept unicode minus signs) on the slow path
    out = np.empty(len(cells), dtype=np.float64)
    for i, cell in enumerate(cells):
        try:
            out[i] = parse_number(cell)
        except ValueError:
            raise DataError(where(i, cell)) from None
    return out


def values_from_args(texts: Sequence[str]) -> np.ndarray:
    """Numbers given on the command line (a bad one is a usage error: the command is wrong)."""
    try:
        return parse_numbers(
            texts,
            lambda i, cell: f"value {cell!r} is not a number (argument {i + 1} of the values)",
        )
    except DataError as exc:
        raise UsageError(str(exc)) from None


def parse_range(text: str) -> np.ndarray:
    """``START:STOP[:STEP]`` -> start, start + step, ... up to STOP inclusive (step 1 by default).

    STOP is included when it is a whole number of steps from START (within 1e-9 of a step), so
    ``-5:5:0.5`` gives 21 values; each value is computed as ``start + i * step`` (no accumulated
    rounding).
    """
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise UsageError(f"--range expects START:STOP[:STEP] (e.g. -5:5:0.5), got {text!r}")
    try:
        start, stop, *rest = (parse_number(p) for p in parts)
    except ValueError:
        raise UsageError(f"--range {text!r}: START, STOP and STEP must be numbers") from None
    step = rest[0] if rest else 1.0
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise UsageError(f"--range {text!r}: START, STOP and STEP must be finite")
    if step == 0 or (stop - start) * step < 0:
        raise UsageError(
            f"--range {text!r}: STEP must be non-zero and point from START towards STOP"
        )
    count = math.floor((stop - start) / step + 1e-9) + 1
    _check_size(count, f"--range {text}")
    return start + step * np.arange(count, dtype=np.float64)


def linspace(start: str, stop: str, num: str) -> np.ndarray:
    """``--linspace START STOP NUM``: NUM evenly spaced values, both ends included."""
    try:
        lo, hi = parse_number(start), parse_number(stop)
    except ValueError:
        raise UsageError(
            f"--linspace {start} {stop} {num}: START and STOP must be numbers"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"--linspace {start} {stop} {num}: START and STOP must be finite")
    try:
        count = int(num)
    except ValueError:
        raise UsageError(f"--linspace {start} {stop} {num}: NUM must be a whole number") from None
    if count < 1:
        raise UsageError(f"--linspace {start} {stop} {num}: NUM must be at least 1")
    _check_size(count, f"--linspace {start} {stop} {num}")
    return np.linspace(lo, hi, count)


def _check_size(count: int, what: str) -> None:
    if count > MAX_RANGE_SIZE:
        raise UsageError(
            f"{what} makes {count} values, more than {MAX_RANGE_SIZE}; "
            "write them to a .npy file and use --input for larger inputs"
        )


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass
class TextTable:
    """A text table as read: column names, whether they came from a header, and every cell."""

    names: list[str]
    has_header: bool
    rows: list[list[str]]
    line_numbers: list[int]
    source: str

    def column(self, j: int) -> list[str]:
        return [row[j] for row in self.rows]


@dataclass
class Input:
    """What one source gave.

    Attributes:
        x: the numbers to evaluate: 1-D for one column or a list of values, 2-D (rows x columns)
            for several selected columns, any shape for ``.npy``.
        x_names: the names of x's columns (``["x"]`` for values and ranges).
        table: the text table, when the input was text (its cells are written back).
        source: how messages name the input (``data.csv``, ``stdin``, ``the arguments``).
        names_known: the input named its columns (a header, or values we name ``x``), so text
            output writes a header; a header-less table comes out header-less.
    """

    x: np.ndarray
    x_names: list[str]
    table: TextTable | None = None
    source: str = "the arguments"
    names_known: bool = True


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


def range_values(ranges: Sequence[str], linspaces: Sequence[Sequence[str]]) -> np.ndarray:
    """One --range or --linspace: its values in order; several: their sorted union."""
    parts = [parse_range(r) for r in ranges] + [linspace(*spec) for spec in linspaces]
    if len(parts) == 1:
        return parts[0]
    return np.unique(np.concatenate(parts))


def input_format_for(path: str | None, head: bytes, explicit: str | None) -> str:
    """The input format: --input-format, else the magic bytes, else the suffix, else sniffed."""
    if explicit:
        return explicit
    if head.startswith(_NPY_MAGIC):
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


def _npy_dtype(stream: IO[bytes], source: str) -> np.dtype:
    """The dtype in a .npy header, read without loading (or unpickling) anything."""
    from numpy.lib import format as npy_format

    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            _, _, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            _, _, dtype = npy_format.read_array_header_2_0(stream)
        else:  # 3.0 (utf-8 field names) has no public reader
            _, _, dtype = npy_format._read_array_header(stream, version)
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    return dtype


def read_npy(stream: IO[bytes], source: str, path: str | None = None) -> np.ndarray:
    """Loads a .npy array (memory-mapped when it is a file), refusing pickled objects."""
    if path in (None, "-"):
        stream = io.BytesIO(stream.read())
    dtype = _npy_dtype(stream, source)
    if dtype.hasobject:
        raise DataError(
            f"{source} holds Python objects (dtype {dtype}); refused: loading them would "
            "unpickle, which can run code. Save a numeric array instead"
        )
    try:
        if path in (None, "-"):
            stream.seek(0)
            array = np.load(stream, allow_pickle=False)
        else:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    return _numeric_array(array, source)


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _numeric_array(array: np.ndarray, source: str) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype.itemsize > 8:
            raise DataError(f"{source}: dtype {array.dtype} is not supported (float16/32/64 only)")
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        return array
    if kind in "biu":
        return array.astype(np.float64)  # ints and bools: float64, as the core does
    if kind == "c":
        raise DataError(f"{source}: complex numbers are not supported (dtype {array.dtype})")
    raise DataError(f"{source}: dtype {array.dtype} holds no numbers (float, int or bool needed)")


def _sniff_format(line: str) -> str:
    if "," in line:
        return "csv"
    if "\t" in line:
        return "tsv"
    return "text"


def _is_skipped(cells: Sequence[str]) -> bool:
    """Blank lines and comment lines (first cell starting with #) carry no data."""
    first = cells[0] if cells else ""
    if first and first[0] not in _BLANK_OR_HASH:
        return False  # the common case, decided by one character
    if all(not c.strip() for c in cells):
        return True
    return first.lstrip().startswith("#")


_BLANK_OR_HASH = frozenset("# \t\r\n\f\v")


def iter_text_rows(
    stream: IO[bytes], source: str, fmt: str = "auto"
) -> Iterator[tuple[int, list[str]]]:
    """Yields (line number, cells) for every data line of a CSV, TSV or whitespace text stream.

    ``fmt="auto"`` decides from the first data line: a comma makes CSV, a tab TSV, else
    whitespace-separated text. Blank and ``#`` comment lines are skipped.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        pending: list[str] = []
        if fmt == "auto":
            fmt = "text"
            for line in text:
                pending.append(line)
                if line.strip() and not line.lstrip().startswith("#"):
                    fmt = _sniff_format(line)
                    break
        lines = itertools.chain(pending, text)
        if fmt == "text":
            for number, line in enumerate(lines, start=1):
                cells = line.split()
                if not _is_skipped(cells):
                    yield number, cells
        else:
            reader = csv.reader(lines, delimiter=_DELIMITERS[fmt])
            for cells in reader:
                if not _is_skipped(cells):
                    yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
            "a binary file? .npy files are recognised by their header"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{source}: not readable as {fmt.upper()}: {exc}") from None
    finally:
        with contextlib.suppress(ValueError):  # already closed by its owner
            text.detach()


def _detect_header(rows: Sequence[Sequence[str]]) -> bool:
    """A first row is a header when one of its cells is text above a number, or all are text."""
    if not rows:
        return False
    first = [is_number(c) for c in rows[0]]
    if len(rows) > 1:
        second = rows[1]
        if any(not f and j < len(second) and is_number(second[j]) for j, f in enumerate(first)):
            return True
    return not any(first)


def read_text_table(
    stream: IO[bytes], source: str, *, fmt: str = "auto", header: bool | None = None
) -> TextTable:
    """Reads a whole text table (see ``iter_text_rows``); ``header=None`` detects a header row."""
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    width = None
    for number, cells in iter_text_rows(stream, source, fmt):
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise DataError(
                f"{source} line {number}: {len(cells)} columns, but the first row has {width}"
            )
        rows.append(cells)
        line_numbers.append(number)
    if header is None:
        header = _detect_header(rows[:2])
    if header and rows:
        names = [c.strip() or f"column {j + 1}" for j, c in enumerate(rows[0])]
        rows, line_numbers = rows[1:], line_numbers[1:]
    else:
        names = ["x"] if width == 1 else [f"x{j + 1}" for j in range(width or 0)]
    if not rows:
        raise DataError(f"{source} has no data rows (empty input)")
    return TextTable(names, bool(header), rows, line_numbers, source)


def select_columns(names: Sequence[str], wanted: Sequence[str], source: str) -> list[int]:
    """``--column NAME|INDEX`` (1-based; repeatable or comma-separated) -> column positions."""
    picked = []
    for item in (w.strip() for spec in wanted for w in spec.split(",")):
        if item in names:
            picked.append(list(names).index(item))
            continue
        folded = [n.casefold() for n in names]
        if item.casefold() in folded:
            picked.append(folded.index(item.casefold()))
            continue
        if item.isdigit() and 1 <= int(item) <= len(names):
            picked.append(int(item) - 1)
            continue
        listed = ", ".join(repr(n) for n in names)
        raise UsageError(
            f"--column {item!r}: {source} has no such column "
            f"(columns: {listed}; or a number from 1 to {len(names)})"
        )
    return picked


def numeric_columns(table: TextTable) -> list[int]:
    """Columns whose first data cell is a number (the default x columns)."""
    return [j for j, cell in enumerate(table.rows[0]) if is_number(cell)]


def table_columns_as_array(table: TextTable, picked: Sequence[int]) -> np.ndarray:
    """The picked columns as float64: 1-D for one column, 2-D (rows x columns) for several."""
    arrays = []
    for j in picked:
        name = table.names[j]

        def where(i: int, cell: str, name: str = name) -> str:
            return f"{table.source} line {table.line_numbers[i]}, column {name!r}: " + (
                "empty cell, not a number" if not cell.strip() else f"{cell!r} is not a number"
            )

        arrays.append(parse_numbers(table.column(j), where))
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=-1)


def read_input(
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
    stdin_is_tty: bool | None = None,
) -> Input:
    """Reads the one input source; see ``Input``.

    Args:
        all_numeric: with no --column, take every numeric column (axis-wise functions: one vector
            per row) rather than the first one.
        dtype: cast x to this float dtype (default: the input's; float64 for text).

    Raises:
        UsageError: no source or several, bad --range/--linspace/--column, missing file.
        DataError: a bad cell, an empty input, an unreadable or pickled .npy.
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
        result = Input(values_from_args(values), ["x"])
    elif kind == "ranges":
        result = Input(range_values(ranges, linspaces), ["x"], source="the range")
    else:
        with open_binary(None if kind == "stdin" else input_path) as (stream, source):
            result = _read_stream(
                stream,
                source,
                input_path,
                input_format=input_format,
                columns=columns,
                header=header,
                all_numeric=all_numeric,
            )
    if result.x.size == 0:
        raise DataError(f"{result.source} has no values (empty input)")
    if dtype is not None:
        result.x = cast(result.x, dtype)
    return result


def cast(x: np.ndarray, dtype: str) -> np.ndarray:
    """x in another float dtype; finite values that overflow it (1e5 in float16) become +-inf,
    and stderr says how many (the result is still exact for every other value)."""
    with np.errstate(over="ignore"):  # counted and reported just below
        out = x.astype(dtype)
    overflowed = int(np.count_nonzero(np.isinf(out) & np.isfinite(x)))
    if overflowed:
        warn(f"{overflowed} value(s) do not fit in {dtype} and became inf or -inf")
    return out


def warn(message: str) -> None:
    """A warning on stderr (data stays on stdout)."""
    sys.stderr.write(f"actcli: warning: {message}\n")


def _peek(stream: IO[bytes], n: int) -> tuple[bytes, IO[bytes]]:
    """The first n bytes, and a buffered stream that still starts with them."""
    head = stream.read(n)
    return head, io.BufferedReader(_Prefixed(head, stream))


class _Prefixed(io.RawIOBase):
    """A read-only binary stream: some bytes already read, then the rest of another stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_stream(
    stream: IO[bytes],
    source: str,
    path: str | None,
    *,
    input_format: str | None,
    columns: Sequence[str],
    header: bool | None,
    all_numeric: bool,
) -> Input:
    head, stream = _peek(stream, len(_NPY_MAGIC))
    fmt = input_format_for(path, head, input_format)
    if fmt == "npy":
        if header is not None:
            raise UsageError("--header applies to text input, not .npy")
        array = read_npy(stream, source, path)
        return _npy_input(array, source, columns)
    if head.startswith(_NPY_MAGIC):
        raise UsageError(f"{source} is a .npy file, not {fmt} (drop --input-format)")
    table = read_text_table(stream, source, fmt=fmt, header=header)
    if columns:
        picked = select_columns(table.names, columns, source)
    else:
        picked = numeric_columns(table)
        if not picked:
            listed = ", ".join(repr(n) for n in table.names)
            raise DataError(
                f"{source} has no numeric column (columns: {listed}); choose one with --column"
            )
        if not all_numeric:
            picked = picked[:1]
    x = table_columns_as_array(table, picked)
    return Input(x, [table.names[j] for j in picked], table, source, table.has_header)


def _npy_input(array: np.ndarray, source: str, columns: Sequence[str]) -> Input:
    if array.ndim == 2:
        names = [f"x{j + 1}" for j in range(array.shape[1])]
    else:
        names = ["x"]
    if columns:
        if array.ndim != 2:
            raise UsageError(f"--column applies to a 2-D .npy; {source} has shape {array.shape}")
        picked = select_columns(names, columns, source)
        array = array[:, picked[0]] if len(picked) == 1 else array[:, picked]
        names = [names[j] for j in picked]
    return Input(array, names, None, source, True)


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# Formatting numbers


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


# ---------------------------------------------------------------------------------------------
# Output tables and writers


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

    def write(self, columns: list[list[str]]) -> None:
        self.writer.writerows(zip(*columns, strict=True))


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


def color_wanted(stream: Any) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    return is_tty(stream) and not os.environ.get("NO_COLOR")


def write_output(
    table: OutputTable,
    *,
    fmt: str | None = None,
    output: str | None = None,
    precision: int | None = None,
) -> None:
    """Writes a computed table with the one writer its format names (see ``WRITERS``)."""
    to_stdout = output in (None, "-")
    fmt = output_format_for(fmt, output, stdout_is_tty=to_stdout and is_tty(sys.stdout))
    if fmt == "npy":
        if table.npy_error:
            raise UsageError(table.npy_error)
        if precision is not None:
            raise UsageError("--precision applies to text formats, not npy")
        if to_stdout and is_tty(sys.stdout):
            raise UsageError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
        array = (
            table.array
            if table.array is not None
            else np.stack([np.asarray(c.values) for c in table.columns if not c.is_text], axis=-1)
        )
        with atomic_output(output, binary=True) as stream:
            np.save(stream, np.ascontiguousarray(array), allow_pickle=False)
        return
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
    with atomic_output(output, binary=False) as stream:
        writer = WRITERS[fmt](
            stream,
            table.names,
            [c.is_text for c in table.columns],
            has_header=table.has_header,
            **extra,
        )
        for chunk in table.text_chunks(precision):
            writer.write(chunk)
        writer.close()


# ---------------------------------------------------------------------------------------------
# Atomic output


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator[IO[Any]]:
    """A stream to write ``path`` (stdout for None or "-"), replaced only when writing succeeds.

    The temporary file sits in the target's folder (so ``os.replace`` is an atomic rename on the
    same file system), gets the old file's permissions (or the umask's), and is removed if
    anything goes wrong, so the previous file survives byte for byte.
    """
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        try:
            yield stream
            stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise DataError(f"cannot write to stdout: {exc.strerror or exc}") from None
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if binary:
            stream: IO[Any] = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = _new_file_mode()  # mkstemp made it 0600; a new file gets the usual mode
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        if isinstance(exc, BrokenPipeError):
            raise
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
