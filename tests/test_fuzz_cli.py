"""Whatever you feed actcli, it answers with correct numbers or one clear error line.

Three kinds of test, all through click's CliRunner (the real command, in-process):

* the published table of bad inputs (``tests/bad_inputs.py``): each case's exit code and exact
  stderr line, and ``docs/bad-input.md`` rendered from the same list;
* hypothesis fuzzing: random command lines built from the real grammar (commands, names and
  near-misses, parameter options with hostile values, ``--`` anywhere, sources, formats) and
  random input files (CSV/TSV/text with every oddity, .npy of every dtype, layout and corruption,
  binary garbage). Every run must keep the invariants in ``check_invariants``;
* a structured fuzz whose inputs are known numbers: when the run succeeds its output must agree,
  bit for bit, with the core called directly (``actcli.get(name)(x, **params)``); when the core
  refuses the parameters, the CLI must fail with the core's own message.

Examples per test follow the hypothesis profile (tests/conftest.py): ``ci`` by default,
``ACTCLI_PROFILE=thorough`` for a long local run.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import bad_inputs
import numpy as np
import pytest
from bad_inputs import CASES, ERROR, OLD_OUTPUT, WARNING, Case, npy, npy_header_only
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import actcli
from actcli import io as actcli_io
from actcli.cli import cli
from actcli.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_CODES = {0, 1, 2, 130}

# In-process runs take milliseconds: they get 5x the profile's budget (ci 125, thorough 5000);
# the plot fuzz, slowed by the odd PNG, gets the profile's own.
EXAMPLES = settings.default.max_examples
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
fuzz = settings(max_examples=5 * EXAMPLES, suppress_health_check=HEALTH)
fuzz_slow = settings(max_examples=EXAMPLES, suppress_health_check=HEALTH)


def invoke(argv: list[str], stdin: bytes | None = None, cwd: str | None = None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            # A NumPy/Python warning must never reach a user: make it an error, seen as a bug.
            warnings.simplefilter("error")
            return CliRunner().invoke(cli, argv, input=stdin)
    finally:
        os.chdir(old)


def check_invariants(result, argv, folder: str | None = None) -> None:
    """What every run must keep, whatever it was given."""
    where = f"argv={argv!r}\nstdout={result.stdout_bytes[:300]!r}\nstderr={result.stderr[:600]!r}"
    assert result.exit_code in ALLOWED_CODES, where
    # main() catches everything; anything escaping to CliRunner is a bug.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{where}\n{result.exception!r}"
    )
    err = result.stderr
    assert "Traceback" not in err, where
    assert "internal error" not in err, where
    lines = err.splitlines()
    for line in lines:
        assert line.startswith((ERROR, WARNING)), where  # no stray warnings, no debris
        # A message names what is wrong; it never echoes megabytes of a file.
        assert len(line) <= 600 + sum(map(len, argv)), where
    errors = [line for line in lines if line.startswith(ERROR)]
    if result.exit_code == 0:
        assert not errors, where
    else:
        assert len(errors) == 1 and lines[-1] == errors[0], where
        assert result.stdout_bytes == b"", where
    if folder is not None:
        debris = [n for n in os.listdir(folder) if n.endswith(".tmp")]
        assert not debris, f"{where}\ntemporary files left: {debris}"


# ---------------------------------------------------------------------------------------------
# The published table of bad inputs


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_its_exact_line_and_code(case: Case, tmp_path):
    bad_inputs.write_files(case, tmp_path)
    result = invoke(list(case.argv), case.stdin, cwd=str(tmp_path))
    assert (result.exit_code, result.stderr) == (case.code, case.expected_stderr(tmp_path))
    if case.code:
        assert result.stdout_bytes == b""
    else:
        assert result.stdout_bytes != b""
    check_invariants(result, list(case.argv), str(tmp_path))


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_bad_input", ROOT / "scripts" / "gen_bad_input.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_published_table_is_rendered_from_the_cases():
    gen = _generator()
    expected = gen.render(
        [(c, c.code, c.line) for c in CASES], [(f, f.code, f.line) for f in bad_inputs.FAULTS]
    )
    assert (ROOT / "docs" / "bad-input.md").read_text() == expected, (
        "docs/bad-input.md is stale: run python3 scripts/gen_bad_input.py"
    )


def test_every_case_class_is_distinct():
    kinds = [c.kind for c in CASES]
    assert len(kinds) == len(set(kinds))


# ---------------------------------------------------------------------------------------------
# Strategies: the grammar of the command line

ALL_NAMES = REGISTRY.all_names()
SPECS = list(REGISTRY.specs.values())

HOSTILE_VALUES = [
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-5e-324",
    "2.2250738585072014e-308",
    "0",
    "-0",
    "-0.0",
    "1",
    "-1",
    "0.5",
    "2",
    "-2",
    "3",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9007199254740993",
    "",
    " ",
    "abc",
    "none",
    "None",
    "true",
    "false",
    "yes",
    "1,2",
    "1,,2",
    ",",
    "0x10",
    "1_000",
    "\u22121",
    "\u0663",
    "1e",
    "--",
    "-",
    "=",
    ":",
    "1:2",
    "10**9",
    "1e-320",
    "\x00",
    "é",
    "\u202e1",
]
value_text = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.floats().map(repr),
    st.integers().map(str),
    st.text(max_size=6),
)


@st.composite
def near_miss(draw) -> str:
    name = draw(st.sampled_from(ALL_NAMES))
    how = draw(st.sampled_from(["upper", "delete", "insert", "swap", "dash", "space", "prefix"]))
    i = draw(st.integers(0, max(0, len(name) - 1)))
    if how == "upper":
        return name.upper()
    if how == "delete":
        return name[:i] + name[i + 1 :]
    if how == "insert":
        return name[:i] + draw(st.sampled_from("xz_-.:=,")) + name[i:]
    if how == "swap" and len(name) > 1:
        return name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :]
    if how == "dash":
        return name.replace("_", "-")
    if how == "space":
        return f" {name} "
    return "keras." + name


@st.composite
def spec_token(draw) -> str:
    """NAME:param=value,... with real and made-up parameter names."""
    spec = draw(st.sampled_from(SPECS))
    keys = [p.name for p in spec.params] + [o for p in spec.params for o in p.old_names]
    keys += ["bogus", "", "axis"]
    pieces = draw(
        st.lists(
            st.tuples(st.sampled_from(keys), value_text).map(lambda kv: f"{kv[0]}={kv[1]}"),
            max_size=3,
        )
    )
    return spec.name + ":" + ",".join(pieces)


activation_token = st.one_of(
    st.sampled_from(ALL_NAMES), near_miss(), spec_token(), st.text(max_size=10)
)


def param_flags(name: str) -> list[str]:
    try:
        spec = REGISTRY.lookup(name.partition(":")[0])
    except actcli.UsageError:
        return ["--alpha", "--axis"]
    flags = []
    for p in spec.params:
        for n in (p.name, *p.old_names):
            flags += ["--" + n.replace("_", "-"), "--" + n]
    return flags or ["--alpha"]


FORMATS = ["table", "csv", "tsv", "json", "jsonl", "npy", "xml", ""]
SUFFIXES = [".csv", ".tsv", ".json", ".jsonl", ".npy", ".txt", ".weird", ""]


@st.composite
def eval_argv(draw, folder: str, inputs: list[str]) -> list[str]:
    names = draw(st.lists(activation_token, max_size=3))
    options: list[list[str]] = []
    for flag in draw(
        st.lists(st.sampled_from(param_flags(names[0]) if names else ["--alpha"]), max_size=2)
    ):
        options.append([flag, draw(value_text)])
    static = st.sampled_from(
        [
            "-d",
            "--jacobian",
            "--dtype",
            "--precision",
            "-f",
            "-o",
            "--header",
            "--no-header",
            "-c",
            "--input-format",
            "--range",
            "--linspace",
            "-i",
            "--bogus",
            "--threads",
            "-q",
            "--like",
        ]
    )
    for flag in draw(st.lists(static, max_size=4)):
        if flag in ("-d", "--jacobian", "--header", "--no-header", "--bogus", "-q"):
            options.append([flag])
        elif flag == "--threads":
            options.append([flag, draw(st.sampled_from(["1", "2", "0", "-1", "x", "99999999999"]))])
        elif flag == "--like":
            options.append(
                [flag, draw(st.sampled_from(["keras", "tf_keras", "torch", "jax", "numpy"]))]
            )
        elif flag == "--dtype":
            options.append([flag, draw(st.sampled_from(["float16", "float32", "float64", "int8"]))])
        elif flag == "--precision":
            options.append([flag, draw(st.sampled_from(["0", "1", "5", "17", "18", "-3", "x"]))])
        elif flag == "-f":
            options.append([flag, draw(st.sampled_from(FORMATS))])
        elif flag == "-o":
            target = draw(st.sampled_from(["out", "no/such/out", "-", "."]))
            if target in ("out", "no/such/out"):
                target = os.path.join(folder, target + draw(st.sampled_from(SUFFIXES)))
            options.append([flag, target])
        elif flag == "-c":
            options.append(
                [flag, draw(st.sampled_from(["1", "2", "x", "y", "0", "x,y", "", "99"]))]
            )
        elif flag == "--input-format":
            options.append([flag, draw(st.sampled_from(["csv", "tsv", "text", "npy", "json"]))])
        elif flag == "--range":
            options.append([flag, draw(range_text())])
        elif flag == "--linspace":
            options.append([flag, *draw(linspace_args())])
        elif flag == "-i":
            options.append([flag, draw(st.sampled_from([*inputs, "-", "missing.csv", folder]))])
    options = draw(st.permutations(options))
    values = draw(st.lists(value_text, max_size=4))
    layout = draw(st.sampled_from(["dashdash", "before", "none", "early-dashdash"]))
    flat = [t for o in options for t in o]
    if layout == "dashdash":
        return ["eval", *names, *flat, "--", *values]
    if layout == "before":
        return ["eval", *names, *values, *flat]
    if layout == "early-dashdash":
        cut = draw(st.integers(0, len(flat)))
        return ["eval", *names, *flat[:cut], "--", *flat[cut:], *values]
    return ["eval", *names, *flat]


@st.composite
def range_text(draw) -> str:
    """START:STOP[:STEP], hostile, but never a legitimately huge range (slow, not wrong)."""
    text = ":".join(draw(st.lists(value_text, min_size=1, max_size=4)))
    try:  # the CLI's own parser, used only to steer clear of big legal ranges
        count = len(actcli_io.parse_range(text))
    except Exception:
        return text
    return "0:10:0.5" if count > 10_000 else text


@st.composite
def linspace_args(draw) -> list[str]:
    num = draw(
        st.one_of(
            st.sampled_from(["0", "1", "3", "-1", "1e3", "x", "", "100000001"]),
            st.integers(0, 1000).map(str),
        )
    )
    return [draw(value_text), draw(value_text), num]


@st.composite
def other_argv(draw, folder: str) -> list[str]:
    command = draw(st.sampled_from(["list", "info", "plot", "diff", "bogus", ""]))
    if command == "diff":
        names = draw(st.lists(activation_token, max_size=2))
        flags = param_flags(names[0]) if names else ["--alpha"]
        opts = draw(
            st.lists(
                st.sampled_from(
                    [
                        ["-d"],
                        ["--range", draw(range_text())],
                        ["--linspace", *draw(linspace_args())],
                        ["--precision", draw(st.sampled_from(["1", "17", "0", "x"]))],
                        ["-f", draw(st.sampled_from(FORMATS))],
                        ["-o", os.path.join(folder, "d" + draw(st.sampled_from(SUFFIXES)))],
                        [draw(st.sampled_from(flags)), draw(value_text)],
                    ]
                ),
                max_size=3,
            )
        )
        values = draw(st.lists(value_text, max_size=3))
        return ["diff", *names, *[t for o in opts for t in o], "--", *values]
    if command == "list":
        opts = draw(
            st.lists(
                st.sampled_from(
                    [
                        ["--names"],
                        ["-f", "json"],
                        ["-f", "npy"],
                        ["-f", "tsv"],
                        ["-f", "xml"],
                        ["-o", os.path.join(folder, "list.json")],
                        ["-o", "-"],
                        ["--bogus"],
                    ]
                ),
                max_size=3,
            )
        )
        return ["list", *[t for o in opts for t in o]]
    if command == "info":
        opts = draw(
            st.lists(st.sampled_from([["-f", "json"], ["-f", "text"], ["-f", "csv"]]), max_size=2)
        )
        return [
            "info",
            *draw(st.lists(activation_token, max_size=2)),
            *[t for o in opts for t in o],
        ]
    if command == "plot":
        names = draw(st.lists(activation_token, max_size=3))
        opts = [["--term"]] if draw(st.booleans()) else []
        opts += draw(
            st.lists(
                st.sampled_from(
                    [
                        ["--width", draw(st.sampled_from(["10", "40", "0", "-5", "x", "400"]))],
                        ["--height", draw(st.sampled_from(["4", "12", "0", "x"]))],
                        ["--xlim", draw(value_text), draw(value_text)],
                        ["--ylim", draw(value_text), draw(value_text)],
                        [
                            "--points",
                            draw(st.sampled_from(["2", "50", "1", "0", "1e3", "2000000"])),
                        ],
                        ["--no-derivative"],
                        ["--formula"],
                        ["--layout", "panels"],
                        ["--all"],
                        ["--title", draw(st.text(max_size=5))],
                        ["--show"],
                        ["--dpi", "0"],
                    ]
                ),
                max_size=3,
            )
        )
        if ["--term"] not in opts:
            # an image file only rarely (matplotlib is slow), never the gallery, few points
            if draw(st.integers(0, 5)) == 0:
                opts = [o for o in opts if o[0] not in ("--all", "--points")]
                opts += [
                    [
                        "-o",
                        os.path.join(folder, "p" + draw(st.sampled_from([".png", ".svg", ".xyz"]))),
                    ],
                    ["--points", "20"],
                ]
            else:
                opts.append(["--term"])
        return ["plot", *names, *[t for o in opts for t in o]]
    return [command, *draw(st.lists(st.text(max_size=5), max_size=2))]


# ---------------------------------------------------------------------------------------------
# Strategies: input files

CELLS = st.one_of(
    st.floats().map(repr),
    st.sampled_from(
        [
            "nan",
            "NaN",
            "-nan",
            "NAN",
            "inf",
            "-inf",
            "+inf",
            "Infinity",
            "-Infinity",
            "1e999",
            "-1e999",
            "\u22121.5",
            "\u2212inf",
            "1_000",
            " 2 ",
            '"3"',
            "'4'",
            "",
            " ",
            "abc",
            "#5",
            "0x10",
            "1e",
            "5e-324",
            "-0",
            "9007199254740993",
            "\t",
            "\x00",
            "é",
            "1,5",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=5),
)


@st.composite
def text_file(draw) -> bytes:
    """CSV/TSV/whitespace text with random cells and every oddity of real files."""
    sep = draw(st.sampled_from([",", "\t", " ", ";", ",  "]))
    width = draw(st.integers(1, 4))
    rows = []
    if draw(st.booleans()):
        rows.append(
            sep.join(
                draw(
                    st.lists(
                        st.sampled_from(["x", "y", "logit", "", "a b", '"q"', "x"]),
                        min_size=width,
                        max_size=width,
                    )
                )
            )
        )
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            rows.append("")  # blank line
        elif kind == 1:
            rows.append("# " + draw(st.text(max_size=8)))
        elif kind == 2:  # ragged
            rows.append(sep.join(draw(st.lists(CELLS, max_size=width + 2))))
        else:
            cells = draw(st.lists(CELLS, min_size=width, max_size=width))
            if draw(st.booleans()) and sep == ",":
                cells = [f'"{c}"' for c in cells]
            rows.append(sep.join(cells))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(rows) + (eol if draw(st.booleans()) else "")
    data = (
        text.encode("utf-8", "surrogatepass")
        if draw(st.booleans())
        else text.encode("utf-8", "replace")
    )
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # cut anywhere, even inside a character
    return data


NPY_DTYPES = [
    "<f8",
    ">f8",
    "<f4",
    ">f4",
    "<f2",
    "|i1",
    "<i8",
    ">u2",
    "|b1",
    "<c16",
    "<U3",
    "|S2",
    "|V8",
    "<M8[D]",
    "<m8[s]",
    "O",
    "<f16",
]


@st.composite
def npy_file(draw) -> bytes:
    dtype = np.dtype(draw(st.sampled_from(NPY_DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    size = int(np.prod(shape, dtype=np.int64))
    raw = (
        draw(st.binary(min_size=size * dtype.itemsize, max_size=size * dtype.itemsize))
        if not dtype.hasobject
        else b""
    )
    if dtype.hasobject:
        array = np.array([None] * size, dtype=object).reshape(shape)
    else:
        array = np.frombuffer(raw, dtype=dtype).reshape(shape) if size else np.zeros(shape, dtype)
    if draw(st.booleans()) and array.ndim >= 2:
        array = np.asfortranarray(array)
    data = npy(array, allow_pickle=dtype.hasobject)
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "append"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    elif damage == "append":
        data += draw(st.binary(max_size=20))
    return data


garbage = st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=50).map(lambda b: b"\x93NUMPY" + b),
    st.binary(max_size=50).map(lambda b: b"\x93NUMPY\x01\x00" + b),
    st.binary(max_size=50).map(lambda b: b"\x93NUMPY\x03\x00" + b),
)
any_file = st.one_of(text_file(), npy_file(), garbage)


# ---------------------------------------------------------------------------------------------
# Fuzz: invariants only


@fuzz
@given(
    data=st.data(),
    content=any_file,
    suffix=st.sampled_from([".csv", ".tsv", ".txt", ".npy", ".dat", ""]),
)
def test_fuzz_eval_command_lines(data, content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "in" + suffix)
        Path(path).write_bytes(content)
        argv = data.draw(eval_argv(folder, [path]))
        stdin = data.draw(st.sampled_from([None, content, b"x\n1\n"]))
        earlier = [os.path.join(folder, "out" + s) for s in SUFFIXES]
        for target in earlier:  # what a previous run left: a failed run must not touch it
            Path(target).write_bytes(OLD_OUTPUT)
        result = invoke(argv, stdin)
        check_invariants(result, argv, folder)
        if result.exit_code != 0:
            assert all(Path(t).read_bytes() == OLD_OUTPUT for t in earlier), argv


@fuzz_slow
@given(data=st.data())
def test_fuzz_other_commands(data):
    with tempfile.TemporaryDirectory() as folder:
        argv = data.draw(other_argv(folder))
        result = invoke(argv, cwd=folder)
        check_invariants(result, argv, folder)
        if argv[:1] == ["plot"] and "-o" in argv and result.exit_code == 0:
            assert os.path.getsize(argv[argv.index("-o") + 1]) > 0


@fuzz
@given(
    content=any_file,
    options=st.lists(
        st.sampled_from(
            [
                ["-d"],
                ["--header"],
                ["--no-header"],
                ["-c", "2"],
                ["-c", "x"],
                ["--input-format", "csv"],
                ["--input-format", "text"],
                ["--input-format", "npy"],
                ["-f", "npy"],
                ["-f", "json"],
                ["--dtype", "float16"],
                ["--precision", "3"],
            ]
        ),
        max_size=3,
    ),
    name=st.sampled_from(
        ["relu", "softmax", "glu", "gelu", "sparsemax", "threshold:threshold=0,default_value=-1"]
    ),
    via_file=st.booleans(),
)
def test_fuzz_input_files(content, options, name, via_file):
    with tempfile.TemporaryDirectory() as folder:
        argv = ["eval", name, *[t for o in options for t in o]]
        stdin = content
        if via_file:
            path = os.path.join(folder, "data.in")
            Path(path).write_bytes(content)
            argv += ["-i", path]
            stdin = None
        result = invoke(argv, stdin)
        check_invariants(result, argv, folder)


@fuzz
@given(header=st.binary(max_size=120), extra=st.binary(max_size=40))
@example(header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (True,), }", extra=b"")
@example(
    header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000000000000000,), }",
    extra=b"",
)
@example(
    header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000, 10000000000), }",
    extra=b"",
)
@example(header=b"{'descr': '<f8', 'fortran_order': 1, 'shape': (2,), }", extra=b"\x00" * 16)
def test_fuzz_npy_headers(header, extra):
    """A .npy header is untrusted text: whatever it says, one line and exit 1 (or a result)."""
    data = npy_header_only(header) + extra
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "h.npy")
        Path(path).write_bytes(data)
        for argv, stdin in ((["eval", "relu"], data), (["eval", "relu", "-i", path], None)):
            result = invoke(argv, stdin)
            check_invariants(result, argv, folder)
            assert result.exit_code in (0, 1), result.stderr


# ---------------------------------------------------------------------------------------------
# Fuzz: known numbers in, the core's numbers out

DTYPE_OF = {"float16": np.float16, "float32": np.float32, "float64": np.float64}

NAN_SPELLINGS = ["nan", "NaN", "NAN", "-nan"]
INF_SPELLINGS = ["inf", "Infinity", "+inf", "INF", "1e999", "infinity"]


def spell(x: float, draw) -> str:
    """One of the many ways a file or a shell may write x (each reads back exactly)."""
    if math.isnan(x):
        return draw(st.sampled_from(NAN_SPELLINGS))
    if math.isinf(x):
        text = draw(st.sampled_from(INF_SPELLINGS))
        return text if x > 0 else draw(st.sampled_from(["-", "\u2212"])) + text.lstrip("+")
    text = draw(st.sampled_from([repr(x), f"{x:.17g}", f"{x:.17e}"]))
    if text.startswith("-") and draw(st.booleans()):
        text = "\u2212" + text[1:]
    return text


def param_text(param, draw) -> str:
    plausible = {
        "float": st.one_of(
            st.floats(-4, 4).map(repr), st.sampled_from(["0", "-1", "1e999", "nan", "x"])
        ),
        "optional_float": st.sampled_from(["none", "0", "1", "6", "-1", "2.5"]),
        "bool": st.sampled_from(["true", "false", "1", "maybe"]),
        "int": st.sampled_from(["-1", "0", "1", "-2", "5", "0.5"]),
        "float_array": st.sampled_from(["0.1", "0.25", "-1", "0.1,0.2", "nan"]),
        "axes": st.sampled_from(["-1", "0", "1", "0,1", "0.5"]),  # softmax: a tuple of axes too
    }[param.type]
    return draw(plausible)


@st.composite
def known_run(draw):
    name = draw(st.sampled_from(ALL_NAMES))
    spec = REGISTRY.lookup(name)
    params = {}
    for p in spec.params:
        if p.required or draw(st.booleans()):
            params[p.name] = param_text(p, draw)
    width = draw(st.sampled_from([16, 32, 64]))
    xs = draw(st.lists(st.floats(width=width), min_size=1, max_size=8))
    source = draw(st.sampled_from(["args", "stdin-text", "file-text", "stdin-npy", "file-npy"]))
    npy_dtype = (
        {16: np.float16, 32: np.float32, 64: np.float64}[width] if "npy" in source else np.float64
    )
    dtype = draw(st.sampled_from([None, None, "float16", "float32", "float64"]))
    fmt = draw(st.sampled_from(["csv", "tsv", "json", "jsonl", "npy", "csv-file", "npy-file"]))
    precision = draw(st.sampled_from([None, None, None, 1, 6, 17])) if "npy" not in fmt else None
    return dict(
        name=name,
        spec=spec,
        params=params,
        xs=xs,
        source=source,
        npy_dtype=npy_dtype,
        dtype=dtype,
        fmt=fmt,
        precision=precision,
        derivative=draw(st.booleans()),
        in_spec=draw(st.booleans()) and all("," not in v for v in params.values()),
        spellings=[spell(x, draw) for x in xs],
        header=draw(st.booleans()),
        bom=draw(st.booleans()),
        eol=draw(st.sampled_from(["\n", "\r\n"])),
        comments=draw(st.booleans()),
        text_format=draw(st.sampled_from(["csv", "text"])),
    )


def build_run(run, folder):
    """argv and stdin for a known run."""
    name, params = run["name"], run["params"]
    argv = ["eval"]
    if run["in_spec"] and params:
        argv.append(name + ":" + ",".join(f"{k}={v}" for k, v in params.items()))
    else:
        argv.append(name)
        flags = {p.name for p in run["spec"].params if p.type == "bool"}
        for k, v in params.items():
            option = "--" + k.replace("_", "-")
            # A bool parameter is a flag: its value, if any, goes after '=' (a word after the
            # flag is read as a name or a value to evaluate).
            argv += [f"{option}={v}"] if k in flags else [option, v]
    if run["derivative"]:
        argv.append("-d")
    if run["dtype"]:
        argv += ["--dtype", run["dtype"]]
    if run["precision"]:
        argv += ["--precision", str(run["precision"])]
    fmt = run["fmt"]
    out = None
    if fmt.endswith("-file"):
        out = os.path.join(folder, "out." + fmt.split("-")[0])
        argv += ["-o", out]
    else:
        argv += ["-f", fmt]
    stdin = None
    source = run["source"]
    if source == "args":
        argv += ["--", *run["spellings"]]
    elif source.endswith("npy"):
        data = npy(np.array(run["xs"], dtype=run["npy_dtype"]))
        if source == "stdin-npy":
            stdin = data
        else:
            Path(folder, "x.npy").write_bytes(data)
            argv += ["-i", os.path.join(folder, "x.npy")]
    else:
        lines = []
        if run["comments"]:
            lines += ["# made by hand", ""]
        if run["header"]:
            lines.append("x")
        quoted = run["text_format"] == "csv"
        lines += [f'"{s}"' if quoted else s for s in run["spellings"]]
        if run["comments"]:
            lines.append("")
        data = ("\ufeff" if run["bom"] else "") + run["eol"].join(lines) + run["eol"]
        data = data.encode()
        if source == "stdin-text":
            stdin = data
            argv += ["--input-format", run["text_format"]]
        else:
            Path(folder, "x." + ("csv" if quoted else "txt")).write_bytes(data)
            argv += ["-i", os.path.join(folder, "x." + ("csv" if quoted else "txt"))]
    return argv, stdin, out


def expected_results(run):
    """The core's answer, or the error it raises (then the CLI must fail the same way)."""
    x = np.array(run["xs"], dtype=run["npy_dtype"])
    if run["dtype"]:
        with np.errstate(over="ignore"):
            x = x.astype(DTYPE_OF[run["dtype"]])
    spec = run["spec"]
    results = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results.append(np.asarray(actcli.get(spec.name)(x, **run["params"])))
            if run["derivative"]:
                results.append(np.asarray(actcli.derivative(spec.name)(x, **run["params"])))
    except actcli.ActcliError as exc:
        return x, exc
    return x, results


