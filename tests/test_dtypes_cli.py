"""bfloat16 and float8 on the command line: --dtype, .npy in and out as ml_dtypes arrays save,
text output, and the staircase of ``plot --dtype``.

Expected values are rounded with ``formats.round_exact`` (integer arithmetic from the format
definitions) from float64 values that are exact for these inputs, or are mpmath's.
"""

from __future__ import annotations

import io as std_io

import ml_dtypes
import numpy as np
import oracle
import pytest
from click.testing import CliRunner
from formats import round_exact

import actcli
from actcli.cli import cli


def run(args, input=None):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def _npy(array: np.ndarray) -> bytes:
    buffer = std_io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_eval_dtype_rounds_input_and_result_once():
    result = run(["eval", "gelu", "--dtype", "bfloat16", "--", "1", "3.3", "-0.75"])
    assert result.exit_code == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    for given, (x_text, y_text) in zip([1.0, 3.3, -0.75], rows, strict=True):
        x = round_exact(float(x_text), "bfloat16")  # the text reads back to the bfloat16 value
        assert x == round_exact(given, "bfloat16")
        want = round_exact(oracle.ELEMENTWISE["gelu"].value(x), "bfloat16")
        assert round_exact(float(y_text), "bfloat16") == want
    assert rows[1][0] == "3.3"  # bfloat16's 3.296875, whose shortest text is 3.3


def test_eval_text_is_the_shortest_that_reads_back():
    result = run(["eval", "linear", "--dtype", "float8_e4m3fn", "--", "0.3", "10", "1e-9", "500"])
    assert result.exit_code == 0
    cells = [line.split(",")[1] for line in result.stdout.splitlines()[1:]]
    assert cells == ["0.3", "10.0", "0.0", "nan"]  # 0.3125 shows as 0.3; 500 overflows: NaN
    assert round_exact(0.3, "float8_e4m3fn") == 0.3125
    assert "1 value(s) do not fit in float8_e4m3fn and became NaN" in result.stderr


@pytest.mark.parametrize("name", ["bfloat16", "float8_e5m2"])
def test_npy_in_and_out_as_ml_dtypes_arrays(tmp_path, name):
    t = getattr(ml_dtypes, name)
    x = np.array([-3.0, -0.5, 0.0, 1.0, 2.5], dtype=t)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "y.npy"
    result = run(["eval", "silu", "-i", str(tmp_path / "x.npy"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    y = np.load(out)  # raw bytes, as np.save wrote them: viewed as the format
    assert y.dtype.str == f"|V{np.dtype(t).itemsize}"
    got = y.view(t).astype(np.float64).tolist()
    want = [round_exact(oracle.ELEMENTWISE["silu"].value(float(v)), name) for v in x]
    assert got == want


@pytest.mark.parametrize("name", ["bfloat16", "float8_e5m2"])
@pytest.mark.parametrize("shape", [(1, 7), (7, 1)])
def test_a_row_or_column_of_ml_dtypes_values_is_read_in_chunks(tmp_path, monkeypatch, name, shape):
    """io reads a (1, N) or (N, 1) .npy in chunks along its long axis: each chunk is viewed as
    the format (float8_e5m2 from np.save's '<f1' too), and the writer keeps the shape."""
    from actcli.io import inputs

    monkeypatch.setattr(inputs, "ARRAY_CHUNK_ELEMENTS", 2)  # 4 chunks of at most 2 values
    t = getattr(ml_dtypes, name)
    x = np.array([-3.0, -0.5, 0.0, 1.0, 2.5, 4.0, -8.0], dtype=t).reshape(shape)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "y.npy"
    result = run(["eval", "silu", "-i", str(tmp_path / "x.npy"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    y = np.load(out)
    assert y.shape == shape and y.dtype.str == f"|V{np.dtype(t).itemsize}"
    got = y.view(t).astype(np.float64).ravel().tolist()
    want = [round_exact(oracle.ELEMENTWISE["silu"].value(float(v)), name) for v in x.ravel()]
    assert got == want


def test_one_byte_npy_needs_its_format_named(tmp_path):
    x = np.array([0.5, 1.0], dtype=ml_dtypes.float8_e4m3fn)
    np.save(tmp_path / "x.npy", x)
    args = ["eval", "relu", "-i", str(tmp_path / "x.npy")]
    refused = run(args)
    assert refused.exit_code == 1 and "name their format with --dtype" in refused.stderr
    read = run([*args, "--dtype", "float8_e4m3fn"])
    assert read.exit_code == 0 and read.stdout.splitlines()[1:] == ["0.5,0.5", "1.0,1.0"]


def test_npy_from_stdin(tmp_path):
    x = np.array([1.0, -2.0], dtype=ml_dtypes.bfloat16)
    result = run(["eval", "relu", "-f", "npy"], input=_npy(x))
    assert result.exit_code == 0
    y = np.load(std_io.BytesIO(result.stdout_bytes))
    assert y.view(ml_dtypes.bfloat16).astype(float).tolist() == [1.0, 0.0]


def test_check_reads_low_precision_pairs(tmp_path):
    x = np.linspace(-4, 4, 65).astype(ml_dtypes.bfloat16)
    y = actcli.get("gelu")(x)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    result = run(
        ["check", "gelu", "-i", str(tmp_path / "x.npy"), "--values", str(tmp_path / "y.npy")]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("gelu in bfloat16: 65 values")
    assert "not correctly rounded  0 (0%)" in result.stdout


def test_check_exhaustive_bfloat16(tmp_path):
    saved = tmp_path / "x.npy"
    assert (
        run(
            ["check", "relu", "--exhaustive", "--dtype", "bfloat16", "--save-inputs", str(saved)]
        ).exit_code
        == 0
    )
    x = np.load(saved).view(ml_dtypes.bfloat16)
    assert x.size == 65283
    np.save(tmp_path / "y.npy", np.maximum(x.astype(np.float32), 0).astype(ml_dtypes.bfloat16))
    result = run(
        [
            "check",
            "relu",
            "--exhaustive",
            "--dtype",
            "bfloat16",
            "--values",
            str(tmp_path / "y.npy"),
            "-f",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert '"not_correctly_rounded": 0' in result.stdout


def test_plot_staircase(tmp_path):
    from actcli import plot

    c = plot.curve("gelu")
    fig = plot.figure([c], dtype="float8_e4m3fn", derivative=False)
    (stairs,) = [line for line in fig.axes[0].lines if line.get_gid() == "q:0"]
    xs, ys = stairs.get_xdata(), stairs.get_ydata()
    for x, y in list(zip(xs, ys, strict=True))[:: len(xs) // 40]:
        xq = round_exact(float(x), "float8_e4m3fn")
        assert y == round_exact(oracle.ELEMENTWISE["gelu"].value(xq), "float8_e4m3fn")
    assert len(set(ys.tolist())) < 200 < len(ys)  # a staircase: few distinct levels
    png = tmp_path / "g.png"
    assert run(["plot", "gelu", "--dtype", "bfloat16", "-o", str(png)]).exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    term = run(["plot", "gelu", "--dtype", "float8_e5m2", "--term", "--width", "60"])
    assert term.exit_code == 0 and "gelu in float8_e5m2" in term.stdout
    assert run(["plot", "--all", "--dtype", "bfloat16"]).exit_code == 2


def test_dtype_choices_listed_in_help():
    help_text = " ".join(run(["eval", "--help"]).stdout.split())
    assert "bfloat16" in help_text and "float8_e4m3fn" in help_text
