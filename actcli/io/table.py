"""Data tables for terminals and text files (``-f table``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from .terminal import make_console, new_table


def render_rows(
    names: Sequence[str],
    rows: Sequence[Sequence[str]],
    text_columns: Sequence[bool],
    stream: IO[str],
    *,
    color: bool = False,
    width: int | None = None,
    title: str | None = None,
) -> None:
    """Prints a table: numbers right-aligned (so digits line up), text left-aligned."""
    table = new_table(title, color)
    for name, is_text in zip(names, text_columns, strict=True):
        table.add_column(
            name, justify="left" if is_text else "right", no_wrap=True, overflow="fold"
        )
    for row in rows:
        table.add_row(*row)
    make_console(stream, color=color, width=width).print(table)
