"""Columns of a text table: chosen by name or index, or found numeric in a sample of rows; read
as numbers, with missing cells kept, skipped or refused (``--missing``)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from actcli.errors import DataError, UsageError

from .messages import listed, shown
from .text import TextTable
from .values import is_number, parse_numbers


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
        if item.isascii() and item.isdigit() and 1 <= int(item) <= len(names):  # not '²'
            picked.append(int(item) - 1)
            continue
        columns_text = listed(names)
        raise UsageError(
            f"--column {item!r}: {source} has no such column "
            f"(columns: {columns_text}; or a number from 1 to {len(names)})"
        )
    return picked


MISSING_CHOICES = ("keep", "skip", "error")
# What counts as a missing cell, after stripping spaces and ignoring case: the empty cell and the
# NA spellings pandas.read_csv knows by default, except those float() reads (nan, NaN, -nan):
# NaN is a number, and the core's NaN in, NaN out applies to it.
NA_SPELLINGS = frozenset(
    ["", "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>", "null", "none"]
    + ["-1.#ind", "-1.#qnan", "1.#ind", "1.#qnan"]
)
# Rows read before choosing the x columns: each choice rests on this many rows (or all of them).
SAMPLE_ROWS = 1000


def is_missing(cell: str) -> bool:
    """Whether a cell is empty or an NA spelling (``NA``, ``N/A``, ``null``, ``None``, ...)."""
    return cell.strip().casefold() in NA_SPELLINGS


def numeric_columns(tables: Sequence[TextTable], rows: int = SAMPLE_ROWS) -> list[int]:
    """The columns whose cells in the first ``rows`` rows of ``tables`` are all numbers or
    missing, with at least one number: the same answer wherever a blank cell sits.

    When no column is, the first column holding any number (reading it then names its first bad
    cell), or none.
    """
    width = len(tables[0].names) if tables else 0
    samples = [
        list(itertools.islice(itertools.chain.from_iterable(t.columns[j] for t in tables), rows))
        for j in range(width)
    ]
    numeric = [j for j, cells in enumerate(samples) if _is_numeric(cells)]
    if numeric:
        return numeric
    return next(([j] for j, cells in enumerate(samples) if any(map(is_number, cells))), [])


def _is_numeric(cells: Sequence[str]) -> bool:
    try:  # the common case: every cell a number, checked at C speed
        np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
        return bool(cells)
    except ValueError:
        pass
    seen_number = False
    for cell in cells:
        if is_number(cell):
            seen_number = True
        elif not is_missing(cell):
            return False
    return seen_number


def read_columns(
    table: TextTable, picked: Sequence[int], *, missing: str = "error"
) -> tuple[np.ndarray, np.ndarray | None]:
    """The picked columns as float64 (1-D for one column, 2-D rows x columns for several), and
    where cells are missing (None when none is): NaN there. With ``missing="error"`` a missing
    cell is an error naming it, as a cell that is not a number always is."""
    arrays, masks = [], []
    for j in picked:
        values, mask = _read_column(table, j, missing)
        arrays.append(values)
        masks.append(mask)
    if all(m is None for m in masks):
        mask = None
    else:
        filled = [np.zeros(len(table), bool) if m is None else m for m in masks]
        mask = filled[0] if len(filled) == 1 else np.stack(filled, axis=-1)
    return (arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=-1)), mask


def _read_column(table: TextTable, j: int, missing: str) -> tuple[np.ndarray, np.ndarray | None]:
    name = table.names[j]
    cells = table.column(j)

    def where(i: int, cell: str) -> str:
        if not cell.strip():
            what = "empty cell, not a number"
        elif is_missing(cell):
            what = f"{shown(cell)} is a missing value (--missing keep or skip accepts it)"
        else:
            what = f"{shown(cell)} is not a number"
        return f"{table.source} line {table.line_numbers[i]}, column {shown(name)}: {what}"

    try:
        return parse_numbers(cells, where), None
    except DataError:
        if missing == "error":
            raise
    mask = np.fromiter(map(is_missing, cells), dtype=bool, count=len(cells))
    present = [c for c, m in zip(cells, mask.tolist(), strict=True) if not m]
    rows = np.flatnonzero(~mask)
    values = np.full(len(cells), np.nan)
    values[rows] = parse_numbers(present, lambda i, cell: where(int(rows[i]), cell))
    return values, mask


def table_columns_as_array(table: TextTable, picked: Sequence[int]) -> np.ndarray:
    """The picked columns as float64, every cell a number (see ``read_columns``)."""
    return read_columns(table, picked)[0]


def drop_rows(table: TextTable, drop: np.ndarray) -> TextTable:
    """The table without the rows ``drop`` marks (``--missing skip``)."""
    keep = (~drop).tolist()
    return TextTable(
        table.names,
        table.has_header,
        [list(itertools.compress(column, keep)) for column in table.columns],
        list(itertools.compress(table.line_numbers, keep)),
        table.source,
    )