def same_floats(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values, NaN where NaN, and the sign of every zero kept."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return False
    nan = np.isnan(want)
    return bool(
        np.array_equal(np.isnan(got), nan)
        and np.array_equal(got[~nan], want[~nan])
        and np.array_equal(np.signbit(got[~nan]), np.signbit(want[~nan]))
    )


def read_text_output(fmt: str, text: str, has_header: bool) -> tuple[list[str], list[list[str]]]:
    if fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        return (rows[0], rows[1:]) if has_header else ([], rows)  # headerless in, headerless out
    keep = {"parse_float": str, "parse_int": str}  # "-0" stays "-0" (Python would make it int 0)
    records = (
        json.loads(text, **keep)
        if fmt == "json"
        else [json.loads(line, **keep) for line in text.splitlines()]
    )
    names = list(records[0])
    return names, [[str(r[n]) for n in names] for r in records]


def from_json(cell: str) -> float:
    return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(cell, cell))


@fuzz
@given(run=known_run())
def test_fuzz_numbers_agree_with_the_core(run):
    with tempfile.TemporaryDirectory() as folder:
        argv, stdin, out = build_run(run, folder)
        result = invoke(argv, stdin)
        check_invariants(result, argv, folder)
        x, want = expected_results(run)
        if isinstance(want, actcli.ActcliError):
            assert result.exit_code == want.exit_code, (argv, result.stderr)
            assert result.stderr.endswith(ERROR + str(want) + "\n"), (argv, result.stderr)
            return
        lengths = {len(y) for y in want}
        if len(want) > 1 and len({y.shape for y in want}) > 1:
            assert result.exit_code == 2, (argv, result.stderr)  # glu with -d: told to split
            return
        assert result.exit_code == 0, (argv, result.stderr)
        fmt = run["fmt"].split("-")[0]
        data = Path(out).read_bytes() if out else result.stdout_bytes
        if fmt == "npy":
            got = np.load(io.BytesIO(data), allow_pickle=False)
            stacked = want[0] if len(want) == 1 else np.stack(want, axis=-1)
            assert got.dtype == stacked.dtype, (argv, got.dtype, stacked.dtype)
            assert same_floats(got, stacked), (argv, got, stacked)
            return
        has_header = run["header"] or not run["source"].endswith("text")
        names, rows = read_text_output(fmt, data.decode(), has_header)
        parse = from_json if fmt.startswith("json") else float
        columns = list(zip(*rows, strict=True)) if rows else []
        assert len(rows) == max(lengths), (argv, rows)
        result_columns = columns[-len(want) :]
        for y, column in zip(want, result_columns, strict=True):
            got = np.array([parse(c) for c in column])
            if run["precision"]:
                digits = run["precision"]
                y = np.array([float(format(v, f".{digits}g")) for v in y.astype(np.float64)])
            else:
                got = got.astype(y.dtype)
            assert same_floats(got, y), (argv, got, y)
        if len(want[0]) == len(x):  # the input is kept beside the results
            echoed = columns[0]
            if run["source"].endswith("text"):  # cells as written, JSON included
                assert list(echoed) == run["spellings"], (argv, echoed)
            elif not run["precision"]:
                assert same_floats(np.array([parse(c) for c in echoed]).astype(x.dtype), x)


