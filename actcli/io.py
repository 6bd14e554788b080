"""Inputs and outputs of the command line: values, ranges, CSV/TSV/text/NPY files, writers.

Reading: ``open_input`` takes exactly one source (values, ranges, a file or stdin) and returns an
``InputSource`` whose ``chunks()`` are ``Input``s: the numbers to evaluate (``x``), the names of
their columns, and, for text tables, every cell as read so the output can keep them. A chunk is a
block of rows, so memory stays bounded whatever the input size: text is read in blocks of lines
(``_TextReader``: plain lines are split in bulk, anything quoted or unusual goes through the csv
module), a ``.npy`` file is memory-mapped one window of rows at a time. ``read_input`` reads the
whole input as one ``Input``.

Writing: ``write_output`` takes one ``OutputTable`` or the tables of successive chunks and picks
one writer for ``table | csv | tsv | json | jsonl | npy``. Floats are printed with the shortest
text that reads back to the same value (``format_floats``); ``.npy`` is written chunk by chunk
(``_NpyChunks``). Files are written atomically (``atomic_output``): a temporary file in the same
folder, renamed over the target on success and removed on failure, so ``-o`` never leaves a
half-written file and may name the input itself. stdout is held back for the first
``HOLD_STDOUT`` characters, so a run that fails early writes nothing there.

``csv_floor`` is the yardstick of CSV speed: the same parse and format work, with no checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import os
import shutil
import stat
import struct
import sys
import tempfile
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
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
# Text is read in blocks of about this many characters of whole lines (~50K CSV rows).
TEXT_BLOCK_CHARS = 1 << 20
# Rows per chunk once a quoted CSV field has handed the rest of a file to the csv module.
QUOTED_CHUNK_ROWS = 1 << 15
# Elements per chunk of an array (a .npy window, a range): 8 MB of float64.
ARRAY_CHUNK_ELEMENTS = 1 << 20
# stdout output held back until it is this long (characters or bytes): see _HeldStdout.
HOLD_STDOUT = 1 << 24


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
    try:  # Python's float() is the parser, so "1_000", " 2 " and "Infinity" read as it reads them
        return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
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
    wide = not math.isfinite(stop - start)  # -1e308:1e308:1e307: finite values, infinite width
    steps = stop / step - start / step if wide else (stop - start) / step
    if not math.isfinite(steps):
        raise UsageError(
            f"--range {text} makes more than {MAX_RANGE_SIZE} values; "
            "write them to a .npy file and use --input for larger inputs"
        )
    count = math.floor(steps + 1e-9) + 1
    _check_size(count, f"--range {text}")
    if wide:  # the same sum on halves, which cannot overflow, doubled exactly
        return 2 * (start / 2 + step / 2 * np.arange(count, dtype=np.float64))
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
    if not math.isfinite(hi - lo):  # the width overflows (-1e308 1e308): space the halves
        values = 2 * np.linspace(lo / 2, hi / 2, count)
        values[-1], values[0] = hi, lo  # exact ends (lo last: NUM=1 gives START)
        return values
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
    """Text cells as read, column by column: names, whether they came from a header, the cells
    and the line each row came from (for messages)."""

    names: list[str]
    has_header: bool
    columns: list[list[str]]
    line_numbers: Sequence[int]
    source: str

    @property
    def rows(self) -> list[list[str]]:
        return [list(row) for row in zip(*self.columns, strict=True)]

    def column(self, j: int) -> list[str]:
        return self.columns[j]

    def __len__(self) -> int:
        return len(self.line_numbers)


@dataclass
class Input:
    """What one source gave (all of it, or one chunk of rows).

    Attributes:
        x: the numbers to evaluate: 1-D for one column or a list of values, 2-D (rows x columns)
            for several selected columns, any shape for ``.npy``.
        x_names: the names of x's columns (``["x"]`` for values and ranges).
        table: the text table, when the input was text (its cells are written back).
        source: how messages name the input (``data.csv``, ``stdin``, ``the arguments``).
        names_known: the input named its columns (a header, or values we name ``x``), so text
            output writes a header; a header-less table comes out header-less.
        done: progress after this chunk, in the unit of ``InputSource.total``.
    """

    x: np.ndarray
    x_names: list[str]
    table: TextTable | None = None
    source: str = "the arguments"
    names_known: bool = True
    done: int = 0


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


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _file_size(stream: Any) -> int | None:
    """The size of a regular file behind ``stream`` (stdin redirected from a file counts)."""
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


# --- .npy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NpyHeader:
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype


def _read_npy_header(stream: IO[bytes], source: str) -> _NpyHeader:
    """The header of a .npy stream, read without loading (or unpickling) anything; refuses
    object arrays, whose loading would unpickle. The stream is left at the data."""
    from numpy.lib import format as npy_format

    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            # 3.0 differs from 2.0 only in utf-8 field names (structured dtypes, refused anyway);
            # NumPy has no public 3.0 reader (and no private one at the same place in 1.x / 2.x).
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unknown .npy format version {version[0]}.{version[1]}")
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    except tokenize.TokenError:  # NumPy tokenizes the header text; a forged one may not be
        message = f"{source} is not a readable .npy file: its header does not parse"
        raise DataError(message) from None
    if dtype.hasobject:
        raise DataError(
            f"{source} holds Python objects (dtype {dtype}); refused: loading them would "
            "unpickle, which can run code. Save a numeric array instead"
        )
    return _NpyHeader(tuple(shape), bool(fortran), dtype)


def read_npy(stream: IO[bytes], source: str, path: str | None = None) -> np.ndarray:
    """Loads a whole .npy array (memory-mapped when it is a file), refusing pickled objects."""
    if path in (None, "-"):
        stream = io.BytesIO(stream.read())
    _read_npy_header(stream, source)  # refuses pickles before np.load sees them
    try:
        if path in (None, "-"):
            stream.seek(0)
            array = np.load(stream, allow_pickle=False)
        else:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    return _numeric_array(array, source)


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


# --- Text: CSV, TSV, whitespace-separated ---------------------------------------------------


def _sniff_format(line: str) -> str:
    # A quoted first cell means CSV even without a comma: one quoted column ("x" / "1.5").
    if "," in line or line.lstrip().startswith('"'):
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
# A line starting with one of these may be blank, a comment or start with an empty cell: blocks
# holding such a line take the careful path (whitespace text also splits at \x1c-\x1f).
_CAREFUL_STARTS = frozenset(("", "#", " ", "\t", "\v", "\f"))
_CAREFUL_TEXT = _CAREFUL_STARTS | {"\x1c", "\x1d", "\x1e", "\x1f"}
_TEXT_SPACES = (" ", "\t", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f")


class _Rows:
    """(line number, cells) of each data line of ``lines`` (blank and # lines skipped);
    ``lines_read`` counts the lines consumed so far (csv counts a quoted newline as a line)."""

    def __init__(self, lines: Iterator[str], fmt: str):
        self.lines = lines
        self.fmt = fmt
        self.lines_read = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        if self.fmt == "text":
            for line in self.lines:
                self.lines_read += 1
                cells = line.split()
                if not _is_skipped(cells):
                    yield self.lines_read, cells
            return
        reader = csv.reader(self.lines, delimiter=_DELIMITERS[self.fmt])
        for cells in reader:
            self.lines_read = reader.line_num
            if not _is_skipped(cells):
                yield self.lines_read, cells
        self.lines_read = reader.line_num


def _count_lines(block: str) -> int:
    """Lines in a block as universal newlines count them (\\n, \\r\\n and a lone \\r)."""
    breaks = block.count("\n") + block.count("\r") - block.count("\r\n")
    return breaks + (1 if block and block[-1] not in "\r\n" else 0)


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


def _transpose(rows: Sequence[Sequence[str]], width: int) -> list[list[str]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


class _TextReader:
    """Reads a CSV, TSV or whitespace-separated text stream in blocks of whole lines.

    The first data rows are read line by line: they decide the format (``fmt="auto"``: a comma
    makes CSV, a tab TSV, else whitespace text), the header (``header=None``: detected from the
    first two rows) and the width. The rest comes in blocks of about ``TEXT_BLOCK_CHARS``. A
    block of plain lines (no quote, no lone \r or NUL, no line starting with a space, a #, or a
    delimiter) is split with ``str.split``, which is what the csv module would do with it; any
    other block is read by the csv module line by line, and from the first quote on the csv
    module reads the rest of the stream (a quoted field may span lines, and blocks). Both give
    the same cells (tests/test_streaming.py compares them with the csv module at many block
    sizes).
    """

    def __init__(self, stream: IO[bytes], source: str, *, fmt: str, header: bool | None):
        self.source = source
        self.fmt = "text"
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self.chars_read = 0
        self._carry = ""
        self._lines_before = 0  # lines consumed before the next block
        with self._reading():
            self._read_head(fmt, header)

    def close(self) -> None:
        with contextlib.suppress(ValueError):  # already detached or closed by its owner
            self.text.detach()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Decoding and parsing errors, and failed reads, as one-line data errors."""
        try:
            yield
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{self.source} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                "a binary file? .npy files are recognised by their header"
            ) from None
        except csv.Error as exc:
            raise DataError(f"{self.source}: not readable as {self.fmt.upper()}: {exc}") from None
        except OSError as exc:
            raise DataError(f"cannot read {self.source}: {exc.strerror or exc}") from None

    def _read_head(self, fmt: str, header: bool | None) -> None:
        self.fmt = fmt if fmt != "auto" else "text"
        lines = self._counted(iter(self.text.readline, ""))
        pending: list[str] = []
        if fmt == "auto":
            for line in lines:
                pending.append(line)
                if line.strip() and not line.lstrip().startswith("#"):
                    self.fmt = _sniff_format(line)
                    break
        self.delimiter = _DELIMITERS.get(self.fmt)
        head = _Rows(itertools.chain(pending, lines), self.fmt)
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, cells in head:
            rows.append(cells)
            numbers.append(number)
            if len(rows) == 2:  # enough to detect a header; the rest comes in blocks
                break
        self._lines_before = head.lines_read
        self.width = len(rows[0]) if rows else 0
        self._check_widths(rows, numbers)
        if header is None:
            header = _detect_header(rows)
        self.has_header = bool(header)
        if header and rows:
            self.names = [c.strip() or f"column {j + 1}" for j, c in enumerate(rows[0])]
            rows, numbers = rows[1:], numbers[1:]
        else:
            self.names = ["x"] if self.width == 1 else [f"x{j + 1}" for j in range(self.width)]
        if not rows:
            raise DataError(f"{self.source} has no data rows (empty input)")
        self.first_row = rows[0]
        self._head = (rows, numbers)

    def _counted(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            self.chars_read += len(line)
            yield line

    def _check_widths(self, rows: Sequence[Sequence[str]], numbers: Sequence[int]) -> None:
        for cells, number in zip(rows, numbers, strict=True):
            if len(cells) != self.width:
                raise DataError(
                    f"{self.source} line {number}: {len(cells)} columns, "
                    f"but the first row has {self.width}"
                )

    def _table(self, columns: list[list[str]], numbers: Sequence[int]) -> TextTable:
        return TextTable(self.names, self.has_header, columns, numbers, self.source)

    def tables(self) -> Iterator[TextTable]:
        """The data rows, a block at a time (the rows of the head first)."""
        rows, numbers = self._head
        yield self._table(_transpose(rows, self.width), numbers)
        while True:
            with self._reading():
                block = self._next_block()
                if not block:
                    return
                if self.delimiter and '"' in block:
                    break
                table = self._parse_block(block)
            if len(table):
                yield table
        yield from self._quoted_tables(block)

    def _next_block(self) -> str:
        """About TEXT_BLOCK_CHARS characters of whole lines ("" at the end): a block always ends
        with \\n (or at the end of the stream), so \\r\\n is never split between blocks."""
        parts = [self._carry]
        while True:
            data = self.text.read(TEXT_BLOCK_CHARS)
            if not data:
                self._carry = ""
                break
            cut = data.rfind("\n") + 1
            if cut:
                parts.append(data[:cut])
                self._carry = data[cut:]
                break
            parts.append(data)
        block = "".join(parts)
        self.chars_read += len(block)
        return block

    def _parse_block(self, block: str) -> TextTable:
        first = self._lines_before + 1
        plain = block.replace("\r\n", "\n") if "\r" in block else block
        columns = None if "\r" in plain or "\x00" in plain else self._split_plain(plain)
        if columns is None:
            return self._parse_block_carefully(block)
        count = len(columns[0])
        self._lines_before += count
        return self._table(columns, range(first, first + count))

    def _split_plain(self, block: str) -> list[list[str]] | None:
        """The cells of a block of plain lines, or None when it needs the careful path."""
        if self.fmt == "text" and not block.isascii():
            return None  # str.split() also splits at unicode spaces
        lines = block.split("\n")
        if lines[-1] == "":
            lines.pop()  # the block ends with a newline
        # Every careful first character sorts at or before ","; the smallest line tells whether
        # any line may start with one (much faster than searching the block for each).
        if not lines or min(lines)[:1] <= ",":
            careful = _CAREFUL_TEXT if self.fmt == "text" else {*_CAREFUL_STARTS, self.delimiter}
            if any(line[:1] in careful for line in lines):
                return None
        if self.width == 1:
            separators = _TEXT_SPACES if self.fmt == "text" else (self.delimiter,)
            if not any(s in block for s in separators):
                return [lines]
        rows = (
            [line.split() for line in lines]
            if self.fmt == "text"
            else [line.split(self.delimiter) for line in lines]
        )
        if any(len(cells) != self.width for cells in rows):
            return None  # the careful path names the line
        return _transpose(rows, self.width)

    def _parse_block_carefully(self, block: str) -> TextTable:
        rows_of = _Rows(iter(io.StringIO(block, newline="")), self.fmt)
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, cells in rows_of:
            rows.append(cells)
            numbers.append(self._lines_before + number)
        self._check_widths(rows, numbers)
        self._lines_before += _count_lines(block)
        return self._table(_transpose(rows, self.width), numbers)

    def _quoted_tables(self, block: str) -> Iterator[TextTable]:
        """Everything from ``block`` on through the csv module, QUOTED_CHUNK_ROWS rows at a time."""

        def lines() -> Iterator[str]:
            current = block
            while current:
                yield from io.StringIO(current, newline="")
                current = self._next_block()

        offset = self._lines_before
        rows: list[list[str]] = []
        numbers: list[int] = []
        reader = iter(_Rows(lines(), self.fmt))
        while True:
            with self._reading():
                for number, cells in reader:
                    rows.append(cells)
                    numbers.append(offset + number)
                    if len(rows) == QUOTED_CHUNK_ROWS:
                        break
                self._check_widths(rows, numbers)
            if not rows:
                return
            yield self._table(_transpose(rows, self.width), numbers)
            rows, numbers = [], []

    def read_all(self) -> TextTable:
        tables = list(self.tables())
        columns = [
            list(itertools.chain.from_iterable(t.columns[j] for t in tables))
            for j in range(self.width)
        ]
        numbers = list(itertools.chain.from_iterable(t.line_numbers for t in tables))
        return self._table(columns, numbers)


def read_text_table(
    stream: IO[bytes], source: str, *, fmt: str = "auto", header: bool | None = None
) -> TextTable:
    """Reads a whole text table (see ``_TextReader``); ``header=None`` detects a header row."""
    reader = _TextReader(stream, source, fmt=fmt, header=header)
    try:
        return reader.read_all()
    finally:
        reader.close()


def _shown(text: str, limit: int = 60) -> str:
    """repr(text) for a message, cut to about ``limit`` characters (a 50 MB cell stays short)."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[: limit - 4] + "..." + quoted[-1]


def _listed(names: Sequence[str], limit: int = 20) -> str:
    """Column names for a message: the first ``limit``, then how many there are in all."""
    text = ", ".join(_shown(n) for n in names[:limit])
    return text if len(names) <= limit else f"{text}, ... ({len(names)} columns)"


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
        listed = _listed(names)
        raise UsageError(
            f"--column {item!r}: {source} has no such column "
            f"(columns: {listed}; or a number from 1 to {len(names)})"
        )
    return picked


def table_columns_as_array(table: TextTable, picked: Sequence[int]) -> np.ndarray:
    """The picked columns as float64: 1-D for one column, 2-D (rows x columns) for several."""
    arrays = []
    for j in picked:
        name = table.names[j]

        def where(i: int, cell: str, name: str = name) -> str:
            what = f"{_shown(cell)} is not a number" if cell.strip() else "empty cell, not a number"
            return f"{table.source} line {table.line_numbers[i]}, column {_shown(name)}: {what}"

        arrays.append(parse_numbers(table.column(j), where))
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=-1)


# --- Sources read in chunks ------------------------------------------------------------------


class InputSource:
    """One input, read whole or in chunks of rows (``open_input`` makes one).

    Attributes:
        source: how messages name the input.
        x_names: the names of x's columns; ``names_known``: as in ``Input``.
        ndim: the number of axes of x (1 or 2 for text; any for .npy).
        rows: the length of x's first axis when known before reading (None for text).
        total: the amount of work for a progress bar (rows, or characters of text), or None
            when unknown (a pipe).
    """

    source: str
    x_names: list[str]
    names_known: bool = True
    ndim: int = 1
    rows: int | None = None
    total: int | None = None

    def __init__(self, dtype: str | None):
        self.dtype = dtype
        self.overflowed = 0

    def chunks(self, *, whole: bool = False) -> Iterator[Input]:
        """The input in chunks of rows along x's first axis (one chunk with ``whole``).
        Casting to --dtype happens here; a warning at the end counts overflowed values."""
        for data in self._chunks(whole):
            if self.dtype is not None:
                data.x = self._cast(data.x)
            yield data
        if self.overflowed:
            warn(f"{self.overflowed} value(s) do not fit in {self.dtype} and became inf or -inf")

    def read_all(self) -> Input:
        (data,) = self.chunks(whole=True)  # run to the end: the overflow warning comes last
        return data

    def estimated_seconds(self, *, text_output: bool) -> float:
        """A rough guess of the run time, to decide whether a progress bar is worth showing."""
        return 0.0

    def _chunks(self, whole: bool) -> Iterator[Input]:
        raise NotImplementedError

    def _cast(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # counted and reported once, at the end
            out = x.astype(self.dtype)
        self.overflowed += int(np.count_nonzero(np.isinf(out) & np.isfinite(x)))
        return out


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
        return self.x.size * (_SECONDS_PER_TEXT_VALUE if text_output else _SECONDS_PER_VALUE)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        x = self.x
        if whole or x.ndim == 0:
            yield Input(x, self.x_names, None, self.source, True, self.total)
            return
        step = _rows_per_chunk(x.shape)
        for start in range(0, x.shape[0], step):
            stop = min(start + step, x.shape[0])
            yield Input(x[start:stop], self.x_names, None, self.source, True, stop)


def _rows_per_chunk(shape: tuple[int, ...]) -> int:
    row = math.prod(shape[1:])
    return max(1, ARRAY_CHUNK_ELEMENTS // max(row, 1))


def _npy_names(shape: tuple[int, ...]) -> list[str]:
    return [f"x{j + 1}" for j in range(shape[1])] if len(shape) == 2 else ["x"]


def _npy_columns(shape: tuple[int, ...], columns: Sequence[str], source: str) -> list[int] | None:
    if not columns:
        return None
    if len(shape) != 2:
        raise UsageError(f"--column applies to a 2-D .npy; {source} has shape {shape}")
    return select_columns(_npy_names(shape), columns, source)


class _NpySource(InputSource):
    """A .npy file or stream, read a window of rows at a time.

    A file is memory-mapped one window at a time (each window is unmapped once its chunk is
    done, so the pages read do not pile up in the resident set); a stream is read in order.
    Fortran-ordered arrays (rare) are read whole.
    """

    def __init__(
        self,
        stream: IO[bytes],
        source: str,
        path: str | None,
        columns: Sequence[str],
        dtype: str | None,
    ):
        super().__init__(dtype)
        self.stream, self.source = stream, source
        self.path = None if path in (None, "-") else path
        self.offset: int | None = None  # where the data starts in the file
        if self.path is None:
            header = _read_npy_header(stream, source)
        else:
            with open(self.path, "rb") as f:  # a handle of its own: tell() gives the offset
                header = _read_npy_header(f, source)
                self.offset = f.tell()
                size = os.fstat(f.fileno()).st_size
        self.header = header
        shape = header.shape
        count = math.prod(shape)
        if any(n < 0 for n in shape):
            raise DataError(f"{source} is not a readable .npy file: its shape {shape} is negative")
        if self.offset is not None and size - self.offset < count * header.dtype.itemsize:
            raise DataError(
                f"{source} is not a readable .npy file: its data ends after "
                f"{size - self.offset} of {count * header.dtype.itemsize} bytes"
            )
        _numeric_array(np.empty(0, header.dtype), source)  # refuses complex, strings, ...
        if self.path is None and len(shape) == 2 and count:
            # The header's width is a claim: read the first row before naming every column.
            first = _read_exactly(stream, shape[1] * header.dtype.itemsize, source)
            self.stream = io.BufferedReader(_Prefixed(bytes(first), stream))
        self.picked = _npy_columns(shape, columns, source)
        names = _npy_names(shape)
        if self.picked is not None:
            names = [names[j] for j in self.picked]
        self.x_names = names
        self.ndim = len(shape) if self.picked is None or len(self.picked) > 1 else 1
        self.rows = shape[0] if shape else None
        self.total = shape[0] if shape else 1
        if count == 0:
            raise DataError(f"{source} has no values (empty input)")

    def estimated_seconds(self, *, text_output: bool) -> float:
        count = math.prod(self.header.shape)
        return count * (_SECONDS_PER_TEXT_VALUE if text_output else _SECONDS_PER_VALUE)

    def _select(self, array: np.ndarray) -> np.ndarray:
        array = _numeric_array(array, self.source)
        if self.picked is None:
            return array
        picked = self.picked
        return array[:, picked[0]] if len(picked) == 1 else array[:, picked]

    def _whole(self) -> np.ndarray:
        if self.path is not None:
            try:
                array = np.load(self.path, mmap_mode="r", allow_pickle=False)
            except (ValueError, OSError) as exc:
                raise DataError(
                    f"{self.source} is not a readable .npy file: {one_line(exc)}"
                ) from None
        else:
            nbytes = math.prod(self.header.shape) * self.header.dtype.itemsize
            data = _read_exactly(self.stream, nbytes, self.source)
            order = "F" if self.header.fortran_order else "C"
            array = np.frombuffer(data, self.header.dtype).reshape(self.header.shape, order=order)
        return self._select(array)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        shape = self.header.shape
        if whole or not shape or (self.header.fortran_order and len(shape) > 1):
            yield Input(self._whole(), self.x_names, None, self.source, True, self.total)
            return
        step = _rows_per_chunk(shape)
        row_bytes = math.prod(shape[1:]) * self.header.dtype.itemsize
        for start in range(0, shape[0], step):
            stop = min(start + step, shape[0])
            window = self._window(start, stop, row_bytes)
            yield Input(self._select(window), self.x_names, None, self.source, True, stop)
            del window  # unmapped here, so the pages read do not pile up

    def _window(self, start: int, stop: int, row_bytes: int) -> np.ndarray:
        shape = (stop - start, *self.header.shape[1:])
        if self.path is not None:
            try:
                return np.memmap(
                    self.path,
                    dtype=self.header.dtype,
                    mode="r",
                    offset=self.offset + start * row_bytes,
                    shape=shape,
                )
            except (ValueError, OSError) as exc:
                raise DataError(f"cannot read {self.source}: {one_line(exc)}") from None
        data = _read_exactly(self.stream, (stop - start) * row_bytes, self.source)
        return np.frombuffer(data, self.header.dtype).reshape(shape)


_READ_GROWTH = 1 << 26  # bytes: how far a stdin buffer runs ahead of the data received


def _read_exactly(stream: IO[bytes], nbytes: int, source: str) -> bytearray:
    # nbytes comes from the header, a claim: the buffer grows as data arrives, so a forged
    # "shape (10**12,)" on stdin ends in one line, not in MemoryError or the OOM killer.
    buffer = bytearray(min(nbytes, _READ_GROWTH))
    view = memoryview(buffer)
    done = 0
    try:
        while done < nbytes:
            if done == len(buffer):
                view.release()
                buffer.extend(bytes(min(nbytes - done, _READ_GROWTH)))
                view = memoryview(buffer)
            n = stream.readinto(view[done:])
            if not n:
                raise DataError(
                    f"{source} is not a readable .npy file: its data ends after "
                    f"{done} of {nbytes} bytes"
                )
            done += n
    except OSError as exc:
        raise DataError(f"cannot read {source}: {exc.strerror or exc}") from None
    return buffer


class _TextSource(InputSource):
    """A CSV, TSV or text table: the picked columns are x; every cell is kept for the output."""

    def __init__(
        self,
        reader: _TextReader,
        *,
        columns: Sequence[str],
        all_numeric: bool,
        dtype: str | None,
        size: int | None,
    ):
        super().__init__(dtype)
        self.reader = reader
        self.source = reader.source
        names = reader.names
        if columns:
            picked = select_columns(names, columns, self.source)
        else:
            picked = [j for j, cell in enumerate(reader.first_row) if is_number(cell)]
            if not picked:
                listed = _listed(names)
                raise DataError(
                    f"{self.source} has no numeric column (columns: {listed}); "
                    "choose one with --column"
                )
            if not all_numeric:
                picked = picked[:1]
        self.picked = picked
        self.x_names = [names[j] for j in picked]
        self.names_known = reader.has_header
        self.ndim = 1 if len(picked) == 1 else 2
        self.total = size

    def estimated_seconds(self, *, text_output: bool) -> float:
        return (self.total or 0) * _SECONDS_PER_TEXT_CHAR

    def _input(self, table: TextTable) -> Input:
        x = table_columns_as_array(table, self.picked)
        return Input(x, self.x_names, table, self.source, self.names_known, self.reader.chars_read)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        if whole:
            yield self._input(self.reader.read_all())
            return
        for table in self.reader.tables():
            yield self._input(table)


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
    stdin_is_tty: bool | None = None,
) -> Iterator[InputSource]:
    """Opens the one input source, to be read whole or in chunks (see ``InputSource``).

    Args:
        all_numeric: with no --column, take every numeric column (axis-wise functions: one vector
            per row) rather than the first one.
        dtype: cast x to this float dtype (default: the input's; float64 for text).

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
        head, stream = _peek(raw, len(_NPY_MAGIC))
        fmt = input_format_for(path, head, input_format)
        if fmt == "npy":
            if header is not None:
                raise UsageError("--header applies to text input, not .npy")
            yield _NpySource(stream, source, path, columns, dtype)
            return
        if head.startswith(_NPY_MAGIC):
            raise UsageError(f"{source} is a .npy file, not {fmt} (drop --input-format)")
        reader = _TextReader(stream, source, fmt=fmt, header=header)
        try:
            yield _TextSource(
                reader, columns=columns, all_numeric=all_numeric, dtype=dtype, size=size
            )
        finally:
            reader.close()


def read_input(**kwargs: Any) -> Input:
    """Reads the one input source whole; see ``open_input`` for the arguments and errors."""
    with open_input(**kwargs) as source:
        return source.read_all()


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


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# --- Progress ----------------------------------------------------------------------------------

# Rough costs on a 2-core laptop-class machine, to tell a run of about a second from a short one.
_SECONDS_PER_TEXT_CHAR = 8e-8  # CSV in, CSV out: ~80 ns per character of input
_SECONDS_PER_TEXT_VALUE = 1e-6  # an array written as text: ~1 us per value
_SECONDS_PER_VALUE = 1e-8  # an array written as .npy: ~10 ns per value
PROGRESS_MIN_SECONDS = 1.0


def progress_wanted(*, quiet: bool, stream: Any, seconds: float) -> bool:
    """A progress bar only for work of about a second or more, only on a terminal (never in a
    pipe, a file or a CI log), never with --quiet or TERM=dumb."""
    if quiet or seconds < PROGRESS_MIN_SECONDS or not is_tty(stream):
        return False
    return os.environ.get("TERM") != "dumb" and not os.environ.get("CI")


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


def color_wanted(stream: Any) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    return is_tty(stream) and not os.environ.get("NO_COLOR")


def _npy_header(dtype: np.dtype, shape: tuple[int, ...], *, length: int = 0) -> bytes:
    """A version 1.0 .npy header for a C-ordered array, padded with spaces to ``length`` bytes
    (at least), then to a multiple of 64 as NumPy aligns it."""
    from numpy.lib import format as npy_format

    descr = npy_format.dtype_to_descr(dtype)
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {tuple(map(int, shape))!r}, }}"
    body = text.encode("latin1")
    size = max(len(_NPY_MAGIC) + 4 + len(body) + 1, length)
    size += -size % 64
    padding = size - (len(_NPY_MAGIC) + 4 + len(body) + 1)
    return (
        _NPY_MAGIC
        + b"\x01\x00"
        + struct.pack("<H", len(body) + padding + 1)
        + body
        + b" " * padding
        + b"\n"
    )


