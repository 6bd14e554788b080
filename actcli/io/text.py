"""Text tables read in blocks: CSV, TSV and whitespace-separated text (``TextReader``)."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np

from actcli.errors import DataError

from .values import is_number

_DELIMITERS = {"csv": ",", "tsv": "\t"}
# Text is read in blocks of about this many characters of whole lines (~50K CSV rows).
TEXT_BLOCK_CHARS = 1 << 20
# Rows per chunk once a quoted CSV field has handed the rest of a file to the csv module.
QUOTED_CHUNK_ROWS = 1 << 15
# The longest line (or quoted field) read: a line is held whole while it is split into cells,
# so `-i /dev/zero` or a runaway quote ends in one line, not in unbounded memory.
MAX_LINE_CHARS = 1 << 24
# The most columns a text table may have (each costs a list per block of rows).
MAX_COLUMNS = 100_000


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


class TextReader:
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
        # A long cell is fine anywhere (the csv module's default limit is 131,072 characters).
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_CHARS))
        self.source = source
        self.fmt = "text"
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self.chars_read = 0
        self.delimiter: str | None = None
        self._head_lines = 0
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
            if "field larger than field limit" in str(exc):
                raise DataError(
                    f"{self.source}: a quoted field runs on for more than {MAX_LINE_CHARS:,} "
                    "characters (a quote that is never closed?)"
                ) from None
            raise DataError(f"{self.source}: not readable as {self.fmt.upper()}: {exc}") from None
        except OSError as exc:
            raise DataError(f"cannot read {self.source}: {exc.strerror or exc}") from None

    def _read_head(self, fmt: str, header: bool | None) -> None:
        self.fmt = fmt if fmt != "auto" else "text"
        lines = self._counted(iter(self._readline, ""))
        pending: list[str] = []
        if fmt == "auto":
            for line in lines:
                pending.append(line)
                if line.strip() and not line.lstrip().startswith("#"):
                    self.fmt = _sniff_format(line)
                    self.delimiter = _DELIMITERS.get(self.fmt)
                    self._check_columns(line)  # checked as text before its format was known
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
        self._head = (rows, numbers)

    def _counted(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            self.chars_read += len(line)
            self._check_columns(line)
            yield line

    def _readline(self) -> str:
        line = self.text.readline(MAX_LINE_CHARS + 1)
        self._head_lines += 1
        if len(line) > MAX_LINE_CHARS:
            raise DataError(self._too_long(self._head_lines))
        return line

    def _too_long(self, number: int) -> str:
        return (
            f"{self.source} line {number} is longer than {MAX_LINE_CHARS:,} characters "
            "(a binary file? one value per line for long vectors)"
        )

    def _check_columns(self, line: str) -> None:
        """Refuses a line of more than MAX_COLUMNS cells before it is split into them."""
        if len(line) <= MAX_COLUMNS:
            return
        if self.fmt == "text":
            many = len(line.split(None, MAX_COLUMNS)) > MAX_COLUMNS
        else:
            many = line.count(self.delimiter or ",") >= MAX_COLUMNS
        if many:
            raise DataError(
                f"{self.source} line {self._head_lines} has more than {MAX_COLUMNS:,} columns; "
                "for one long vector put one value per line (or save a .npy)"
            )

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
        size = len(self._carry)  # of the line that has no end yet
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
            size += len(data)
            if size > MAX_LINE_CHARS:
                raise DataError(self._too_long(self._lines_before + 1))
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
        return concat_tables(list(self.tables()))


def concat_tables(tables: Sequence[TextTable]) -> TextTable:
    """Successive blocks of one table as one table."""
    first = tables[0]
    columns = [
        list(itertools.chain.from_iterable(t.columns[j] for t in tables))
        for j in range(len(first.names))
    ]
    # Line numbers as one int64 array (8 bytes a row, not a list of ints at 36).
    numbers = np.concatenate([np.asarray(t.line_numbers, dtype=np.int64) for t in tables])
    return TextTable(first.names, first.has_header, columns, numbers, first.source)


def read_text_table(
    stream: IO[bytes], source: str, *, fmt: str = "auto", header: bool | None = None
) -> TextTable:
    """Reads a whole text table (see ``TextReader``); ``header=None`` detects a header row."""
    reader = TextReader(stream, source, fmt=fmt, header=header)
    try:
        return reader.read_all()
    finally:
        reader.close()