# ---------------------------------------------------------------------------------------------
# Deterministic hard cases


def test_a_row_of_100k_columns(tmp_path):
    row = np.linspace(-3, 3, 100_000)
    path = tmp_path / "wide.csv"
    path.write_text(",".join(map(repr, row.tolist())) + "\n")
    result = invoke(["eval", "softmax", "-i", str(path), "-f", "npy"])
    check_invariants(result, [], str(tmp_path))
    got = np.load(io.BytesIO(result.stdout_bytes))
    assert same_floats(got, actcli.get("softmax")(row[None, :]))
    result = invoke(["eval", "relu", "-c", "100000", "-i", str(path)])
    assert result.exit_code == 0 and result.stdout.splitlines() == [  # headerless stays so
        ",".join(map(repr, row.tolist())) + ",3.0"
    ]


def test_a_10_mb_line_reads_and_a_20_mb_line_is_one_short_error(tmp_path):
    """One 10 MB number (it overflows to inf) reads; a 20 MB line, past the 16 MB a line may
    hold, and a 20 MB bad cell end in one short line."""
    path = tmp_path / "long.txt"
    path.write_bytes(b"1" * 10_000_000)
    result = invoke(["eval", "relu", "-i", str(path), "-f", "npy"])
    check_invariants(result, [], str(tmp_path))
    assert np.load(io.BytesIO(result.stdout_bytes)).tolist() == [math.inf]
    path.write_bytes(b"1" * 20_000_000)
    result = invoke(["eval", "relu", "-i", str(path)])
    check_invariants(result, [], str(tmp_path))
    assert result.exit_code == 1 and result.stderr == (
        ERROR + f"{path} line 1 is longer than 16,777,216 characters (a binary file? one value "
        "per line for long vectors)\n"
    )
    path.write_bytes(b"x\n1\n" + b"a" * 10_000_000)
    result = invoke(["eval", "relu", "-i", str(path)])
    check_invariants(result, [], str(tmp_path))
    assert result.exit_code == 1 and result.stderr.startswith(
        ERROR + f"{path} line 3, column 'x': 'aaaa"
    )


