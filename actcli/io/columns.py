"""Columns of a text table: chosen by name or index, and read as numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actcli.errors import UsageError

from .messages import listed, shown
from .text import TextTable
from .values import parse_numbers


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
        columns_text = listed(names)
        raise UsageError(
            f"--column {item!r}: {source} has no such column "
            f"(columns: {columns_text}; or a number from 1 to {len(names)})"
        )
    return picked


def table_columns_as_array(table: TextTable, picked: Sequence[int]) -> np.ndarray:
    """The picked columns as float64: 1-D for one column, 2-D (rows x columns) for several."""
    arrays = []
    for j in picked:
        name = table.names[j]

        def where(i: int, cell: str, name: str = name) -> str:
            what = f"{shown(cell)} is not a number" if cell.strip() else "empty cell, not a number"
            return f"{table.source} line {table.line_numbers[i]}, column {shown(name)}: {what}"

        arrays.append(parse_numbers(table.column(j), where))
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=-1)
