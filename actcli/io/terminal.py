"""The terminal: whether a stream is one, its width, colour, escaping what comes from outside,
progress bars and the rich renderers of ``list`` and ``info`` (rich is imported inside the
functions: commands that write CSV never load it)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from actcli.errors import printable

PROGRESS_MIN_SECONDS = 1.0


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def color_wanted(stream: Any) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    if not is_tty(stream) or os.environ.get("NO_COLOR"):
        return False
    return os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    """The terminal's width in columns: $COLUMNS when set, else the terminal's own, else 80."""
    import shutil  # here, not at start-up (shutil pulls in bz2 and lzma)

    return max(1, shutil.get_terminal_size((80, 24)).columns)


def progress_wanted(*, quiet: bool, stream: Any, seconds: float) -> bool:
    """A progress bar only for work of about a second or more, only on a terminal (never in a
    pipe, a file or a CI log), never with --quiet or TERM=dumb."""
    if quiet or seconds < PROGRESS_MIN_SECONDS or not is_tty(stream):
        return False
    return os.environ.get("TERM") != "dumb" and not os.environ.get("CI")


def make_console(stream: IO[str], *, color: bool, width: int | None = None) -> Any:
    """A rich Console on ``stream``: colour only when asked; a fixed ``width`` off-terminal so
    a table in a file or pipe is never wrapped to 80 columns."""
    from rich.console import Console  # lazy: start-up time

    return Console(
        file=stream,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        width=width,
        soft_wrap=False,
        emoji=False,
        markup=False,
    )


def new_table(title: str | None, color: bool) -> Any:
    """The house table: a rule under the header, no outer edge (rich imported here only)."""
    from rich import box
    from rich.table import Table

    return Table(
        box=box.SIMPLE_HEAD,
        title=title,
        header_style="bold" if color else "",
        show_edge=False,
        pad_edge=False,
    )


def render_records(
    columns: Sequence[str],
    records: Sequence[Sequence[str]],
    stream: IO[str],
    *,
    color: bool = False,
    width: int | None = None,
    title: str | None = None,
    wrap: Sequence[str] = (),
) -> None:
    """A table of text records (``actcli list``). Columns named in ``wrap`` may wrap between
    words, never inside one (a name or ``max_value=None`` is never cut); the others never wrap.
    When even that does not fit the terminal, each record is shown as a block of
    "column: value" lines instead (as psql's expanded mode), wrapped between words.
    ``width=None`` means the terminal's width; off a terminal the caller gives the width the
    widest cells need, so nothing wraps."""
    console = make_console(stream, color=color, width=width)
    mins = []
    for j, name in enumerate(columns):
        cells = [name, *(r[j] for r in records)]
        pieces = [w for c in cells for w in (c.split() if name in wrap else [c])]
        mins.append(max(map(len, pieces), default=1))
    if sum(mins) + 3 * (len(mins) - 1) > console.width:
        _render_expanded(columns, records, console, color=color, title=title)
        return
    table = new_table(title, color)
    for name, least in zip(columns, mins, strict=True):
        table.add_column(name, no_wrap=name not in wrap, min_width=least)
    for record in records:
        table.add_row(*record)
    console.print(table)


def _render_expanded(
    columns: Sequence[str], records: Sequence[Sequence[str]], console: Any, *, color: bool, title
) -> None:
    """Each record as its first cell, then one indented "column: value" line per non-empty
    cell, wrapped between words to the console's width (a word longer than a line is left
    whole for the terminal to wrap: nothing is cut)."""
    import textwrap

    from rich.text import Text

    if title:
        console.print(Text(title, style="bold" if color else ""), soft_wrap=True)
    label_width = max(len(c) for c in columns[1:]) + 2 if len(columns) > 1 else 0
    indent = " " * (2 + label_width)
    for k, record in enumerate(records):
        if k:
            console.print()
        console.print(Text(record[0], style="bold" if color else ""), soft_wrap=True)
        for name, cell in zip(columns[1:], record[1:], strict=True):
            if not cell:
                continue
            lines = textwrap.wrap(
                cell,
                width=max(console.width, len(indent) + 20),
                initial_indent=f"  {name + ':':<{label_width}}",
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            for line in lines:
                console.print(Text(line), soft_wrap=True)  # wrapped here, never again


def render_sections(
    title: str,
    sections: Sequence[tuple[str, str]],
    stream: IO[str],
    *,
    color: bool = False,
    width: int | None = None,
) -> None:
    """``actcli info``: a title, then "label: text" lines (labels bold on a terminal)."""
    from rich.text import Text

    console = make_console(stream, color=color, width=width)
    console.print(Text(title, style="bold" if color else ""))
    for label, text in sections:
        line = Text()
        line.append(f"{label}: ", style="bold" if color else "")
        line.append(text)
        console.print(line)


@contextlib.contextmanager
def progress_bar(
    total: int, description: str, stream: IO[str], *, color: bool = True
) -> Iterator[Callable[[int], None]]:
    """A transient progress bar on ``stream`` (stderr; the caller checked it is a terminal):
    yields ``advance(done)``, which moves the bar to ``done`` of ``total``."""
    from rich.console import Console  # lazy: start-up time
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    # force_terminal: the caller decided (a test may fake the terminal).
    console = Console(
        file=stream,
        force_terminal=True,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    with Progress(
        TextColumn("{task.description}", markup=False),  # a file name is not markup
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # data goes to stdout as it is, never through the bar's console
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task(printable(description), total=total)
        yield lambda done: progress.update(task, completed=min(done, total))