def test_error_messages_stay_short_for_huge_cells_and_headers(tmp_path):
    wide_header = ",".join(f"c{j}" for j in range(100_000)) + "\n" + ",".join(["a"] * 100_000)
    for argv, stdin in (
        (["eval", "relu"], b"x\n1\n" + b"b" * 1_000_000 + b"\n"),
        (["eval", "relu"], wide_header.encode()),
        (
            ["eval", "relu", "-c", "zz"],
            wide_header.replace(",a", ",1").replace("\na", "\n1").encode(),
        ),
        (["eval", "relu", "-c", "x" * 100_000], b"x\n1\n"),
    ):
        result = invoke(argv, stdin)
        assert result.exit_code in (1, 2)
        assert len(result.stderr) < 700 + len(argv[-1]) * (argv[-1] != "relu"), result.stderr[:300]


NPY_LAYOUTS = [
    np.array([-1.5, 0.0, 2.0], dtype=">f8"),
    np.array([-1.5, 0.0, 2.0], dtype=">f4"),
    np.array([-128, 0, 127], dtype=np.int8),
    np.array([True, False]),
    np.array([2**53 + 1, -(2**63)], dtype=np.int64),
    np.array([2**64 - 1], dtype=np.uint64),
    np.asfortranarray(np.arange(6.0).reshape(2, 3) - 2),
    np.array(-3.0),
    np.array([[-1.0, 2.0]], dtype=np.float16),
]


