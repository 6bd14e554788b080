"""Data tables for terminals and text files (``-f table``), streamed a block of rows at a time.

Nothing is ever cut, folded or rounded: every cell and header is printed whole, as the writer
formatted it. Column widths come from the data, block by block (they only grow; when they do,
the header is printed again above the wider rows). To a file or a pipe a table is as wide as
its data. On a terminal a table wider than the screen is laid out in column blocks, as R and
pandas print wide frames: each block starts with the key column(s) (x) and holds as many of the
other columns as fit; a single column wider than the screen gets a block of its own and the
terminal wraps it. On a terminal, control characters in cells and headers are shown escaped.

rich is not used to lay out rows (100,000-row Table objects are slow and hold every row); it
measures the display width of non-ASCII text (imported only then).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from .terminal import printable
from .values import is_number

GAP = "   "  # between columns (rich's SIMPLE_HEAD: padding, separator, padding)
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # lazy: start-up time (ASCII tables never need it)

    return cell_len(text)


def _widths(cells: Sequence[str]) -> int:
    if not cells:
        return 0
    if "".join(cells).isascii():
        return max(map(len, cells))
    return max(map(cell_width, cells))


def _all_numbers(cells: Sequence[str]) -> bool:
    """Whether text cells read as numbers (an input's x column): aligned as numbers are."""
    present = [c for c in cells if c.strip()]
    return bool(present) and all(map(is_number, present))


def _pad(cells: Sequence[str], width: int, *, right: bool, ascii_only: bool) -> list[str]:
    if ascii_only:
        return [c.rjust(width) for c in cells] if right else [c.ljust(width) for c in cells]
    pads = [" " * (width - cell_width(c)) for c in cells]
    if right:
        return [p + c for p, c in zip(pads, cells, strict=True)]
    return [c + p for p, c in zip(pads, cells, strict=True)]


class TableRenderer:
    """Writes a table to ``stream`` as blocks of rows arrive (``block``), in flat memory.

    Args:
        names: the column headers.
        text_columns: which columns hold text passed through (left-aligned, unless every
            cell of the first block is a number or empty); the others hold numbers
            (right-aligned, so digits line up).
        width: the terminal's width, or None for no limit (a file or pipe).
        key: the column each column block repeats first (x), or several (diff's a and b).
        escape: show control characters escaped (on a terminal).
        color: bold headers (on a colour terminal).
        rule: the character of the line under the header.
    """

    def __init__(
        self,
        names: Sequence[str],
        text_columns: Sequence[bool],
        stream: IO[str],
        *,
        width: int | None = None,
        key: int | Sequence[int] = 0,
        escape: bool = False,
        color: bool = False,
        rule: str = "\u2500",
    ):
        self.escape = escape
        self.names = [printable(n) for n in names] if escape else list(names)
        self.text_columns = list(text_columns)
        self.stream = stream
        self.width = width
        keys = [key] if isinstance(key, int) else list(key)
        self.keys = [k for k in keys if 0 <= k < len(self.names)] or [0]
        self.color = color
        self.rule = rule
        self.widths = [cell_width(n) for n in self.names]
        self.right: list[bool] = []  # per column, decided by the first block
        self.groups: list[list[int]] = []
        self.blocks = 0

    def block(self, columns: Sequence[Sequence[str]]) -> None:
        """Writes one block of rows, given column by column."""
        if self.escape:
            columns = [
                [printable(c) for c in cells] if is_text else cells
                for cells, is_text in zip(columns, self.text_columns, strict=True)
            ]
        if not self.blocks:
            self.right = [
                not is_text or _all_numbers(cells)
                for cells, is_text in zip(columns, self.text_columns, strict=True)
            ]
        grown = [max(w, _widths(cells)) for w, cells in zip(self.widths, columns, strict=True)]
        if grown != self.widths or not self.blocks:
            self.widths = grown
            self.groups = self._groups()
            header_again = True
        else:
            header_again = len(self.groups) > 1  # blocks of columns: each block has its header
        out: list[str] = []
        for g, group in enumerate(self.groups):
            if header_again:
                if self.blocks or g:
                    out.append("")
                out += self._header(group)
            out += self._rows(group, columns)
        self.stream.write("\n".join(out) + "\n" if out else "")
        self.blocks += 1

    def close(self) -> None:
        if not self.blocks:  # no rows: the header alone
            self.block([[] for _ in self.names])

    def _groups(self) -> list[list[int]]:
        """Columns per block: all of them when they fit, else the key columns then as many of
        the others as fit (at least one), in order."""
        n = len(self.names)
        if self.width is None or self._span(range(n)) <= self.width:
            return [list(range(n))]
        others = [j for j in range(n) if j not in self.keys]
        groups: list[list[int]] = []
        current = list(self.keys)
        for j in others:
            if len(current) > len(self.keys) and self._span([*current, j]) > self.width:
                groups.append(current)
                current = list(self.keys)
            current.append(j)
        groups.append(current)
        return groups

    def _span(self, group: Sequence[int]) -> int:
        return sum(self.widths[j] for j in group) + len(GAP) * (len(group) - 1)

    def _justified(self, group: Sequence[int], columns: Sequence[Sequence[str]]) -> list[str]:
        last = group[-1]
        padded = []
        for j in group:
            cells = columns[j]
            right = self.right[j]
            if j == last and not right:
                padded.append(cells)  # no trailing spaces after left-aligned text
                continue
            ascii_only = "".join(cells).isascii()
            padded.append(_pad(cells, self.widths[j], right=right, ascii_only=ascii_only))
        return [GAP.join(row) for row in zip(*padded, strict=True)]

    def _header(self, group: Sequence[int]) -> list[str]:
        (line,) = self._justified(group, [[n] for n in self.names])
        if self.color:
            line = _BOLD + line + _RESET
        return [line, self.rule * self._span(group)]

    def _rows(self, group: Sequence[int], columns: Sequence[Sequence[str]]) -> list[str]:
        return self._justified(group, columns)


def render_rows(
    names: Sequence[str],
    rows: Sequence[Sequence[str]],
    text_columns: Sequence[bool],
    stream: IO[str],
    *,
    color: bool = False,
    width: int | None = None,
    escape: bool = False,
) -> None:
    """Prints a small table given row by row (``actcli info``'s samples)."""
    renderer = TableRenderer(names, text_columns, stream, width=width, color=color, escape=escape)
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
    renderer.block(columns)