# Reserved when the row count is not known yet (text in): room for a 20-digit first axis.
_UNKNOWN_ROWS = 10**19


class _NpyChunks:
    """Writes arrays as one .npy, chunk by chunk along the first axis.

    With ``rows`` known (a .npy or range in) the header is written first and each chunk goes
    straight out. Otherwise a single chunk is written with its own shape, and a second one makes
    the writer reserve a header with room for any row count, patched at the end (in the file
    itself, or in a temporary file copied to a pipe, which cannot seek back).
    """

    def __init__(self, open_stream: Any, *, rows: int | None, to_pipe: bool):
        self.open_stream = open_stream
        self.rows = rows
        self.to_pipe = to_pipe
        self.stream: Any = None
        self.spool: Any = None
        self.pending: np.ndarray | None = None
        self.dtype: np.dtype | None = None
        self.tail: tuple[int, ...] = ()
        self.header_size = 0
        self.written = 0

    def write(self, array: np.ndarray) -> None:
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        if self.dtype is None:
            self.dtype, self.tail = array.dtype, array.shape[1:]
            if self.rows is None:
                self.pending = array  # may be the only chunk: then it keeps its own shape
                return
            self._start((self.rows, *self.tail))
        elif array.dtype != self.dtype or array.shape[1:] != self.tail:
            raise RuntimeError(f"chunk {array.dtype}{array.shape} after {self.dtype}{self.tail}")
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._start((_UNKNOWN_ROWS, *self.tail))
            self._data(pending)
        self._data(array)

    def close(self) -> None:
        if self.pending is not None:  # one chunk: its own shape (0-d arrays included)
            self._start(self.pending.shape)
            self._data(self.pending)
            self.pending = None
        elif self.rows is None and self.dtype is not None:
            self.stream.seek(0)
            self.stream.write(
                _npy_header(self.dtype, (self.written, *self.tail), length=self.header_size)
            )
            self.stream.seek(0, os.SEEK_END)
        elif self.rows is not None and self.written != self.rows:
            raise RuntimeError(f"wrote {self.written} rows of {self.rows}")
        if self.spool is not None:
            self.spool.seek(0)
            target = self.open_stream()
            shutil.copyfileobj(self.spool, target, 1 << 20)
            self.spool.close()

    def _start(self, shape: tuple[int, ...]) -> None:
        assert self.dtype is not None
        if self.rows is None and shape and shape[0] == _UNKNOWN_ROWS and self.to_pipe:
            self.spool = self.stream = tempfile.TemporaryFile()
        else:
            self.stream = self.open_stream()
        header = _npy_header(self.dtype, shape)
        self.header_size = len(header)
        self.stream.write(header)

    def _data(self, array: np.ndarray) -> None:
        self.stream.write(memoryview(array).cast("B") if array.size else b"")
        self.written += array.shape[0] if array.ndim else 1