@pytest.mark.parametrize("array", NPY_LAYOUTS, ids=lambda a: f"{a.dtype.str}-{a.shape}")
@pytest.mark.parametrize("via", ["stdin", "file"])
def test_unusual_npy_layouts_read_exactly(array, via, tmp_path):
    data = npy(array)
    argv = ["eval", "relu", "-f", "npy"]
    if via == "file":
        (tmp_path / "a.npy").write_bytes(data)
        argv += ["-i", str(tmp_path / "a.npy")]
    result = invoke(argv, None if via == "file" else data)
    check_invariants(result, argv, str(tmp_path))
    got = np.load(io.BytesIO(result.stdout_bytes))
    x = (
        array.astype(array.dtype.newbyteorder("="))
        if array.dtype.kind == "f"
        else array.astype(np.float64)
    )
    assert same_floats(got, actcli.get("relu")(x))


def test_npy_version_3_reads_like_version_1(tmp_path):
    """NumPy writes version 3.0 headers (utf-8); a valid file must not be a bug notice."""
    array = np.array([-1.0, 0.5])
    data = bad_inputs.npy_v3(array)
    assert np.load(io.BytesIO(data)).tolist() == [-1.0, 0.5]  # the file itself is valid
    (tmp_path / "v3.npy").write_bytes(data)
    for argv, stdin in (
        (["eval", "relu"], data),
        (["eval", "relu", "-i", str(tmp_path / "v3.npy")], None),
    ):
        result = invoke(argv, stdin)
        check_invariants(result, argv, str(tmp_path))
        assert result.stdout == "x,relu\n-1.0,0.0\n0.5,0.5\n"


