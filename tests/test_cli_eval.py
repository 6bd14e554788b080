"""``actcli eval`` through click's CliRunner: exact output, exit codes, clean stderr.

Expected numbers are written by hand (relu, leaky slopes: exact in binary), taken from the Keras
documentation, or computed here with ``math`` from the textbook formula.
"""

from __future__ import annotations

import csv
import io as std_io
import json
import math
import os

import numpy as np
import pytest
from click.testing import CliRunner

from actcli.cli import cli


def run(args: list[str], input: str | bytes | None = None, **kwargs):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False, **kwargs)


def ok(args: list[str], input: str | bytes | None = None) -> str:
    result = run(args, input)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def fails(args: list[str], code: int, message: str, input: str | bytes | None = None) -> str:
    result = run(args, input)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("actcli: error: "), result.stderr
    assert message in lines[0], lines[0]
    return lines[0]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# ---------------------------------------------------------------------------------------------
# The examples, exact


def test_relu_with_old_name_alpha():
    out = ok(["eval", "relu", "--alpha", "0.5", "--", "-10", "-5", "0", "5", "10"])
    assert out == (
        "x,relu(negative_slope=0.5)\n-10.0,-5.0\n-5.0,-2.5\n0.0,0.0\n5.0,5.0\n10.0,10.0\n"
    )


@pytest.mark.parametrize("flag", ["--negative-slope", "--negative_slope", "--alpha"])
def test_parameter_spellings_agree(flag):
    out = ok(["eval", "relu", flag, "0.5", "--", "-10"])
    assert out == "x,relu(negative_slope=0.5)\n-10.0,-5.0\n"


@pytest.mark.parametrize("flag", ["--max-value", "--max_value", "--max-value=5", "--max_value=5"])
def test_max_value_both_spellings(flag):
    args = [flag] if "=" in flag else [flag, "5"]
    out = ok(["eval", "relu", *args, "--", "-10", "-5", "0", "5", "10"])
    # Keras docs: relu(x, max_value=5) on [-10, -5, 0, 5, 10] -> [0, 0, 0, 5, 5]
    assert out.splitlines()[1:] == ["-10.0,0.0", "-5.0,0.0", "0.0,0.0", "5.0,5.0", "10.0,5.0"]


def test_relu_threshold_signed_zeros_as_documented():
    out = ok(["eval", "relu", "--threshold", "5", "--", "-10", "-5", "0", "5", "10"])
    # Keras docs: [-0, -0, 0, 0, 10]
    assert [line.split(",")[1] for line in out.splitlines()[1:]] == [
        "-0.0",
        "-0.0",
        "0.0",
        "0.0",
        "10.0",
    ]


def test_values_without_dashdash_and_negative_after_it():
    assert ok(["eval", "relu", "1", "2"]) == "x,relu\n1.0,1.0\n2.0,2.0\n"
    assert ok(["eval", "relu", "--", "-1", "-2.5e0"]) == "x,relu\n-1.0,0.0\n-2.5,0.0\n"
    # after --, everything is a value, even an option-looking word
    fails(["eval", "relu", "--", "1", "--help"], 2, "value '--help' is not a number")


def test_several_activations_one_column_each():
    out = ok(["eval", "relu", "leaky_relu:negative_slope=0.5", "relu6", "--", "-1", "7"])
    assert (
        out == "x,relu,leaky_relu(negative_slope=0.5),relu6\n-1.0,0.0,-0.5,0.0\n7.0,7.0,7.0,6.0\n"
    )


def test_linspace_several_activations_columns():
    out = ok(["eval", "relu", "gelu", "silu", "--linspace", "-3", "3", "7"])
    rows = list(csv.reader(std_io.StringIO(out)))
    assert rows[0] == ["x", "relu", "gelu", "silu"]
    xs = [float(r[0]) for r in rows[1:]]
    assert xs == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    for r in rows[1:]:
        x, relu, gelu, silu = map(float, r)
        assert relu == max(x, 0.0)
        assert gelu == pytest.approx(0.5 * x * math.erfc(-x / math.sqrt(2)), rel=1e-13)
        assert silu == pytest.approx(x * sigmoid(x), rel=1e-13)


