"""One list of bad inputs, shared by the tests and by ``scripts/gen_bad_input.py``.

Each ``Case`` is one class of bad input: the command line, the files and stdin it needs, and
what the user must see: the exit code and the exact line on stderr. ``tests/test_fuzz_cli.py``
runs every case through click's CliRunner and checks both; the generator runs them through the
installed ``actcli`` and writes ``docs/bad-input.md`` from what it observed (refusing to write
when that differs from this list), so the published table cannot drift from the tests.

Files are created in an empty working folder first, and paths in the messages are relative to it;
``$PWD`` in a message stands for that folder (``-o`` names its folder in full).
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ERROR = "actcli: error: "
WARNING = "actcli: warning: "


@dataclass(frozen=True)
class Case:
    """One class of bad input and the one line it gets.

    Attributes:
        group: the section of the table ("names and parameters", "values and ranges", ...).
        kind: what is wrong, in a few words (the table's first column).
        argv: the arguments after ``actcli``.
        code: the exit code (0 for a warning).
        line: the exact stderr line, ``actcli: error: ...`` or ``actcli: warning: ...``.
        stdin: bytes piped in (None: nothing, an empty pipe).
        files: name -> bytes, created in the working folder before the run.
        note: what the input is, for the table (default: the start of its bytes).
    """

    group: str
    kind: str
    argv: tuple[str, ...]
    code: int
    line: str
    stdin: bytes | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)
    note: str = ""

    @property
    def id(self) -> str:
        return self.kind.replace(" ", "-")

    def expected_stderr(self, cwd: str | os.PathLike[str]) -> str:
        return self.line.replace("$PWD", str(Path(cwd).resolve())) + "\n"


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_v3(array: np.ndarray) -> bytes:
    """A version 3.0 .npy (what NumPy writes for utf-8 field names), built by hand."""
    from numpy.lib import format as npy_format

    header = io.BytesIO()
    npy_format.write_array_header_2_0(header, npy_format.header_data_from_array_1_0(array))
    data = header.getvalue()
    return data[:6] + b"\x03\x00" + data[8:] + array.tobytes()


def npy_header_only(header: bytes) -> bytes:
    """A .npy whose version 1.0 header text is ``header`` (padded as NumPy pads it)."""
    text = header + b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text


_F64 = npy(np.array([1.5, -2.0]))
_HUGE_HEADER = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
_NEGATIVE_HEADER = b"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"

NAMES = "names and parameters"
VALUES = "values, ranges and options"
TEXT = "text input (CSV, TSV, whitespace)"
NPY = ".npy input"
OUTPUT = "output"

CASES: tuple[Case, ...] = (
    # -- names and parameters ------------------------------------------------------------------
    Case(
        NAMES,
        "unknown activation",
        ("eval", "gelo", "--", "1"),
        2,
        ERROR + "unknown activation 'gelo' (did you mean 'gelu'? see 'actcli list')",
    ),
    Case(
        NAMES,
        "unknown command",
        ("evl", "relu"),
        2,
        ERROR + "No such command 'evl'. Did you mean 'eval'? (see 'actcli --help')",
    ),
    Case(
        NAMES,
        "unknown option",
        ("eval", "relu", "--xyzzy", "1", "--", "1"),
        2,
        ERROR + "No such option '--xyzzy': relu has no parameter 'xyzzy' "
        "(parameters: negative_slope, max_value, threshold) (see 'actcli eval relu --help')",
    ),
    Case(
        NAMES,
        "another activation's parameter as an option",
        ("eval", "gelu", "--alpha", "0.5", "--", "1"),
        2,
        ERROR + "No such option '--alpha': gelu has no parameter 'alpha' (parameters: approximate) "
        "(see 'actcli eval gelu --help')",
    ),
    Case(
        NAMES,
        "an activation where the command goes",
        ("gelu", "1"),
        2,
        ERROR + "No such command 'gelu'. To evaluate gelu: actcli eval gelu 1; "
        "to plot it: actcli plot gelu (see 'actcli --help')",
    ),
    Case(
        NAMES,
        "unknown parameter in NAME:param=value",
        ("eval", "relu:slope=1", "--", "1"),
        2,
        ERROR + "relu has no parameter 'slope' (parameters: negative_slope, max_value, threshold)",
    ),
    Case(
        NAMES,
        "bad NAME:param=value syntax",
        ("eval", "relu:0.5", "--", "1"),
        2,
        ERROR + "bad activation spec 'relu:0.5': expected NAME:param=value,... "
        "(e.g. leaky_relu:negative_slope=0.1)",
    ),
    Case(
        NAMES,
        "a word after a flag parameter",
        ("eval", "gelu", "--approximate", "maybe", "--", "1"),
        2,
        ERROR + "'maybe' is not an activation, and --approximate is a flag: write "
        "--approximate=maybe to give it a value (see 'actcli eval --help')",
    ),
    Case(
        NAMES,
        "a flag parameter given a bad value",
        ("eval", "gelu", "--approximate=maybe", "--", "1"),
        2,
        ERROR + "gelu: approximate must be true or false, got 'maybe'",
    ),
    Case(
        NAMES,
        "parameter is not a number",
        ("eval", "elu", "--alpha", "abc", "--", "1"),
        2,
        ERROR + "elu: alpha must be a number, got 'abc'",
    ),
    Case(
        NAMES,
        "parameter is empty",
        ("eval", "elu", "--alpha", "", "--", "1"),
        2,
        ERROR + "elu: alpha must be a number, got ''",
    ),
    Case(
        NAMES,
        "parameter is NaN or infinite",
        ("eval", "elu", "--alpha", "nan", "--", "1"),
        2,
        ERROR + "elu: alpha must be finite, got nan",
    ),
    Case(
        NAMES,
        "parameter overflows (1e999)",
        ("eval", "leaky_relu", "--negative-slope", "1e999", "--", "1"),
        2,
        ERROR + "leaky_relu: negative_slope must be finite, got inf",
    ),
    Case(
        NAMES,
        "parameter breaks its rule",
        ("eval", "squareplus", "--b", "-1", "--", "1"),
        2,
        ERROR + "squareplus: b >= 0 is required, got b=-1.0",
    ),
    Case(
        NAMES,
        "required parameter missing",
        ("eval", "threshold", "--", "1"),
        2,
        ERROR + "threshold: parameter threshold is required (values above it pass through)",
    ),
    Case(
        NAMES,
        "integer parameter is not an integer",
        ("eval", "softmax", "--axis", "0.5", "--", "1", "2"),
        2,
        ERROR + "softmax: axis must be an integer, got '0.5'",
    ),
    Case(
        NAMES,
        "axis out of range",
        ("eval", "softmax", "--axis", "3", "--", "1", "2"),
        2,
        ERROR + "axis 3 is out of range for input of shape (2,)",
    ),
    Case(
        NAMES,
        "parameter given twice",
        ("eval", "elu:alpha=1", "--alpha", "2", "--", "1"),
        2,
        ERROR + "elu: alpha is given twice (option and 'elu:alpha=1')",
    ),
    Case(
        NAMES,
        "options with several activations",
        ("eval", "relu", "gelu", "--negative-slope", "1", "--", "1"),
        2,
        ERROR + "No such option '--negative-slope'. (with several activations, give parameters "
        "in each name: NAME:param=value,..., e.g. leaky_relu:negative_slope=0.1) "
        "(see 'actcli eval --help')",
    ),
    Case(
        NAMES,
        "no activation",
        ("eval", "--", "1"),
        2,
        ERROR + "no activation given (see 'actcli list')",
    ),
    # -- values, ranges and options ------------------------------------------------------------
    Case(
        VALUES,
        "value is not a number",
        ("eval", "relu", "--", "1", "abc"),
        2,
        ERROR + "value 'abc' is not a number (argument 2 of the values)",
    ),
    Case(
        VALUES,
        "two input sources",
        ("eval", "relu", "--range", "0:1", "--", "1"),
        2,
        ERROR + "give one input source, got values and --range/--linspace",
    ),
    Case(
        VALUES,
        "range that goes the wrong way",
        ("eval", "relu", "--range", "1:0"),
        2,
        ERROR + "--range '1:0': STEP must be non-zero and point from START towards STOP",
    ),
    Case(
        VALUES,
        "range with infinite ends",
        ("eval", "relu", "--range", "0:inf"),
        2,
        ERROR + "--range '0:inf': START, STOP and STEP must be finite",
    ),
    Case(
        VALUES,
        "range too large",
        ("eval", "relu", "--range", "0:1:1e-12"),
        2,
        ERROR + "--range 0:1:1e-12 makes 1000000000001 values, more than 100000000; "
        "write them to a .npy file and use --input for larger inputs",
    ),
    Case(
        VALUES,
        "ranges too large together",
        ("eval", "relu", "--linspace", "0", "1", "60000000", "--range", "0:60000000"),
        2,
        ERROR + "2 --range/--linspace options make 120000001 values, more than 100000000; "
        "write them to a .npy file and use --input for larger inputs",
    ),
    Case(
        VALUES,
        "--jacobian too large",
        ("eval", "softmax", "--jacobian", "--linspace", "0", "1", "20000"),
        2,
        ERROR + "--jacobian of 20,000 values needs 20,000² × 8 bytes = 3.2 GB, more than 250 MB; "
        "give fewer values, or use actcli.jvp in Python for products with the Jacobian",
    ),
    Case(
        VALUES,
        "linspace count not a whole number",
        ("eval", "relu", "--linspace", "0", "1", "1e3"),
        2,
        ERROR + "--linspace 0 1 1e3: NUM must be a whole number",
    ),
    Case(
        VALUES,
        "--precision out of range",
        ("eval", "relu", "--precision", "0", "--", "1"),
        2,
        ERROR + "--precision must be between 1 and 17 significant digits, got 0",
    ),
    Case(
        VALUES,
        "unknown format",
        ("eval", "relu", "-f", "xml", "--", "1"),
        2,
        ERROR + "Invalid value for '-f' / '--format': 'xml' is not one of 'table', 'csv', "
        "'tsv', 'json', 'jsonl', 'npy'. (see 'actcli eval relu --help')",
    ),
    Case(
        VALUES,
        "--derivative with --jacobian",
        ("eval", "softmax", "--jacobian", "-d", "--", "1"),
        2,
        ERROR + "give --derivative or --jacobian, not both",
    ),
    Case(
        VALUES,
        "--jacobian of an elementwise function",
        ("eval", "relu", "--jacobian", "--", "1"),
        2,
        ERROR + "relu is elementwise: it has no jacobian (see derivative)",
    ),
    Case(
        VALUES,
        "glu of an odd length",
        ("eval", "glu", "--", "1", "2", "3"),
        2,
        ERROR + "glu splits its axis in two halves, so its length must be even, got 3",
    ),
    Case(
        VALUES,
        "float16 overflow (a warning: the values become inf)",
        ("eval", "relu", "--dtype", "float16", "--", "1e5", "1"),
        0,
        WARNING + "1 value(s) do not fit in float16 and became inf or -inf",
    ),
    Case(
        VALUES,
        "plot given values",
        ("plot", "relu", "--term", "--", "1"),
        2,
        ERROR + "plot takes activation names, not values (got '1'; use --xlim LO HI)",
    ),
    Case(
        VALUES,
        "negative numbers before --",
        ("eval", "gelu", "-1", "2"),
        2,
        ERROR + "No such option '-1': put negative numbers after -- (actcli eval gelu -- -1 2) "
        "(see 'actcli eval gelu --help')",
    ),
    Case(
        VALUES,
        "diff over more points than it can hold",
        ("diff", "gelu", "--linspace", "-3", "3", "100000000"),
        2,
        ERROR + "--linspace -3 3 100000000 makes 100000000 values, more than 2000000; diff holds "
        "every flavour's values at once: use fewer points, or "
        "'actcli eval NAME --like FRAMEWORK' on a file for more",
    ),
    Case(
        VALUES,
        "a figure too small to draw",
        ("plot", "relu", "--size", "1e-300", "1e-300", "-o", "a.png"),
        2,
        ERROR + "a 1e-300 x 1e-300 in figure at 200 dpi is 2e-298 x 2e-298 px: "
        "too small (10 px min each way)",
    ),
    Case(
        VALUES,
        "a resolution too low for text",
        ("plot", "relu", "--dpi", "1", "--size", "0.01", "0.01", "-o", "a.png"),
        2,
        ERROR + "Invalid value for '--dpi': 1.0 is not in the range x>=10. "
        "(see 'actcli plot relu --help')",
    ),
    # -- text input ----------------------------------------------------------------------------
    Case(
        TEXT,
        "file does not exist",
        ("eval", "relu", "-i", "missing.csv"),
        2,
        ERROR + "cannot read missing.csv: no such file",
    ),
    Case(
        TEXT,
        "input is a folder",
        ("eval", "relu", "-i", "."),
        2,
        ERROR + "cannot read .: it is a folder, not a file",
    ),
    Case(
        TEXT,
        "cell is not a number",
        ("eval", "relu", "-i", "data.csv"),
        1,
        ERROR + "data.csv line 3, column 'x': 'abc' is not a number",
        files={"data.csv": b"x\n1\nabc\n"},
    ),
    Case(
        TEXT,
        "empty cell with --missing error",
        ("eval", "relu", "-c", "y", "--missing", "error", "-i", "data.csv"),
        1,
        ERROR + "data.csv line 3, column 'y': empty cell, not a number",
        files={"data.csv": b"x,y\n1,2\n3,\n"},
    ),
    Case(
        TEXT,
        "NA cell with --missing error",
        ("eval", "relu", "--missing", "error"),
        1,
        ERROR
        + "stdin line 3, column 'x': 'N/A' is a missing value (--missing keep or skip accepts it)",
        stdin=b"x\n1\nN/A\n",
    ),
    Case(
        TEXT,
        "ragged row",
        ("eval", "relu", "-i", "data.csv"),
        1,
        ERROR + "data.csv line 3: 1 columns, but the first row has 2",
        files={"data.csv": b"x,y\n1,2\n3\n"},
    ),
    Case(
        TEXT,
        "empty input",
        ("eval", "relu"),
        1,
        ERROR + "stdin has no data rows (empty input)",
        stdin=b"",
    ),
    Case(
        TEXT,
        "header, blank and comment lines only",
        ("eval", "relu", "-i", "data.csv"),
        1,
        ERROR + "data.csv has no data rows (empty input)",
        files={"data.csv": b"x,y\r\n\r\n# nothing yet\r\n"},
    ),
    Case(
        TEXT,
        "no numeric column",
        ("eval", "relu"),
        1,
        ERROR + "stdin has no numeric column (columns: 'name'); choose one with --column",
        stdin=b"name\nbob\nalice\n",
    ),
    Case(
        TEXT,
        "no such column",
        ("eval", "relu", "-c", "z"),
        2,
        ERROR
        + "--column 'z': stdin has no such column (columns: 'x', 'y'; or a number from 1 to 2)",
        stdin=b"x,y\n1,2\n",
    ),
    Case(
        TEXT,
        "binary garbage",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not UTF-8 text (byte 0x89); a binary file? .npy files are recognised "
        "by their header",
        stdin=b"\x89PNG\r\n\x1a\n\xff\xfe\x00",
    ),
    Case(
        TEXT,
        "a line without end (-i /dev/zero)",
        ("eval", "relu", "-i", "/dev/zero"),
        1,
        ERROR + "/dev/zero line 1 is longer than 16,777,216 characters (a binary file? one "
        "value per line for long vectors)",
    ),
    Case(
        TEXT,
        "a line of more than 100,000 columns",
        ("eval", "softmax"),
        1,
        ERROR + "stdin line 1 has more than 100,000 columns; for one long vector put one value "
        "per line (or save a .npy)",
        stdin=b",".join([b"1.5"] * 100_001) + b"\n",
        note="one line of 100,001 comma-separated numbers",
    ),
    Case(
        TEXT,
        "one vector down a column that never ends (yes 1 |)",
        ("eval", "softmax"),
        1,
        ERROR + "stdin has more than 2,000,000 cells, and this work takes the whole input at "
        "once (an axis-wise function down a column, or --jacobian); for longer vectors use a "
        ".npy file",
        stdin=b"1\n" * 2_000_001,
        note="2,000,001 lines of 1, as from yes 1",
    ),
    Case(
        TEXT,
        "column number that is not ASCII",
        ("eval", "relu", "-c", "\u00b2"),
        2,
        ERROR + "--column '\u00b2': stdin has no such column (columns: 'x', 'y'; or a number "
        "from 1 to 2)",
        stdin=b"x,y\n1,2\n",
    ),
    # -- .npy input ----------------------------------------------------------------------------
    Case(
        NPY,
        "pickled objects (refused, never unpickled)",
        ("eval", "relu", "-i", "objects.npy"),
        1,
        ERROR + "objects.npy holds Python objects (dtype object); refused: loading them would "
        "unpickle, which can run code. Save a numeric array instead",
        files={"objects.npy": npy(np.array([1, "a", None], dtype=object), allow_pickle=True)},
        note="an object array saved with allow_pickle=True",
    ),
    Case(
        NPY,
        "truncated data",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not a readable .npy file: its data ends after 13 of 16 bytes",
        stdin=_F64[:-3],
        note="a float64 .npy missing its last 3 bytes",
    ),
    Case(
        NPY,
        "truncated data (file)",
        ("eval", "relu", "-i", "cut.npy"),
        1,
        ERROR + "cut.npy is not a readable .npy file: its data ends after 13 of 16 bytes",
        files={"cut.npy": _F64[:-3]},
        note="the same, as a file",
    ),
    Case(
        NPY,
        "truncated header",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not a readable .npy file: EOF: reading array header, expected 118 bytes "
        "got 10",
        stdin=_F64[:20],
        note="the first 20 bytes of a .npy",
    ),
    Case(
        NPY,
        "header that is not a Python literal",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not a readable .npy file: its header does not parse",
        stdin=npy_header_only(b"{'descr': __import__('os').system('echo hi'), "),
        note="a header holding __import__('os').system(...)",
    ),
    Case(
        NPY,
        "header nested 3,000 deep",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not a readable .npy file: its header does not parse",
        stdin=npy_header_only(
            b"{'descr': '<f8', 'fortran_order': False, 'shape': (" + b"-" * 3000 + b"1,), }"
        ),
        note="a shape of (, then 3,000 minus signs and 1,)",
    ),
    Case(
        NPY,
        "header claims more data than there is",
        ("eval", "relu"),
        1,
        ERROR + "stdin is not a readable .npy file: its data ends after 64 of 8000000000000 bytes",
        stdin=npy_header_only(_HUGE_HEADER) + b"\x00" * 64,
        note="a header saying shape (10**12,), then 64 bytes",
    ),
    Case(
        NPY,
        "header with a negative size",
        ("eval", "relu", "-i", "neg.npy"),
        1,
        ERROR + "neg.npy is not a readable .npy file: its shape (-1,) is negative",
        files={"neg.npy": npy_header_only(_NEGATIVE_HEADER) + b"\x00" * 8},
        note="a header saying shape (-1,)",
    ),
    Case(
        NPY,
        "complex numbers",
        ("eval", "relu"),
        1,
        ERROR + "stdin: complex numbers are not supported (dtype complex128)",
        stdin=npy(np.array([1 + 2j])),
        note="complex128 [1+2j]",
    ),
    Case(
        NPY,
        "text or dates",
        ("eval", "relu"),
        1,
        ERROR + "stdin: dtype <U1 holds no numbers (float, int or bool needed)",
        stdin=npy(np.array(["a", "b"])),
        note="unicode ['a', 'b']",
    ),
    Case(
        NPY,
        "float128",
        ("eval", "relu"),
        1,
        ERROR + "stdin: dtype float128 is not supported (float16/32/64 only)",
        stdin=npy(np.array([1.0], dtype=np.longdouble)),
        note="longdouble [1.0]",
    ),
    Case(
        NPY,
        "empty array",
        ("eval", "relu"),
        1,
        ERROR + "stdin has no values (empty input)",
        stdin=npy(np.zeros((0, 3))),
        note="float64, shape (0, 3)",
    ),
    Case(
        NPY,
        "3-D array to a text format",
        ("eval", "relu"),
        2,
        ERROR + "stdin has shape (2, 1, 2): text formats take 1-D or 2-D input; "
        "use --format npy or -o FILE.npy",
        stdin=npy(np.zeros((2, 1, 2))),
        note="float64, shape (2, 1, 2)",
    ),
    # -- output --------------------------------------------------------------------------------
    Case(
        OUTPUT,
        "output folder does not exist",
        ("eval", "relu", "-o", "no/such/out.csv", "--", "1"),
        2,
        ERROR + "cannot write no/such/out.csv: folder $PWD/no/such does not exist",
    ),
    Case(
        OUTPUT,
        "output is a folder",
        ("eval", "relu", "-o", ".", "--", "1"),
        2,
        ERROR + "cannot write .: it is a folder",
    ),
    Case(
        OUTPUT,
        "results of different lengths in one .npy",
        ("eval", "glu", "relu", "-f", "npy", "--", "1", "2"),
        2,
        ERROR + "results of different shapes cannot share one .npy; run them one by one",
    ),
    Case(
        OUTPUT,
        "--precision with npy",
        ("eval", "relu", "-f", "npy", "--precision", "3", "--", "1"),
        2,
        ERROR + "--precision applies to text formats, not npy",
    ),
    Case(
        OUTPUT,
        "unknown -o suffix",
        ("eval", "relu", "-o", "plot.png", "--", "1"),
        2,
        ERROR + "-o plot.png: unknown suffix '.png' (known: .csv, .tsv, .tab, .json, .jsonl, "
        ".ndjson, .npy, .txt); give --format to write that name anyway",
    ),
    Case(
        OUTPUT,
        "text columns to .npy",
        ("diff", "gelu", "-o", "out.npy"),
        2,
        ERROR + "this table's columns 'a', 'b', 'cause' hold text, which .npy cannot hold; "
        "write csv, tsv, json or jsonl",
    ),
)

# --- diff at awkward x (the axis helper's section, issue 13): one value, an odd count for glu,
# NaN or infinities only. tests/test_diff_edges.py sweeps these over diff's options.
DIFF_X = "diff at awkward x"
CASES += (
    Case(
        DIFF_X,
        "glu at one value",
        ("diff", "glu", "--", "nan"),
        2,
        ERROR + "glu splits its axis in two halves, so its length must be even, got 1",
    ),
    Case(
        DIFF_X,
        "glu at an odd number of x",
        ("diff", "glu", "-d", "--linspace", "-3", "3", "5"),
        2,
        ERROR + "glu splits its axis in two halves, so its length must be even, got 5",
    ),
    Case(
        DIFF_X,
        "a plot of NaN and inf x",
        ("diff", "softmax", "--plot", "-o", "d.png", "--", "nan", "inf"),
        2,
        ERROR + "nothing to draw: every x is NaN or infinite (give finite values)",
    ),
)


@dataclass(frozen=True)
class Fault:
    """Something that happens to a run from outside; ``run_fault`` makes it happen for real.

    Attributes:
        kind: what happened (the table's first column).
        how: how a user gets there, as a shell line.
        code: the exit code.
        line: the exact stderr ("" when the run ends silently, as ``| head`` expects).
        needs_root: made with mount (a full tmpfs): skipped without root.
    """

    kind: str
    how: str
    code: int
    line: str
    needs_root: bool = False


BIG_ROWS = 4_000_000  # a large run: seconds of CSV writing, time to be interrupted
OLD_OUTPUT = b"precious, from an earlier run\n"  # what -o out.csv must keep after a failure

FAULTS: tuple[Fault, ...] = (
    Fault(
        "disk full (stdout)",
        "actcli eval relu --linspace 0 1 1000 > /dev/full",
        1,
        ERROR + "cannot write to stdout: No space left on device",
    ),
    Fault(
        "disk full (-o FILE)",
        "actcli eval relu --linspace 0 1 100000 -o out.csv  # on a full file system",
        1,
        ERROR + "cannot write out.csv: No space left on device",
        needs_root=True,
    ),
    Fault(
        "stdin closed",
        "actcli eval relu <&-",
        1,
        ERROR + "cannot read stdin: it is closed",
    ),
    Fault(
        "stdout closed",
        "actcli eval relu -- 1 >&-",
        1,
        ERROR + "cannot write to stdout: it is closed",
    ),
    Fault(
        "Ctrl-C (SIGINT) in a large run",
        "actcli eval gelu -d -i big.npy -o out.csv, then Ctrl-C",
        130,
        ERROR + "interrupted",
    ),
    Fault(
        "SIGTERM in a large run",
        "actcli eval gelu -d -i big.npy -o out.csv, then kill",
        143,
        ERROR + "terminated by SIGTERM",
    ),
    Fault(
        "reader went away (SIGPIPE)",
        "actcli eval relu -i big.npy | head -c 10",
        141,
        "",
    ),
    Fault(
        "reader went away, npy",
        "actcli eval relu -i big.npy -f npy | head -c 10",
        141,
        "",
    ),
)


# --- process-side faults (the cli helper's section): every terminating signal, at any moment,
# and stdout/stderr closed or full. Run by run_fault through _PROCESS_FAULTS below.

FAULTS += (
    Fault(
        "SIGHUP (the terminal closed) in a large run",
        "actcli eval gelu -d -i big.npy -o out.csv, then close the terminal",
        129,
        ERROR + "terminated by SIGHUP",
    ),
    Fault(
        "SIGQUIT (Ctrl-\\) in a large run",
        "actcli eval gelu -d -i big.npy -o out.csv, then Ctrl-\\",
        131,
        ERROR + "terminated by SIGQUIT",
    ),
    Fault(
        "any other terminating signal (SIGUSR1, SIGALRM, ...)",
        "actcli eval gelu -d -i big.npy -o out.csv, then kill -USR1",
        138,
        ERROR + "terminated by SIGUSR1",
    ),
    Fault(
        "SIGHUP while a plot is written",
        "actcli plot gelu --size 40 40 --dpi 150 -o big.png, then close the terminal",
        129,
        ERROR + "terminated by SIGHUP",
    ),
    Fault(
        "Ctrl-C while starting (NumPy loading)",
        "actcli eval relu -- 1, then Ctrl-C at once",
        130,
        ERROR + "interrupted",
    ),
    Fault(
        "stdout closed, terminal plot",
        "actcli plot relu --term >&-",
        1,
        ERROR + "cannot write to stdout: it is closed",
    ),
    Fault(
        "stdout closed, help",
        "actcli --help >&-",
        1,
        ERROR + "cannot write to stdout: it is closed",
    ),
    Fault(
        "stdout full, version",
        "actcli --version > /dev/full",
        1,
        ERROR + "cannot write to stdout: No space left on device",
    ),
    Fault(
        "stderr closed, a good run",
        "actcli eval relu -o result.csv -- 1 2>&-",
        0,
        "",
    ),
)


def actcli_command() -> list[str]:
    """The installed entry point, else ``python -m actcli``."""
    found = shutil.which("actcli")
    return [found] if found else [sys.executable, "-m", "actcli"]


def make_big_input(folder: str | os.PathLike[str]) -> Path:
    path = Path(folder) / "big.npy"
    if not path.exists():
        np.save(path, np.linspace(-5.0, 5.0, BIG_ROWS))
    return path


def _signal_mid_run(
    folder: Path, signum: int, argv: tuple[str, ...] = ("eval", "gelu", "-d", "-i", "big.npy")
) -> tuple[int, str]:
    """Starts a large run writing -o out.csv; once its temporary file exists, sends signum."""
    make_big_input(folder)
    (folder / "out.csv").write_bytes(OLD_OUTPUT)
    process = subprocess.Popen(
        [*actcli_command(), *argv, "-o", "out.csv"],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(n.endswith(".tmp") for n in os.listdir(folder)):
        if process.poll() is not None or time.monotonic() > deadline:
            break  # finished (or never started writing): the caller sees the exit code
        time.sleep(0.005)
    time.sleep(0.2)  # well inside the writing
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


def _through_head(folder: Path, *extra: str) -> tuple[int, str]:
    make_big_input(folder)
    command = " ".join(shlex.quote(c) for c in actcli_command())
    shell = (
        f"{command} eval relu -i big.npy {' '.join(extra)} | head -c 10 > /dev/null; "
        'exit "${PIPESTATUS[0]}"'
    )
    run = subprocess.run(["bash", "-c", shell], cwd=folder, capture_output=True, timeout=120)
    return run.returncode, run.stderr.decode()


def _full_filesystem(folder: Path) -> tuple[int, str]:
    mount = folder / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        (mount / "out.csv").write_bytes(OLD_OUTPUT)
        run = subprocess.run(
            [*actcli_command(), "eval", "relu", "--linspace", "0", "1", "100000", "-o", "out.csv"],
            cwd=mount,
            capture_output=True,
            timeout=60,
        )
        survived = (mount / "out.csv").read_bytes() == OLD_OUTPUT
        debris = [n for n in os.listdir(mount) if n != "out.csv"]
        if not survived or debris:
            return -1, f"old file survived: {survived}; left behind: {debris}"
        return run.returncode, run.stderr.decode()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def run_fault(fault: Fault, folder: str | os.PathLike[str]) -> tuple[int, str]:
    """Makes the fault happen to a real actcli process; returns (exit code, stderr)."""
    folder = Path(folder)
    base = actcli_command()
    if fault.kind == "disk full (stdout)":
        with open("/dev/full", "wb") as full:
            run = subprocess.run(
                [*base, "eval", "relu", "--linspace", "0", "1", "1000"],
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=60,
            )
        return run.returncode, run.stderr.decode()
    if fault.kind == "disk full (-o FILE)":
        return _full_filesystem(folder)
    if fault.kind == "stdin closed":
        run = subprocess.run(
            [*base, "eval", "relu"],
            capture_output=True,
            timeout=60,
            preexec_fn=lambda: os.close(0),
        )
        return run.returncode, run.stderr.decode()
    if fault.kind == "stdout closed":
        run = subprocess.run(
            [*base, "eval", "relu", "--", "1"],
            stderr=subprocess.PIPE,
            timeout=60,
            preexec_fn=lambda: os.close(1),
        )
        return run.returncode, run.stderr.decode()
    if fault.kind.startswith("Ctrl-C"):
        return _signal_mid_run(folder, signal.SIGINT)
    if fault.kind.startswith("SIGTERM"):
        return _signal_mid_run(folder, signal.SIGTERM)
    if fault.kind in _PROCESS_FAULTS:
        return _PROCESS_FAULTS[fault.kind](folder)
    if fault.kind == "reader went away (SIGPIPE)":
        return _through_head(folder)
    if fault.kind == "reader went away, npy":
        return _through_head(folder, "-f", "npy")
    raise KeyError(fault.kind)


def handlers_installed(pid: int) -> bool:
    """Whether process ``pid`` has all of actcli's signal handlers in place (Linux: the SigCgt
    mask in /proc/PID/status holds the last one installed; Python's own SIGINT handler is there
    from the interpreter's start, so SIGINT's bit alone says nothing). The NumPy import has
    just begun then."""
    from actcli_launcher import terminating_signals

    signum = max(terminating_signals())
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next(line for line in f if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)


def _signal_while_starting(folder: Path) -> tuple[int, str]:
    process = subprocess.Popen(
        [*actcli_command(), "eval", "relu", "--", "1"],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not handlers_installed(process.pid) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.0005)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


def _plot_signal(folder: Path) -> tuple[int, str]:
    """SIGHUP once the plot's temporary file exists (matplotlib is writing the PNG)."""
    argv = [*actcli_command(), "plot", "gelu", "--size", "40", "40", "--dpi", "150", "-o", "b.png"]
    process = subprocess.Popen(
        argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not any(n.endswith(".tmp") for n in os.listdir(folder)):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGHUP)
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


def _with_streams(argv: list[str], *, close: tuple[int, ...] = (), full: bool = False):
    def run(folder: Path) -> tuple[int, str]:
        def preexec() -> None:
            for fd in close:
                os.close(fd)

        stdout: object = subprocess.DEVNULL
        if full:
            stdout = open("/dev/full", "wb")  # closed below
        try:
            done = subprocess.run(
                [*actcli_command(), *argv],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=None if 1 in close else stdout,
                stderr=None if 2 in close else subprocess.PIPE,
                preexec_fn=preexec,
                timeout=120,
            )
        finally:
            if full:
                stdout.close()  # type: ignore[union-attr]
        return done.returncode, (done.stderr or b"").decode()

    return run


_PROCESS_FAULTS = {
    "SIGHUP (the terminal closed) in a large run": lambda f: _signal_mid_run(f, signal.SIGHUP),
    "SIGQUIT (Ctrl-\\) in a large run": lambda f: _signal_mid_run(f, signal.SIGQUIT),
    "any other terminating signal (SIGUSR1, SIGALRM, ...)": lambda f: _signal_mid_run(
        f, signal.SIGUSR1
    ),
    "SIGHUP while a plot is written": _plot_signal,
    "Ctrl-C while starting (NumPy loading)": _signal_while_starting,
    "stdout closed, terminal plot": _with_streams(["plot", "relu", "--term"], close=(1,)),
    "stdout closed, help": _with_streams(["--help"], close=(1,)),
    "stdout full, version": _with_streams(["--version"], full=True),
    "stderr closed, a good run": _with_streams(
        ["eval", "relu", "-o", "result.csv", "--", "1"], close=(2,)
    ),
}


def write_files(case: Case, folder: str | os.PathLike[str]) -> None:
    for name, data in case.files.items():
        (Path(folder) / name).write_bytes(data)