def test_npy_with_zero_size_items_does_not_crash_the_process(tmp_path):
    """A crafted header (itemsize 0, negative shape) made NumPy's memmap die of SIGFPE."""
    (tmp_path / "z.npy").write_bytes(
        npy_header_only(b"{'descr': '|V0', 'fortran_order': False, 'shape': (-1,), }") + b"\0" * 8
    )
    run = subprocess.run(
        [sys.executable, "-m", "actcli", "eval", "relu", "-i", str(tmp_path / "z.npy")],
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 1, run  # not -8 (SIGFPE)
    lines = run.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR + str(tmp_path / "z.npy")), lines


def test_an_axis_beyond_any_array_is_a_usage_error():
    """``--axis 99999999999999999999999``: core/_array.py catches AxisError, not OverflowError."""
    result = invoke(["eval", "softmax", "--axis", "99999999999999999999999", "--", "1", "2"])
    assert result.exit_code == 2 and "internal error" not in result.stderr


# ---------------------------------------------------------------------------------------------
# Fuzz (io helper): the families of issue 13 on the input side. Limits are shrunk with
# mock.patch so that each example crosses them cheaply; the code paths are the real ones.

ROW_FUNCTIONS = ["relu", "gelu", "softmax", "log_softmax", "sigmoid"]


@fuzz
@given(
    n=st.integers(1, 300),
    as_row=st.booleans(),
    dtype=st.sampled_from(["<f8", "<f4", ">f8", "<i4"]),
    name=st.sampled_from(ROW_FUNCTIONS),
    fmt=st.sampled_from(["npy", "csv", "json"]),
    chunk=st.integers(1, 40),
    via_file=st.booleans(),
)
def test_fuzz_rows_and_columns_of_values(n, as_row, dtype, name, fmt, chunk, via_file):
    """A .npy of shape (1, N) or (N, 1), read in chunks of a few values: exactly the core's
    result on the whole array, the shape kept in .npy, one value per row in text."""
    from unittest import mock

    x = (np.random.default_rng(n).standard_normal(n) * 30).astype(dtype)
    array = x.reshape((1, n) if as_row else (n, 1))
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.object(actcli_io.inputs, "ARRAY_CHUNK_ELEMENTS", chunk),
    ):
        path = os.path.join(folder, "in.npy")
        Path(path).write_bytes(npy(array))
        argv = ["eval", name, "-f", fmt, *(["-i", path] if via_file else [])]
        result = invoke(argv, None if via_file else npy(array))
        check_invariants(result, argv, folder)
        assert result.exit_code == 0, result.stderr
    native = array.astype(array.dtype.newbyteorder("=")) if dtype[1] == "f" else array + 0.0
    want = actcli.get(name)(native)
    if fmt == "npy":
        got = np.load(io.BytesIO(result.stdout_bytes))
        assert got.shape == array.shape and same_floats(got, want)
        return
    names, rows = read_text_output(fmt, result.stdout, True)
    assert names == ["x", name] and len(rows) == n
    got = np.array([from_json(r[1]) if fmt == "json" else float(r[1]) for r in rows])
    assert same_floats(got.astype(want.dtype), want.reshape(-1))


@fuzz
@given(
    cells=st.lists(st.sampled_from(["1", "-2.5", "1e3", "", "NA", "abc", "0x1"]), min_size=1,
                   max_size=80),
    separator=st.sampled_from([",", "\t", " "]),
    cell_width=st.integers(0, 60),
    name=st.sampled_from(["relu", "softmax"]),
    newline=st.booleans(),
)  # fmt: skip
def test_fuzz_long_single_lines(cells, separator, cell_width, name, newline):
    """One line of many cells, near the column and line-length limits (shrunk to 50 columns
    and 2,000 characters): numbers in, or one line naming the limit or the cell."""
    from unittest import mock

    padded = [c + "0" * cell_width if c[:1].isdigit() or c[:1] == "-" else c for c in cells]
    line = separator.join(padded) + ("\n" if newline else "")
    with (
        mock.patch.object(actcli_io.text, "MAX_COLUMNS", 50),
        mock.patch.object(actcli_io.text, "MAX_LINE_CHARS", 2000),
    ):
        argv = ["eval", name, "--no-header"]
        result = invoke(argv, line.encode())
    check_invariants(result, argv)
    if len(line.rstrip("\n")) > 2000:
        assert result.exit_code == 1 and "is longer than 2,000 characters" in result.stderr
    elif len(cells) > 50 and separator != " ":
        assert result.exit_code == 1 and "has more than 50 columns" in result.stderr


def _range_oracle(option: list[str]) -> np.ndarray:
    """The values of one --range/--linspace, written from their definitions with NumPy."""
    if option[0] == "--linspace":
        return np.linspace(float(option[1]), float(option[2]), int(option[3]))
    start, stop, step = (float(v) for v in option[1].split(":"))
    count = math.floor((stop - start) / step + 1e-9) + 1
    return start + step * np.arange(count)