def test_derivative_columns_follow_their_function():
    out = ok(["eval", "relu", "leaky_relu:negative_slope=0.25", "-d", "--", "-1", "2"])
    assert out == (
        "x,relu,relu',leaky_relu(negative_slope=0.25),leaky_relu'(negative_slope=0.25)\n"
        "-1.0,0.0,0.0,-0.25,0.25\n2.0,2.0,1.0,2.0,1.0\n"
    )


def test_sigmoid_float32_matches_keras_docs():
    # Keras docs (float32): sigmoid([-20, -1, 0, 1, 20]) =
    # [2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01, 1.0000000e+00]
    out = ok(["eval", "sigmoid", "--dtype", "float32", "--", "-20", "-1", "0", "1", "20"])
    got = [float(line.split(",")[1]) for line in out.splitlines()[1:]]
    want = np.array([2.0611537e-09, 2.6894143e-01, 0.5, 7.3105860e-01, 1.0], dtype=np.float32)
    assert np.array(got, dtype=np.float32).tolist() == want.tolist()
    assert out.splitlines()[4] == "1.0,0.7310586"  # float32's shortest text, not 0.73105859...


def test_softmax_of_a_vector_from_arguments():
    # Keras docs (float64): softmax([1, 2, 3, 4, 1, 2, 3])
    out = ok(["eval", "softmax", "--precision", "7", "--", "1", "2", "3", "4", "1", "2", "3"])
    got = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert got == [
        "0.02364054",
        "0.06426166",
        "0.1746813",
        "0.474833",
        "0.02364054",
        "0.06426166",
        "0.1746813",
    ]


def test_jacobian_of_softmax():
    # softmax([0, 0]) = [1/2, 1/2]; J = diag(s) - s s^T = [[1/4, -1/4], [-1/4, 1/4]]
    out = ok(["eval", "softmax", "--jacobian", "--", "0", "0"])
    assert out == "d/dx1,d/dx2\n0.25,-0.25\n-0.25,0.25\n"


def test_jacobian_named_after_csv_columns():
    out = ok(["eval", "softmax", "--jacobian", "-i", "-"], input="a,b\n0,0\n")
    assert out == "d/da,d/db\n0.25,-0.25\n-0.25,0.25\n"


def test_glu_halves_the_vector():
    out = ok(["eval", "glu", "--", "1", "2", "3", "4"])
    lines = out.splitlines()
    assert lines[0] == "glu"
    got = [float(v) for v in lines[1:]]
    assert got == pytest.approx([1 * sigmoid(3), 2 * sigmoid(4)], rel=1e-15)


def test_precision_significant_digits():
    out = ok(["eval", "linear", "--precision", "3", "--", "0.123456", "123456", "1e-7"])
    assert out == "x,linear\n0.123,0.123\n1.23e+05,1.23e+05\n1e-07,1e-07\n"


def test_spec_form_for_a_single_name_and_its_conflict():
    assert ok(["eval", "elu:alpha=0.5", "--", "1"]) == "x,elu(alpha=0.5)\n1.0,1.0\n"
    fails(["eval", "elu:alpha=0.5", "--alpha", "2", "--", "1"], 2, "alpha is given twice")


def test_label_hides_parameters_at_their_default():
    assert ok(["eval", "elu:alpha=1", "--", "1"]).splitlines()[0] == "x,elu"


def test_case_and_alias_resolve():
    assert ok(["eval", "SWISH", "--", "0"]) == "x,silu\n0.0,0.0\n"


# ---------------------------------------------------------------------------------------------
# CSV in: columns kept, header preserved, --column, axis-wise rows

LOGITS = "id,a,b,c\nr1,1,2,3\nr2,0,0,0\n"


def test_csv_extra_columns_kept_result_appended():
    out = ok(["eval", "relu", "-i", "-"], input="id,logit,note\nr1,-1.50,x\nr2,2,y z\n")
    assert out == "id,logit,note,relu\nr1,-1.50,x,0.0\nr2,2,y z,2.0\n"


