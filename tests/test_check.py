"""``actcli.check`` and ``actcli check``: reports on known implementations, against mpmath.

The implementations are built here (a naive float32 np.tanh, a naive float16 1 / (1 + exp(-x)),
PyTorch's x * sigmoid(x) at -inf); the expected max ULP, worst input, counts and per-region
totals are computed in the test from tests/oracle.py (mpmath at 200 bits, rounded exactly), never
from actcli. np.tanh's last bits differ between CPUs, so the expected values are computed from
the very values y graded on this machine.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import oracle
import pytest
from click.testing import CliRunner
from oracle import round_to, ulp_error

import actcli
from actcli import checker
from actcli.cli import cli
from actcli.errors import DataError, UsageError


def run(args, input=None):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def _truth(name: str, x: np.ndarray, y: np.ndarray, *, derivative: bool = False):
    """Per input: (ULP error, correctly rounded?) from mpmath, in y's dtype."""
    entry = oracle.ELEMENTWISE[name]
    ulps, right = [], []
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        want = entry.derivative(xi) if derivative else entry.value(xi)
        r = float(round_to(want, y.dtype))
        ulps.append(0.0 if math.isnan(yi) and math.isnan(r) else ulp_error(yi, want, y.dtype))
        same = (math.isnan(yi) and math.isnan(r)) or (
            yi == r and math.copysign(1, yi) == math.copysign(1, r)
        )
        right.append(same)
    return np.array(ulps), np.array(right)


def _assert_matches_truth(report, name, x, y, ulps, right):
    assert report.count == x.size
    assert report.max_ulp == pytest.approx(ulps.max(), rel=1e-6, abs=1e-6)
    assert report.not_correctly_rounded == int((~right).sum())
    assert report.mean_ulp == pytest.approx(ulps[np.isfinite(ulps)].mean(), rel=1e-6, abs=1e-9)
    # the worst input is one of those whose true error is the largest
    tops = {float(v) for v in x[ulps >= ulps.max() * (1 - 1e-6)].tolist()}
    assert report.worst[0].x in tops
    assert report.worst[0].ulp == pytest.approx(ulps.max(), rel=1e-6, abs=1e-6)
    # regions, as the report defines them (module docstring of actcli.checker)
    spec = actcli.spec(name)
    lo, hi = spec.plot_xlim
    tiny = np.finfo(x.dtype).tiny
    special = ~np.isfinite(x) | (np.abs(x) < tiny)
    kinks = np.zeros(x.size, bool)
    for k in spec.kinks(spec.bind({})):
        kinks |= np.abs(x.astype(float) - k) <= 4 * np.spacing(np.abs(x.dtype.type(k)))
    masks = {
        "special": special,
        "kinks": kinks & ~special,
        "negative_tail": (x < lo) & ~kinks & ~special,
        "middle": (x >= lo) & (x <= hi) & ~kinks & ~special,
        "positive_tail": (x > hi) & ~kinks & ~special,
    }
    got = {r.name: r for r in report.regions}
    for region, mask in masks.items():
        if not mask.any():
            assert region not in got
            continue
        r = got[region]
        assert r.count == mask.sum(), region
        assert r.max_ulp == pytest.approx(ulps[mask].max(), rel=1e-6, abs=1e-6), region
        assert r.not_correctly_rounded == (~right[mask]).sum(), region


def test_naive_float32_tanh():
    x = np.concatenate([np.linspace(-12, 12, 1601), [0.0, -0.0, 1e-40, 2e-3]]).astype(np.float32)
    y = np.tanh(x)
    report = actcli.check("tanh", x, y)
    assert report.dtype == "float32" and report.function == "tanh" and not report.derivative
    _assert_matches_truth(report, "tanh", x, y, *_truth("tanh", x, y))


def test_naive_float16_sigmoid_overflows_below_minus_11():
    # every float16 in [-16, 16]: exp(-x) overflows float16 below -11.09, so the naive form
    # returns 0 there (hundreds of ULP off), and rounds twice everywhere else
    codes = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    x = np.sort(codes[np.isfinite(codes) & (np.abs(codes) <= 16)])[::3]
    with np.errstate(over="ignore"):
        y = (np.float16(1) / (np.float16(1) + np.exp(-x))).astype(np.float16)
    assert y.dtype == np.float16
    report = actcli.check("sigmoid", x, y)
    ulps, right = _truth("sigmoid", x, y)
    _assert_matches_truth(report, "sigmoid", x, y, ulps, right)
    assert report.worst[0].x < -11 and report.worst[0].got == 0.0
    assert report.max_ulp > 100