@fuzz
@given(
    options=st.lists(
        st.one_of(
            st.tuples(st.integers(-5, 5), st.integers(1, 40), st.sampled_from([1, 0.5, 0.25])).map(
                lambda t: ["--range", f"{t[0]}:{t[0] + t[1]}:{t[2]}"]
            ),
            st.tuples(st.integers(-5, 5), st.integers(1, 9), st.integers(1, 90)).map(
                lambda t: ["--linspace", str(t[0]), str(t[0] + t[1]), str(t[2])]
            ),
        ),
        min_size=1,
        max_size=4,
    ),
    limit=st.integers(1, 200),
)
def test_fuzz_repeated_range_options_count_in_total(options, limit):
    """However many --range/--linspace are given, the limit (shrunk here) holds for their
    total; below it the output is their sorted union."""
    from unittest import mock

    argv = ["eval", "linear", *[t for o in options for t in o]]
    with mock.patch.object(actcli_io.values, "MAX_RANGE_SIZE", limit):
        result = invoke(argv)
    check_invariants(result, argv)
    parts = [_range_oracle(o) for o in options]
    total = sum(len(p) for p in parts)
    if total > limit:
        made = f"make{'s' if len(options) == 1 else ''} {total} values, more than {limit};"
        assert result.exit_code == 2 and made in result.stderr, result.stderr
        return
    assert result.exit_code == 0, result.stderr
    want = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))
    got = np.array([float(line.split(",")[0]) for line in result.stdout.splitlines()[1:]])
    assert same_floats(got, want)


# Process-side fuzz (the cli helper's section, issue 13): extreme but finite plot limits and
# sizes; every terminating signal at a random moment; stdout and stderr closed or full.

# Finite floats where arithmetic on limits breaks: the largest, its neighbours, the smallest
# subnormal, powers of ten near the top, and ordinary ones.
EDGE_FLOATS = [
    sys.float_info.max,
    -sys.float_info.max,
    1.7e308,
    -1.7e308,
    1e308,
    -1e308,
    1e307,
    8e307,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    0.0,
    -0.0,
    1.0,
    1.0 + 2**-52,
    -4.0,
    6.0,
]
edge_float = st.one_of(
    st.sampled_from(EDGE_FLOATS), st.floats(allow_nan=False, allow_infinity=False)
)
PLOT_NAMES = ["relu", "exponential", "gelu", "relu6", "softmax", "hard_sigmoid", "elu:alpha=1e308"]


@st.composite
def plot_limits_argv(draw, folder: str) -> list[str]:
    names = draw(st.lists(st.sampled_from(PLOT_NAMES), min_size=1, max_size=2, unique=True))
    argv = ["plot", *names, "--points", str(draw(st.sampled_from([2, 3, 17])))]
    for option in ("--xlim", "--ylim"):
        if draw(st.booleans()):
            a, b = draw(edge_float), draw(edge_float)
            if draw(st.integers(0, 9)):  # mostly valid: low < high
                a, b = min(a, b), max(a, b)
            argv += [option, repr(a), repr(b)]
    for flag in ("--no-derivative", "--formula"):
        if draw(st.booleans()):
            argv.append(flag)
    if draw(st.booleans()):
        argv += ["--term", "--width", str(draw(st.sampled_from([24, 41, 80])))]
        return argv
    if draw(st.booleans()):
        argv += ["--layout", "panels"]
    # Sizes: mostly small images (rendering is the slow part), sometimes the extremes.
    size = draw(
        st.one_of(
            st.tuples(st.sampled_from([0.2, 1.0, 2.0]), st.sampled_from([0.2, 1.0, 1.5])),
            st.tuples(edge_float, edge_float),
        )
    )
    dpi = draw(st.one_of(st.sampled_from([10, 20, 50]), edge_float))
    suffix = draw(st.sampled_from([".png", ".svg", ".pdf", ".eps"]))
    return [
        *argv,
        "--size",
        repr(size[0]),
        repr(size[1]),
        "--dpi",
        repr(dpi),
        "-o",
        os.path.join(folder, "p" + suffix),
    ]


@fuzz_slow
@given(data=st.data())
def test_fuzz_extreme_plot_limits_and_sizes(data):
    """Any finite limits, sizes and resolutions: a plot, or one usage error; never a warning
    (invoke turns them into errors), an internal error or a temporary file left behind."""
    with tempfile.TemporaryDirectory() as folder:
        argv = data.draw(plot_limits_argv(folder))
        result = invoke(argv, cwd=folder)
        check_invariants(result, argv, folder)
        assert result.exit_code in (0, 2), (argv, result.stderr)
        if result.exit_code == 0 and "-o" in argv:
            assert os.path.getsize(argv[argv.index("-o") + 1]) > 0