def test_column_by_name_and_by_index():
    data = "id,a,b\nr1,-1,4\n"
    assert ok(["eval", "relu", "--column", "b"], input=data) == "id,a,b,relu\nr1,-1,4,4.0\n"
    assert ok(["eval", "relu", "-c", "2"], input=data) == "id,a,b,relu\nr1,-1,4,0.0\n"


def test_headerless_csv_stays_headerless():
    assert ok(["eval", "relu"], input="-1,5\n2,6\n") == "-1,5,0.0\n2,6,2.0\n"


def test_softmax_treats_each_row_as_a_vector():
    out = ok(["eval", "softmax"], input=LOGITS)
    rows = list(csv.reader(std_io.StringIO(out)))
    assert rows[0] == ["id", "a", "b", "c", "softmax[a]", "softmax[b]", "softmax[c]"]
    assert rows[1][:4] == ["r1", "1", "2", "3"]
    total = sum(math.exp(v) for v in (1, 2, 3))
    assert [float(v) for v in rows[1][4:]] == pytest.approx(
        [math.exp(v) / total for v in (1, 2, 3)], rel=1e-15
    )
    assert [float(v) for v in rows[2][4:]] == pytest.approx([1 / 3] * 3, rel=1e-15)


def test_softmax_axis_zero_normalises_columns():
    out = ok(["eval", "softmax", "--axis", "0", "-c", "a,b"], input="a,b\n0,1\n0,1\n")
    assert out == "a,b,softmax(axis=0)[a],softmax(axis=0)[b]\n0,1,0.5,0.5\n0,1,0.5,0.5\n"


def test_elementwise_on_several_selected_columns():
    out = ok(["eval", "relu", "-c", "a", "-c", "b"], input="a,b\n-1,2\n")
    assert out == "a,b,relu[a],relu[b]\n-1,2,0.0,2.0\n"


def test_round_trip_of_x_is_lossless():
    rng = np.random.default_rng(11)
    xs = rng.standard_normal(200) * 10.0 ** rng.integers(-300, 300, 200)
    csv_text = "x\n" + "".join(f"{float(v)!r}\n" for v in xs)
    out = ok(["eval", "linear"], input=csv_text)
    back = np.array([float(r[0]) for r in list(csv.reader(std_io.StringIO(out)))[1:]])
    assert back.tobytes() == xs.tobytes()
    # and the numbers eval prints from arguments read back exactly
    out = ok(["eval", "linear", "--", *(repr(float(v)) for v in xs[:20])])
    back = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
    assert back.tobytes() == xs[:20].tobytes()


def test_output_to_the_input_file_itself(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x\n-1\n3\n")
    ok(["eval", "relu", "-i", str(path), "-o", str(path)])
    assert path.read_text() == "x,relu\n-1,0.0\n3,3.0\n"
    assert os.listdir(tmp_path) == ["data.csv"]


def test_failed_run_leaves_the_old_output_intact(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"precious\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n1\nabc\n")
    fails(["eval", "relu", "-i", str(bad), "-o", str(target)], 1, "line 3, column 'x'")
    assert target.read_bytes() == b"precious\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.csv", "out.csv"]


# ---------------------------------------------------------------------------------------------
# .npy