def write_output(
    tables: OutputTable | Iterable[OutputTable],
    *,
    fmt: str | None = None,
    output: str | None = None,
    precision: int | None = None,
    rows: int | None = None,
) -> None:
    """Writes a computed table, or the tables of successive chunks of rows, with the one writer
    their format names (see ``WRITERS``; npy: ``_NpyChunks``).

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
        return _NpyChunks(lambda: open_stream(True), rows=rows, to_pipe=to_pipe)
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


# ---------------------------------------------------------------------------------------------
# Atomic output


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class _HeldStdout:
    """stdout, held back until ``HOLD_STDOUT`` characters (or bytes) have been written: a run that
    fails early (a bad cell, a bad option) leaves stdout empty; a longer output streams."""

    def __init__(self, stream: IO[Any]):
        self._stream = stream
        self._parts: list[Any] = []
        self._size = 0
        self._passing = False

    def write(self, data: Any) -> int:
        if self._passing:
            return self._out(self._stream.write, data)
        self._parts.append(data)
        self._size += len(data) if not isinstance(data, memoryview) else data.nbytes
        if self._size > HOLD_STDOUT:
            self.release()
        return len(data)

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._passing:
            self._out(self._stream.flush)

    def release(self) -> None:
        """Writes what was held back, and everything from now on."""
        self._passing = True
        parts, self._parts = self._parts, []
        for part in parts:
            self._out(self._stream.write, part)

    def finish(self) -> None:
        self.release()
        self._out(self._stream.flush)

    def _out(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise DataError(f"cannot write to stdout: {exc.strerror or exc}") from None

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ... of stdout
        return getattr(self._stream, name)


@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator[IO[Any]]:
    """A stream to write ``path`` (stdout for None or "-"), replaced only when writing succeeds.

    The temporary file sits in the target's folder (so ``os.replace`` is an atomic rename on the
    same file system), gets the old file's permissions (or the umask's), and is removed if
    anything goes wrong, so the previous file survives byte for byte. stdout is held back (see
    ``_HeldStdout``) so that a run failing early writes nothing there.
    """
    if path in (None, "-"):
        if sys.stdout is None:  # started with descriptor 1 closed (`actcli ... >&-`)
            raise DataError("cannot write to stdout: it is closed")
        held = _HeldStdout(sys.stdout.buffer if binary else sys.stdout)
        yield held  # type: ignore[misc]
        held.finish()
        return
    if writes_in_place(path):
        with _in_place_output(path, binary=binary) as stream:
            yield stream
        return
    if os.path.islink(path):  # replace what the link names, not the link (-o /dev/stdout)
        path = os.path.realpath(path)
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
            stream: IO[Any] = os.fdopen(fd, "w+b")  # w+: a .npy header is patched at the end
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


def writes_in_place(path: str | None) -> bool:
    """Whether -o names a device or a FIFO (/dev/null, /dev/stdout on a pipe, a named pipe):
    such a target is written into, not replaced by a regular file (nor sought in)."""
    if path in (None, "-") or not os.path.exists(path):
        return False
    return not os.path.isfile(path) and not os.path.isdir(path)


@contextlib.contextmanager
def _in_place_output(path: str, *, binary: bool) -> Iterator[IO[Any]]:
    try:
        stream = open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="")
        with stream:
            yield stream
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# ---------------------------------------------------------------------------------------------
# The CSV yardstick


def csv_floor(source: str, target: str) -> None:
    """The least work any CSV evaluator does, the floor actcli's CSV speed is measured against
    (``benchmarks/bench.py``, ``tests/test_streaming.py``): parse a one-column CSV with a header
    line into float64, format one float per row with ``repr`` (the shortest round-trip text, as
    actcli prints it) and write it beside the input cell. No checks and no activation.

    It uses nothing but NumPy and the standard library, so a benchmark can time it in a fresh
    interpreter from ``inspect.getsource(csv_floor)`` without importing actcli.
    """
    import numpy as np

    with open(source) as f:
        f.readline()  # the header
        cells = f.read().split()
    values = np.array(cells, dtype=np.float64).tolist()
    step = 1 << 16
    with open(target, "w") as out:
        out.write("x,y\n")
        for i in range(0, len(cells), step):
            pairs = zip(cells[i : i + step], values[i : i + step], strict=True)
            out.write("".join([f"{c},{v!r}\n" for c, v in pairs]))