def _run_with_streams(argv, *, stdout: str, stderr: str, cwd: str):
    """Runs the real actcli with stdout/stderr each a pipe, closed (>&-) or full (/dev/full)."""
    close = [fd for fd, how in ((1, stdout), (2, stderr)) if how == "closed"]
    with open("/dev/full", "wb") as full:
        streams = {
            how_fd: (subprocess.PIPE if how == "pipe" else full if how == "full" else None)
            for how_fd, how in (("out", stdout), ("err", stderr))
        }
        return subprocess.run(
            [*bad_inputs.actcli_command(), *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=streams["out"],
            stderr=streams["err"],
            preexec_fn=lambda: [os.close(fd) for fd in close],
            timeout=120,
        )


# argv, whether it writes to stdout, its exit code when nothing goes wrong with the streams.
STREAM_COMMANDS = [
    (["eval", "relu", "--", "1"], True, 0),
    (["eval", "relu", "-o", "o.csv", "--", "1"], False, 0),
    (["eval", "relu", "--dtype", "float16", "--", "1e5"], True, 0),  # and a warning
    (["eval", "relu", "--dtype", "float16", "-o", "o.csv", "--", "1e5"], False, 0),
    (["eval", "nosuch", "--", "1"], False, 2),
    (["list"], True, 0),
    (["info", "gelu"], True, 0),
    (["diff", "gelu", "-f", "csv"], True, 0),
    (["plot", "relu", "--term"], True, 0),
    (["plot", "relu", "--points", "9", "--size", "1", "1", "--dpi", "20", "-o", "p.png"], False, 0),
    (["--help"], True, 0),
    (["--version"], True, 0),
    (["eval", "relu", "--help"], True, 0),
]


@settings(max_examples=max(4, EXAMPLES // 2), suppress_health_check=HEALTH, deadline=None)
@given(
    command=st.sampled_from(STREAM_COMMANDS),
    stdout=st.sampled_from(["pipe", "closed", "full"]),
    stderr=st.sampled_from(["pipe", "closed", "full"]),
)
def test_fuzz_closed_and_full_stdout_and_stderr(command, stdout, stderr):
    if "full" in (stdout, stderr) and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    argv, writes, code = command
    with tempfile.TemporaryDirectory() as folder:
        run = _run_with_streams(argv, stdout=stdout, stderr=stderr, cwd=folder)
        lost = writes and stdout != "pipe" and code == 0
        assert run.returncode == (1 if lost else code), (argv, stdout, stderr, run.stderr)
        if stderr == "pipe":
            lines = run.stderr.decode().splitlines()
            assert all(line.startswith((ERROR, WARNING)) for line in lines), lines
            assert len([line for line in lines if line.startswith(ERROR)]) == (run.returncode != 0)
            if lost:
                reason = "it is closed" if stdout == "closed" else "No space left on device"
                assert lines[-1] == f"{ERROR}cannot write to stdout: {reason}"
        written = "o.csv" in argv or "p.png" in argv
        if written and run.returncode == 0:
            assert os.path.getsize(os.path.join(folder, "o.csv" if "o.csv" in argv else "p.png"))
        assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]


def _terminating_signals() -> list[int]:
    import signal

    from actcli_launcher import terminating_signals

    return [s for s in terminating_signals() if signal.getsignal(s) != signal.SIG_IGN]


SIGNAL_COMMANDS = {
    "eval": ["eval", "gelu", "-d", "-i", "mid.npy", "-o", "out.csv"],
    "plot": ["plot", "gelu", "elu", "--size", "12", "12", "--dpi", "100", "-o", "out.png"],
    "term": ["plot", "--all", "--term"],
    "diff": ["diff", "gelu", "--linspace", "-5", "5", "200000", "-o", "out.csv"],
}


# What a whole result looks like (a file replaced by anything less is a bug).
WHOLE = {
    "eval": lambda data: data.startswith(b"x,gelu,gelu'\n") and data.count(b"\n") == 300_001,
    "plot": lambda data: data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82"),
    "diff": lambda data: data.startswith(b"a,b,max_abs,") and data.count(b"\n") == 7,
}


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc (Linux)")
@settings(max_examples=max(3, EXAMPLES // 5), suppress_health_check=HEALTH, deadline=None)
@given(
    signum=st.sampled_from(_terminating_signals()),
    command=st.sampled_from(sorted(SIGNAL_COMMANDS)),
    delay=st.floats(0.0, 0.8),
)
def test_fuzz_every_terminating_signal_at_a_random_moment(signum, command, delay):
    """From the moment actcli's handlers are in place (importing NumPy) to its exit: the run
    either finished (0) or ends with 128 + N and its one line; -o keeps the old file or holds
    the whole new one; no temporary file."""
    import time

    from actcli_launcher import message

    with tempfile.TemporaryDirectory() as folder:
        np.save(os.path.join(folder, "mid.npy"), np.linspace(-5, 5, 300_000))
        for name in ("out.csv", "out.png"):
            Path(folder, name).write_bytes(OLD_OUTPUT)
        process = subprocess.Popen(
            [*bad_inputs.actcli_command(), *SIGNAL_COMMANDS[command]],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not bad_inputs.handlers_installed(process.pid):
            if process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.0005)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signum)
        _, err = process.communicate(timeout=120)
        where = (command, signum, delay, err[-500:])
        if process.returncode == 0:
            assert err == b"", where
        else:
            assert process.returncode == 128 + signum, where
            assert err.decode() == ERROR + message(signum) + "\n", where
        for name in ("out.csv", "out.png"):
            data = Path(folder, name).read_bytes()
            if data != OLD_OUTPUT:  # replaced: only by a whole result
                assert name in SIGNAL_COMMANDS[command], where
                assert WHOLE[command](data), (where, data[:100], data[-100:])
        assert not [n for n in os.listdir(folder) if n.endswith(".tmp")], where


# ---------------------------------------------------------------------------------------------
# check (helper "check"): random command lines and files for `actcli check`

_CHECK_GATE = "max error "  # a --max-ulp failure writes its report, then this line (exit 1)


def _check_invariants(result, argv, folder: str) -> None:
    """check_invariants, except that a failed --max-ulp gate has written its report."""
    if result.exit_code == 1 and f"{ERROR}" in result.stderr and _CHECK_GATE in result.stderr:
        assert result.stdout_bytes, argv
        lines = result.stderr.splitlines()
        assert lines[-1].startswith(ERROR) and "exceeds" in lines[-1], argv
        assert "Traceback" not in result.stderr
        return
    check_invariants(result, argv, folder)


@st.composite
def check_argv(draw, folder: str, x_path: str, y_path: str) -> list[str]:
    name = draw(st.sampled_from(["relu", "gelu", "tanh", "elu:alpha=0.5", "softmax", "gelo"]))
    dtypes = ["float16", "float32", "float64", "bfloat16", "float8_e4m3fn", "float8_e5m2", "x"]
    source = draw(st.sampled_from(["pair", "table", "exhaustive", "sample", "none"]))
    argv = ["check", name]
    if source == "pair":
        argv += ["-i", x_path, "--values", y_path]
    elif source == "table":
        argv += ["-i", x_path, "--values-column", draw(st.sampled_from(["2", "y", "9", "x"]))]
    elif source in ("exhaustive", "sample"):
        argv += ["--exhaustive"] if source == "exhaustive" else ["--sample", draw(value_text)]
        argv += ["--dtype", draw(st.sampled_from(dtypes[3:] + ["float16"]))]
        if draw(st.booleans()):
            argv += ["--range", draw(st.sampled_from(["-1:1", "0:", ":0", "2:1", "a:b", "-8:8"]))]
        if draw(st.booleans()):
            argv += ["--save-inputs", os.path.join(folder, "saved.npy")]
        else:
            argv += ["--values", y_path]
    opts = draw(
        st.lists(
            st.sampled_from(
                [
                    ["-d"],
                    ["--dtype", draw(st.sampled_from(dtypes))],
                    ["--x-column", draw(st.sampled_from(["1", "x", "7"]))],
                    ["--max-ulp", draw(st.sampled_from(["0", "0.5", "1e9", "-1", "nan", "x"]))],
                    ["--worst", draw(st.sampled_from(["0", "3", "-2"]))],
                    ["-f", draw(st.sampled_from(["text", "json", "csv"]))],
                    ["-o", os.path.join(folder, "r" + draw(st.sampled_from(SUFFIXES)))],
                    ["--like", draw(st.sampled_from(["torch", "jax", "pytorch"]))],
                    ["--plot", os.path.join(folder, "e" + draw(st.sampled_from([".png", ".x"])))],
                    ["--term"],
                ]
            ),
            max_size=3,
        )
    )
    return argv + [t for o in opts for t in o]


@fuzz_slow
@given(data=st.data(), x=any_file, y=any_file)
def test_fuzz_check_command_lines(data, x, y):
    with tempfile.TemporaryDirectory() as folder:
        x_path, y_path = os.path.join(folder, "x.in"), os.path.join(folder, "y.in")
        Path(x_path).write_bytes(x)
        Path(y_path).write_bytes(y)
        argv = data.draw(check_argv(folder, x_path, y_path))
        result = invoke(argv)
        _check_invariants(result, argv, folder)


def test_check_gate_writes_the_report_and_one_error_line(tmp_path):
    x = np.linspace(-3, 3, 13)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.tanh(x) * (1 + 1e-12))
    argv = ["check", "tanh", "-i", str(tmp_path / "x.npy"), "--values", str(tmp_path / "y.npy")]
    result = invoke([*argv, "--max-ulp", "1"])
    _check_invariants(result, argv, str(tmp_path))
    assert result.exit_code == 1 and result.stdout.startswith("tanh in float64")