def _npy(array: np.ndarray) -> bytes:
    buffer = std_io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npy_in_npy_out_keeps_shape_and_dtype(tmp_path):
    x = np.array([[-2.0, 0.5], [3.0, -0.25]], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    ok(["eval", "relu", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")])
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.float32 and y.tolist() == [[0.0, 0.5], [3.0, 0.0]]


def test_npy_several_results_stack_on_a_last_axis():
    result = run(["eval", "relu", "-d", "-f", "npy"], input=_npy(np.array([-1.0, 2.0])))
    assert result.exit_code == 0
    y = np.load(std_io.BytesIO(result.stdout_bytes))
    assert y.shape == (2, 2) and y.tolist() == [[0.0, 0.0], [2.0, 1.0]]


def test_npy_batch_softmax_rows_sum_to_one():
    x = np.random.default_rng(0).standard_normal((32, 10))
    result = run(["eval", "softmax", "-f", "npy"], input=_npy(x))
    y = np.load(std_io.BytesIO(result.stdout_bytes))
    assert y.shape == (32, 10)
    want = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, want, rtol=1e-14)


def test_3d_npy_needs_npy_output():
    data = _npy(np.zeros((2, 2, 2)))
    fails(["eval", "relu"], 2, "text formats take 1-D or 2-D input", input=data)
    result = run(["eval", "relu", "-f", "npy"], input=data)
    assert result.exit_code == 0 and np.load(std_io.BytesIO(result.stdout_bytes)).shape == (2, 2, 2)


def test_float16_overflow_is_reported_once_on_stderr():
    result = run(["eval", "linear", "--dtype", "float16", "--", "1e5", "-1e6", "1"])
    assert result.exit_code == 0
    assert result.stdout == "x,linear\ninf,inf\n-inf,-inf\n1.0,1.0\n"
    assert result.stderr == (
        "actcli: warning: 2 value(s) do not fit in float16 and became inf or -inf\n"
    )


def test_dtype_option_casts_the_input():
    result = run(["eval", "relu", "--dtype", "float16", "-f", "npy", "--", "1", "-1"])
    assert np.load(std_io.BytesIO(result.stdout_bytes)).dtype == np.float16


# ---------------------------------------------------------------------------------------------
# Every input source x every output format

X = [-2.0, -0.5, 0.0, 1.5, 3.0]


def _leaky(x: float) -> float:
    return x if x > 0 else 0.5 * x


def _source(kind: str, tmp_path) -> tuple[list[str], bytes | str | None, list[float], int]:
    """(args, stdin, x values, index of the x column in text output)."""
    xs = [repr(v) for v in X]
    if kind == "args":
        return ["--", *xs], None, X, 0
    if kind == "range":
        return ["--range", "-2:3:0.5"], None, [-2 + 0.5 * i for i in range(11)], 0
    if kind == "linspace":
        return ["--linspace", "-2", "3", "11"], None, [-2 + 0.5 * i for i in range(11)], 0
    if kind == "csv-file":
        (tmp_path / "d.csv").write_text("id,x\n" + "".join(f"r{i},{v}\n" for i, v in enumerate(xs)))
        return ["-i", str(tmp_path / "d.csv")], None, X, 1
    if kind == "tsv-file":
        (tmp_path / "d.tsv").write_text("x\tid\n" + "".join(f"{v}\tr\n" for v in xs))
        return ["-i", str(tmp_path / "d.tsv")], None, X, 0
    if kind == "text-file":
        (tmp_path / "d.txt").write_text("".join(f"{v}  7\n" for v in xs))
        return ["-i", str(tmp_path / "d.txt")], None, X, 0
    if kind == "npy-file":
        np.save(tmp_path / "d.npy", np.array(X))
        return ["-i", str(tmp_path / "d.npy")], None, X, 0
    if kind == "csv-stdin":
        return ["-i", "-"], "x\n" + "\n".join(xs) + "\n", X, 0
    if kind == "text-stdin":
        return [], "\n".join(xs) + "\n", X, 0
    if kind == "npy-stdin":
        return [], _npy(np.array(X)), X, 0
    raise AssertionError(kind)


SOURCES = [
    "args",
    "range",
    "linspace",
    "csv-file",
    "tsv-file",
    "text-file",
    "npy-file",
    "csv-stdin",
    "text-stdin",
    "npy-stdin",
]
FORMATS = ["table", "csv", "tsv", "json", "jsonl", "npy"]


def _parse(fmt: str, result, x_index: int) -> tuple[list[float] | None, list[float]]:
    """(x, y) from any output format (x is None for npy, which holds the results only)."""
    if fmt == "npy":
        return None, np.load(std_io.BytesIO(result.stdout_bytes)).tolist()
    text = result.stdout
    if fmt in ("json", "jsonl"):
        records = (
            json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        )
        return (
            [float(list(r.values())[x_index]) for r in records],
            [float(list(r.values())[-1]) for r in records],
        )
    if fmt == "table":
        rows = [line.split() for line in text.splitlines()[2:]]
    else:
        rows = list(csv.reader(std_io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        if rows and any(not c.lstrip("-").replace(".", "").isdigit() for c in rows[0][:1]):
            rows = rows[1:]
    return [float(r[x_index]) for r in rows], [float(r[-1]) for r in rows]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", SOURCES)
def test_every_source_every_format(kind, fmt, tmp_path):
    args, stdin, xs, x_index = _source(kind, tmp_path)
    result = run(["eval", "relu", "--negative-slope", "0.5", "-f", fmt, *args], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    got_x, got_y = _parse(fmt, result, x_index)
    if got_x is not None:
        assert got_x == xs
    assert got_y == [_leaky(v) for v in xs]


@pytest.mark.parametrize(
    "suffix, check",
    [
        (".csv", lambda p: p.read_text().startswith("x,relu\n")),
        (".tsv", lambda p: p.read_text().startswith("x\trelu\n")),
        (".json", lambda p: json.loads(p.read_text())[0] == {"x": -1.0, "relu": 0.0}),
        (".jsonl", lambda p: json.loads(p.read_text().splitlines()[1]) == {"x": 2.0, "relu": 2.0}),
        (".npy", lambda p: np.load(p).tolist() == [0.0, 2.0]),
        (".txt", lambda p: p.read_text().split()[:2] == ["x", "relu"]),
    ],
)
def test_output_suffix_picks_the_format(suffix, check, tmp_path):
    path = tmp_path / f"out{suffix}"
    assert ok(["eval", "relu", "-o", str(path), "--", "-1", "2"]) == ""
    assert check(path)


def test_json_writes_non_finite_values_as_strings():
    out = ok(["eval", "linear", "-f", "json", "--", "nan", "inf", "-inf", "-0.0"])
    records = json.loads(out)
    assert [r["linear"] for r in records] == ["NaN", "Infinity", "-Infinity", -0.0]
    assert '"linear": -0.0' in out


# ---------------------------------------------------------------------------------------------
# Errors: one line on stderr, nothing on stdout, exit 2 (usage) or 1 (data)


@pytest.mark.parametrize(
    "args, stdin, code, message",
    [
        (["eval", "gelo", "--", "1"], None, 2, "unknown activation 'gelo' (did you mean 'gelu'"),
        (
            ["eval", "relu", "--alpha", "abc", "--", "1"],
            None,
            2,
            "relu: negative_slope must be a number, got 'abc'",
        ),
        (["eval", "squareplus", "--b", "-1", "--", "1"], None, 2, "squareplus: b >= 0 is required"),
        (["eval", "relu:slope=1", "--", "1"], None, 2, "relu has no parameter 'slope'"),
        (["eval", "relu", "--slope", "1", "--", "1"], None, 2, "No such option '--slope'"),
        (["eval", "relu", "gelu", "--alpha", "1", "--", "1"], None, 2, "with several activations"),
        (["eval", "relu:0.5", "--", "1"], None, 2, "bad activation spec 'relu:0.5'"),
        (["eval", "threshold", "--", "1"], None, 2, "threshold: parameter threshold is required"),
        (["eval", "relu", "--", "1", "abc"], None, 2, "value 'abc' is not a number"),
        (["eval", "--", "1"], None, 2, "no activation given"),
        (["eval", "relu", "--range", "1:0"], None, 2, "towards STOP"),
        (["eval", "relu", "--linspace", "0", "1", "x"], None, 2, "NUM must be a whole number"),
        (
            ["eval", "relu", "--range", "0:1", "--", "1"],
            None,
            2,
            "give one input source, got values and --range/--linspace",
        ),
        (["eval", "relu", "-i", "nope.csv"], None, 2, "cannot read nope.csv: no such file"),
        (["eval", "relu", "-i", "."], None, 2, "cannot read .: it is a folder"),
        (["eval", "relu", "-c", "zz"], "a,b\n1,2\n", 2, "--column 'zz'"),
        (
            ["eval", "relu", "--column", "a", "--", "1"],
            None,
            2,
            "--column, --input-format and --header apply to --input or stdin only",
        ),
        (
            ["eval", "relu"],
            "id,x\nr1,1\nr2,oops\n",
            1,
            "stdin line 3, column 'x': 'oops' is not a number",
        ),
        (["eval", "relu"], "", 1, "stdin has no data rows (empty input)"),
        (["eval", "relu"], "name\nbob\nalice\n", 1, "stdin has no numeric column"),
        (["eval", "relu"], "a,b\n1,2\n3\n", 1, "stdin line 3: 1 columns, but the first row has 2"),
        (["eval", "relu"], b"\x89PNG\r\n\x1a\n\xff\xff", 1, "stdin is not UTF-8 text"),
        (["eval", "relu", "--jacobian", "--", "1"], None, 2, "relu is elementwise"),
        (["eval", "softmax", "--jacobian", "-d", "--", "1"], None, 2, "not both"),
        (
            ["eval", "relu", "-f", "npy", "--precision", "3", "--", "1"],
            None,
            2,
            "--precision applies to text formats",
        ),
        (["eval", "relu", "--precision", "0", "--", "1"], None, 2, "--precision must be between"),
        (["eval", "relu", "-f", "xml", "--", "1"], None, 2, "'xml' is not one of"),
        (["eval", "relu", "-o", "no/such/dir/out.csv", "--", "1"], None, 2, "does not exist"),
        (["eval", "softmax", "--axis", "3", "--", "1", "2"], None, 2, "axis 3 is out of range"),
    ],
)
def test_errors(args, stdin, code, message):
    fails(args, code, message, input=stdin)


def test_pickled_npy_is_refused(tmp_path):
    path = tmp_path / "evil.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    fails(["eval", "relu", "-i", str(path)], 1, "holds Python objects (dtype object); refused")


def test_the_several_activations_hint_only_for_their_parameters():
    """A parameter of one of the activations gets the NAME:param=value hint (and not click's
    nearest spelling, which was '--help' for --alpha); any other unknown option does not."""
    line = fails(["eval", "relu", "gelu", "--alpha", "1", "--", "1"], 2, "several activations")
    assert "Did you mean" not in line
    line = fails(["eval", "relu", "gelu", "--bogus", "--", "1"], 2, "No such option '--bogus'")
    assert "several activations" not in line
    line = fails(["plot", "softsign", "mish", "--panels", "-o", "x.png"], 2, "'--panels'")
    assert "several activations" not in line


def test_click_usage_errors_point_at_the_activation_help():
    line = fails(["eval", "relu", "--alph", "1", "--", "1"], 2, "No such option '--alph'")
    assert "'--alpha'" in line and "(see 'actcli eval relu --help')" in line


# ---------------------------------------------------------------------------------------------
# Help generated from the registry


def test_eval_help_lists_the_activations_own_parameters():
    out = ok(["eval", "relu", "--help"])
    assert "relu parameters:" in out
    assert "--negative-slope FLOAT" in out
    assert "--alpha FLOAT           old name of --negative-slope" in out
    assert "--max-value FLOAT|none" in out and "max_value >= 0" in out
    assert "relu(x, negative_slope=0.0, max_value=None, threshold=0.0)" in out
    assert "--squareplus" not in out and "--b " not in out


def test_eval_help_of_a_parameterless_activation():
    assert "relu6 takes no parameters." in ok(["eval", "relu6", "-h"])


def test_eval_help_without_a_name():
    out = ok(["eval", "--help"])
    assert "Usage: actcli eval [OPTIONS] NAME[:param=value,...]..." in out
    assert "parameters:" not in out


def test_every_activation_has_generated_help():
    import actcli

    for name in actcli.names():
        out = ok(["eval", name, "--help"])
        spec = actcli.spec(name)
        for p in spec.params:
            assert f"--{p.name.replace('_', '-')}" in out, (name, p.name)


def test_old_and_new_name_of_a_parameter_together_is_an_error():
    """tf.keras's alpha and Keras 3's negative_slope are one parameter: giving both is an error
    (click used to merge the two flags and keep the last value silently)."""
    result = CliRunner().invoke(
        cli, ["eval", "relu", "--alpha", "0.5", "--negative-slope", "0.3", "--", "-1"]
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert "give negative_slope or its old name alpha, not both" in result.stderr


def test_old_name_alone_still_works():
    result = CliRunner().invoke(cli, ["eval", "relu", "--alpha", "0.5", "--", "-1"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "-1.0,-0.5"  # 0.5 * -1, by hand