def test_pytorch_style_silu_at_minus_inf():
    x = np.array([-np.inf, -20.0, -1.0, 0.0, 1.0, np.inf], np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        y = x * (np.float32(1) / (np.float32(1) + np.exp(-x)))
    assert np.isnan(y[0])  # -inf * 0
    report = actcli.check("silu", x, y)
    ulps, right = _truth("silu", x, y)
    _assert_matches_truth(report, "silu", x, y, ulps, right)
    assert report.max_ulp == math.inf
    worst = report.worst[0]
    assert worst.x == -math.inf and math.isnan(worst.got) and worst.region == "special"
    assert worst.correct == 0.0 and math.copysign(1, worst.correct) < 0  # silu(-inf) = -0


def test_derivative_and_like():
    x = np.concatenate([np.linspace(-4, 4, 81), [-2.5, 2.5]])
    # tf.keras's hard_sigmoid: 0.2 x + 0.5 clipped, and its gradient 0.2 at the kinks +-2.5
    dy = np.where(np.abs(x) <= 2.5, 0.2, 0.0)
    keras = actcli.check("hard_sigmoid", x, dy, derivative=True)
    tf_keras = actcli.check("hard_sigmoid", x, dy, derivative=True, like="tf_keras")
    assert keras.function == "hard_sigmoid'" and keras.derivative
    assert tf_keras.not_correctly_rounded == 0 and tf_keras.max_ulp == 0
    assert keras.not_correctly_rounded > 40  # 1/6 on (-3, 3) is not 0.2
    at_kinks = {r.name: r for r in tf_keras.regions}["kinks"]
    assert at_kinks.count >= 2 and at_kinks.not_correctly_rounded == 0


def test_correct_values_grade_zero_and_params_apply():
    x = np.linspace(-3, 3, 61).astype(np.float32)
    y = actcli.get("elu")(x, alpha=0.5)
    report = actcli.check("elu", x, y, alpha=0.5)
    assert report.max_ulp <= 0.5 and report.not_correctly_rounded == 0
    assert report.function == "elu(alpha=0.5)"
    assert actcli.check("elu", x, y).not_correctly_rounded > 0


def test_low_precision_values_are_graded_in_their_own_ulp():
    import ml_dtypes

    x = np.linspace(-4, 4, 257).astype(ml_dtypes.bfloat16)
    y = actcli.get("gelu")(x)
    assert actcli.check("gelu", x, y).not_correctly_rounded == 0
    off = (y.view(np.uint16) + np.uint16(1)).view(ml_dtypes.bfloat16)  # one step further from 0
    report = actcli.check("gelu", x, off, dtype="bfloat16")
    assert report.dtype == "bfloat16" and 0.5 <= report.max_ulp <= 1.5
    assert report.not_correctly_rounded == x.size


def test_errors():
    with pytest.raises(DataError, match="x has 2 values but y has 3"):
        actcli.check("relu", [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(UsageError, match="axis-wise"):
        actcli.check("softmax", [1.0], [1.0])
    with pytest.raises(UsageError, match="unknown activation"):
        actcli.check("gelo", [1.0], [1.0])
    with pytest.raises(DataError, match="empty"):
        actcli.check("relu", [], [])


def test_report_is_plain_data():
    report = actcli.check("relu", [-1.0, np.nan], [1e-300, 1.0])
    data = json.loads(json.dumps(checker.json_value(report.to_dict())))
    assert data["max_ulp"] == "Infinity" and data["worst"][0]["x"] == "NaN"
    assert data["count"] == 2 and data["worst"][0]["correctly_rounded"] is False


def test_percentiles_exact_then_from_the_histogram(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5000)
    y = actcli.get("sigmoid")(x) * (1 + rng.integers(-3, 4, x.size) * 2.0**-52)
    exact = actcli.check("sigmoid", x, y)
    assert exact.percentiles_exact
    monkeypatch.setattr(checker, "EXACT_PERCENTILES", 100)
    binned = actcli.check("sigmoid", x, y)
    assert not binned.percentiles_exact
    for key, value in exact.percentiles.items():
        assert value <= binned.percentiles[key] <= value * 1.011 + 1e-12, key


# ---------------------------------------------------------------------------------------------
# The command


@pytest.fixture
def tanh_files(tmp_path):
    x = np.linspace(-6, 6, 481).astype(np.float32)
    y = np.tanh(x)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return tmp_path, x, y


def test_command_prints_the_report(tanh_files):
    path, x, y = tanh_files
    result = run(["check", "tanh", "-i", str(path / "x.npy"), "--values", str(path / "y.npy")])
    assert result.exit_code == 0, result.stderr
    report = actcli.check("tanh", x, y)
    assert result.stdout == report.text()
    assert "tanh in float32: 481 values" in result.stdout
    assert "not correctly rounded" in result.stdout


def test_max_ulp_gate(tanh_files):
    path, x, y = tanh_files
    args = ["check", "tanh", "-i", str(path / "x.npy"), "--values", str(path / "y.npy")]
    max_ulp = actcli.check("tanh", x, y).max_ulp
    assert run([*args, "--max-ulp", str(max_ulp * 1.01)]).exit_code == 0
    failed = run([*args, "--max-ulp", str(max_ulp / 2)])
    assert failed.exit_code == 1
    assert failed.stdout.startswith("tanh in float32")  # the report is still written
    assert failed.stderr.startswith("actcli: error: tanh: max error")
    assert "exceeds" in failed.stderr and "at x = " in failed.stderr
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr


def test_json_output(tanh_files):
    path, x, y = tanh_files
    result = run(
        ["check", "tanh", "-i", str(path / "x.npy"), "--values", str(path / "y.npy"), "-f", "json"]
    )
    data = json.loads(result.stdout)
    report = actcli.check("tanh", x, y)
    assert data["max_ulp"] == report.max_ulp and data["count"] == 481
    assert data["not_correctly_rounded"] == report.not_correctly_rounded
    assert [r["name"] for r in data["regions"]] == [r.name for r in report.regions]
    out = path / "report.json"
    run(
        [
            "check",
            "tanh",
            "-i",
            str(path / "x.npy"),
            "--values",
            str(path / "y.npy"),
            "-o",
            str(out),
        ]
    )
    assert json.loads(out.read_text())["count"] == 481  # the format follows the suffix


def test_csv_columns(tmp_path):
    x = np.linspace(-12, 12, 97).astype(np.float16)
    with np.errstate(over="ignore"):
        y = (1 / (1 + np.exp(-x))).astype(np.float16)
    lines = ["id,x,y"] + [f"r{i},{a},{b}" for i, (a, b) in enumerate(zip(x, y, strict=True))]
    (tmp_path / "out.csv").write_text("\n".join(lines) + "\n")
    args = ["check", "sigmoid", "-i", str(tmp_path / "out.csv"), "--x-column", "x"]
    result = run([*args, "--values-column", "y", "--dtype", "float16", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    report = actcli.check("sigmoid", x, y)
    assert data["dtype"] == "float16" and data["max_ulp"] == report.max_ulp
    assert data["not_correctly_rounded"] == report.not_correctly_rounded
    # without --dtype the text is read as float64, and graded in float64's ULP
    assert (
        json.loads(run([*args, "--values-column", "3", "-f", "json"]).stdout)["dtype"] == "float64"
    )


def test_exhaustive_save_inputs_then_grade(tmp_path):
    saved = tmp_path / "x.npy"
    result = run(
        ["check", "relu", "--exhaustive", "--dtype", "float16", "--save-inputs", str(saved)]
    )
    assert result.exit_code == 0, result.stderr
    x = np.load(saved)
    assert x.dtype == np.float16 and x.size == 63491  # 63,488 finite (+-0), +-inf, one NaN
    assert np.isnan(x[-1]) and x[0] == -np.inf and np.all(np.diff(x[:-1].astype(float)) >= 0)
    np.save(tmp_path / "y.npy", np.maximum(x, np.float16(0)))
    graded = run(
        ["check", "relu", "--exhaustive", "--dtype", "float16", "--values", str(tmp_path / "y.npy")]
    )
    assert graded.exit_code == 0, graded.stderr
    # np.maximum keeps -0.0 where relu gives +0.0: one value not correctly rounded, at 0 ULP
    assert (
        "not correctly rounded  1 (" in graded.stdout
        and "max error              0 ULP" in graded.stdout
    )


def test_sample_is_seeded_and_sorted(tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    for path, seed in ((a, "1"), (b, "1")):
        args = ["check", "gelu", "--sample", "1000", "--seed", seed, "--dtype", "float32"]
        assert run([*args, "--save-inputs", str(path)]).exit_code == 0
    x = np.load(a)
    assert x.dtype == np.float32 and x.size == 1000 and np.array_equal(x, np.load(b))
    assert np.all(np.diff(x.astype(float)) > 0)
    assert np.abs(x).max() > 1e30 and np.abs(x).min() < 1e-30  # every binade is as likely


def test_plot_and_term(tanh_files):
    path, x, y = tanh_files
    png = path / "err.png"
    args = ["check", "tanh", "-i", str(path / "x.npy"), "--values", str(path / "y.npy")]
    result = run([*args, "--plot", str(png), "--term", "-o", str(path / "r.txt")])
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = result.stdout.splitlines()
    assert lines[0].startswith("tanh in float32: max") and len({len(s) for s in lines}) == 1


def test_plot_arrays_log_x_and_kinks():
    from actcli import check_plot

    x = np.concatenate([-np.logspace(-6, 3, 50), np.logspace(-6, 3, 50)])
    report = actcli.check("hard_silu", x, actcli.get("hard_silu")(x) * (1 + 2.0**-50))
    fig = check_plot.figure(report)
    ax = fig.axes[0]
    assert ax.get_xscale() == "symlog"
    offsets = ax.collections[0].get_offsets()
    assert offsets.shape[0] == 100 and np.array_equal(np.sort(offsets[:, 0]), np.sort(x))
    dotted = [line.get_xdata() for line in ax.lines if line.get_linestyle() == ":"]
    vertical = sorted(xs[0] for xs in dotted if len(xs))
    assert vertical[:2] == [-3.0, 3.0]
    linear = actcli.check("tanh", np.linspace(-2, 2, 9), np.tanh(np.linspace(-2, 2, 9)))
    assert check_plot.figure(linear).axes[0].get_xscale() == "linear"


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "gelu"], "no inputs"),
        (["check", "gelu", "--exhaustive"], "needs --dtype"),
        (["check", "gelu", "--exhaustive", "--dtype", "float32"], "needs --range"),
        (["check", "gelu", "--sample", "5", "--dtype", "float16"], "give --values"),
        (["check", "gelu", "relu", "--sample", "5", "--dtype", "float16"], "one activation"),
        (["check", "gelu", "--exhaustive", "--sample", "3", "--dtype", "float16"], "not both"),
        (["check", "gelu", "--sample", "3", "--dtype", "float16", "--range", "x"], "LO:HI"),
        (["check", "gelu", "--exhaustive", "--dtype", "float16", "--range", "2:1"], "LO <= HI"),
        (
            ["check", "softmax", "--sample", "3", "--dtype", "float16", "--values", "y.npy"],
            "axis-wise",
        ),
        (["check", "relu", "-i", "x.npy", "--values", "y.npy", "--max-ulp", "nan"], "got nan"),
        (["check", "relu", "-i", "-", "--values", "-"], "cannot both read stdin"),
    ],
)
def test_usage_errors(args, message):
    result = run(args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert message in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr


def test_length_mismatch_is_a_data_error(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(10, np.float32))
    np.save(tmp_path / "y.npy", np.zeros(12, np.float32))
    result = run(
        ["check", "relu", "-i", str(tmp_path / "x.npy"), "--values", str(tmp_path / "y.npy")]
    )
    assert result.exit_code == 1 and "x has 10 values but the values file has 12" in result.stderr
    assert result.stdout == ""


def test_aligned_pairs_chunks_cut_differently():
    from actcli.cli.check_cmd import _aligned

    xs = iter([np.arange(3.0), np.arange(3.0, 10.0)])
    ys = iter([np.arange(5.0), np.empty(0), np.arange(5.0, 10.0)])
    pairs = list(_aligned(xs, ys))
    assert np.array_equal(np.concatenate([a for a, _ in pairs]), np.arange(10.0))
    assert all(np.array_equal(a, b) for a, b in pairs)
    with pytest.raises(DataError, match="x has 3 values but the values file has 4"):
        list(_aligned(iter([np.arange(3.0)]), iter([np.arange(2.0), np.arange(2.0)])))


def test_doctests():
    import doctest

    from actcli import check_inputs, dtypes

    for module in (checker, check_inputs, dtypes):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__


# ---------------------------------------------------------------------------------------------
# Memory: peak RSS does not grow with the input (a 1 GB pair is graded in ~110 MB)

_PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if done.returncode:
    sys.exit(done.stderr.decode())
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units")
@pytest.mark.skipif(shutil.which("actcli") is None, reason="actcli is not installed")
def test_streaming_peak_rss_is_flat(tmp_path):
    rng = np.random.default_rng(4)
    peaks = {}
    for n in (17 << 18, 34 << 18):  # 4.5M and 8.9M values: both beyond EXACT_PERCENTILES
        x = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(n,))
        y = np.lib.format.open_memmap(tmp_path / "y.npy", mode="w+", dtype=np.float32, shape=(n,))
        for start in range(0, n, 1 << 22):
            part = (rng.standard_normal(min(1 << 22, n - start)) * 4).astype(np.float32)
            x[start : start + part.size] = part
            y[start : start + part.size] = np.tanh(part)
        x.flush()
        y.flush()
        del x, y
        args = [shutil.which("actcli"), "check", "tanh", "-i", str(tmp_path / "x.npy")]
        args += ["--values", str(tmp_path / "y.npy"), "-o", str(tmp_path / "r.txt")]
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, *args], capture_output=True, timeout=300
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        peaks[n] = int(done.stdout) / 1024
        assert f"{n:,} values" in (tmp_path / "r.txt").read_text()
    assert max(peaks.values()) <= 250, peaks
    # Holding the errors (8 bytes a value) would add 36 MB between the two sizes.
    assert peaks[34 << 18] - peaks[17 << 18] < 20, peaks
