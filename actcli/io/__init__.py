"""Inputs and outputs of the command line: values, ranges, CSV/TSV/text/NPY files, writers.

The data flows one way through the modules (each imports only those above it):

    values.py    numbers from cells and arguments; --range and --linspace
    messages.py  pieces of messages (a cell quoted and cut, a list of names, warnings)
    terminal.py  terminals: tty checks, colour, progress bars, rich renderers for list/info
    text.py      CSV, TSV and whitespace text read in blocks of lines (``TextReader``)
    columns.py   the x columns of a text table, chosen and read as numbers
    inputs.py    ``Input`` (one chunk of rows) and ``InputSource`` (what hands them out)
    npy.py       .npy headers, arrays read a window at a time, and written chunk by chunk
    sources.py   ``open_input``: the one source (values, ranges, a file or stdin)
    atomic.py    ``atomic_output``: files replaced only on success; stdout held back
    table.py     the data table (``-f table``)
    writers.py   ``OutputTable``, exact float text, one writer per format (``write_output``)
    floor.py     ``csv_floor``, the yardstick of CSV speed

Reading: ``open_input`` takes exactly one source and returns an ``InputSource`` whose
``chunks()`` are ``Input``s: the numbers to evaluate (``x``), the names of their columns, and,
for text tables, every cell as read so the output can keep them. A chunk is a block of rows, so
memory stays bounded whatever the input size. ``read_input`` reads the whole input as one
``Input``.

Writing: ``write_output`` takes one ``OutputTable`` or the tables of successive chunks and picks
one writer for ``table | csv | tsv | json | jsonl | npy``. Floats are printed with the shortest
text that reads back to the same value (``format_floats``). Files are written atomically, so
``-o`` never leaves a half-written file and may name the input itself. stdout is held back for
the first ``HOLD_STDOUT`` characters, so a run that fails early writes nothing there.

The names below are the package's interface (``from actcli import io; io.open_input(...)``).
Sizes that tests shrink (``TEXT_BLOCK_CHARS``, ``ARRAY_CHUNK_ELEMENTS``, ``HOLD_STDOUT``, ...)
live in the module that uses them and are patched there (``io.text.TEXT_BLOCK_CHARS``).
"""

from __future__ import annotations

from .atomic import atomic_output, writes_in_place
from .columns import (
    MISSING_CHOICES,
    is_missing,
    numeric_columns,
    read_columns,
    select_columns,
    table_columns_as_array,
)
from .floor import csv_floor
from .inputs import Input, InputSource
from .messages import one_line, size_text, warn
from .npy import read_npy
from .sources import (
    DTYPES,
    INPUT_FORMATS,
    choose_source,
    input_format_for,
    open_binary,
    open_input,
    read_input,
)
from .terminal import color_wanted, is_tty, printable, progress_wanted, terminal_width
from .text import TextTable, read_text_table
from .values import (
    is_number,
    linspace,
    parse_number,
    parse_numbers,
    parse_range,
    range_values,
    values_from_args,
)
from .writers import (
    FORMATS,
    Column,
    OutputTable,
    format_floats,
    json_number,
    output_format_for,
    write_output,
)

__all__ = [
    "MISSING_CHOICES",
    "is_missing",
    "numeric_columns",
    "read_columns",
    "printable",
    "terminal_width",
    "DTYPES",
    "FORMATS",
    "INPUT_FORMATS",
    "Column",
    "Input",
    "InputSource",
    "OutputTable",
    "TextTable",
    "atomic_output",
    "choose_source",
    "color_wanted",
    "csv_floor",
    "format_floats",
    "input_format_for",
    "is_number",
    "is_tty",
    "json_number",
    "linspace",
    "one_line",
    "output_format_for",
    "open_binary",
    "open_input",
    "parse_number",
    "parse_numbers",
    "parse_range",
    "progress_wanted",
    "range_values",
    "read_input",
    "read_npy",
    "read_text_table",
    "select_columns",
    "size_text",
    "table_columns_as_array",
    "values_from_args",
    "warn",
    "write_output",
    "writes_in_place",
]
