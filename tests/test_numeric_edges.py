"""Numerical edge cases through the command line: what goes in comes out, to the bit.

Subnormals, signed zeros (in text and in .npy), infinities, NaN payloads, float16 overflow when a
float64 input is asked to come out as float16, integers beyond 2**53, and ranges whose width
overflows. Expected values are written by hand, come from Python's own correctly rounded
``float()`` / ``fractions``, or are the core's (``actcli.get``) when the point is that the CLI
passes them through untouched.

Documented choices checked here:
  * text formats print NaN as ``nan`` (JSON: ``"NaN"``): a payload cannot be written in text;
    ``.npy`` output keeps every bit, payload included;
  * ``--dtype float16`` on values beyond float16's range (65504) turns them into +-inf and says
    so in one warning line on stderr (exit 0: every other value is exact); values that underflow
    become (signed) zero or subnormal silently, as IEEE rounding does;
  * integers are read as the nearest float64 (ties to even), so 2**53 + 1 becomes 2**53; digits
    beyond float64's range give +-inf, as ``float()`` does.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from bad_inputs import WARNING, npy
from click.testing import CliRunner

import actcli
from actcli.cli import cli


def run(argv, stdin: bytes | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy warning reaching the user is a failure
        result = CliRunner().invoke(cli, argv, input=stdin)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


def ok(argv, stdin: bytes | None = None) -> str:
    result = run(argv, stdin)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return result.stdout


def npy_out(argv, stdin: bytes | None = None) -> np.ndarray:
    result = run([*argv, "-f", "npy"], stdin)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return np.load(io.BytesIO(result.stdout_bytes), allow_pickle=False)


def column(text: str, j: int) -> list[str]:
    return [line.split(",")[j] for line in text.splitlines()[1:]]


def bits(a: np.ndarray) -> list[int]:
    a = np.ascontiguousarray(a)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]).tolist()


# ---------------------------------------------------------------------------------------------
# Subnormals


SUBNORMALS_64 = [
    "5e-324",
    "-5e-324",
    "1e-310",
    "2.225073858507201e-308",
    "-2.2250738585072014e-308",
]


def test_float64_subnormals_round_trip_in_text():
    out = ok(["eval", "linear", "--", *SUBNORMALS_64])
    assert column(out, 0) == SUBNORMALS_64 and column(out, 1) == SUBNORMALS_64


@pytest.mark.parametrize(
    "dtype, tiny",
    [(np.float16, "6e-08"), (np.float32, "1e-45"), (np.float64, "5e-324")],
)
def test_smallest_subnormal_of_each_dtype_through_npy_and_text(dtype, tiny):
    x = np.array([float(tiny), -float(tiny)], dtype=dtype)
    assert x[0] == np.nextafter(dtype(0), dtype(1))  # it is the smallest subnormal
    got = npy_out(["eval", "linear"], npy(x))
    assert got.dtype == dtype and bits(got) == bits(x)
    out = ok(["eval", "linear"], npy(x))
    assert column(out, 1) == [tiny, "-" + tiny]


def test_subnormal_results_of_the_core_are_printed_exactly():
    x = np.array([-1e-310, 1e-310, -5e-324])
    want = actcli.get("leaky_relu")(x, negative_slope=0.5)
    out = ok(["eval", "leaky_relu", "--negative-slope", "0.5", "--", *map(repr, x.tolist())])
    assert [float(c) for c in column(out, 1)] == want.tolist()
    assert bits(npy_out(["eval", "leaky_relu", "--negative-slope", "0.5"], npy(x))) == bits(want)


# ---------------------------------------------------------------------------------------------
# Signed zeros


@pytest.mark.parametrize("spelling", ["-0", "-0.0", "-0e5", "\u22120", "-1e-400", "-0.000"])
def test_negative_zero_in_keeps_its_sign_in_text(spelling):
    out = ok(["eval", "linear", "--", spelling, "0"])
    assert column(out, 1) == ["-0.0", "0.0"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_negative_zero_in_every_text_format(fmt):
    out = ok(["eval", "linear", "-f", fmt, "--", "-0.0", "0.0"])
    if fmt.startswith("json"):
        records = (
            json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
        )
        values = [r["linear"] for r in records]
    else:
        values = [
            float(line.split("," if fmt == "csv" else "\t")[1]) for line in out.splitlines()[1:]
        ]
    assert [math.copysign(1, v) for v in values] == [-1.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_negative_zero_in_npy_keeps_its_bit(dtype):
    x = np.array([-0.0, 0.0], dtype=dtype)
    got = npy_out(["eval", "linear"], npy(x))
    assert bits(got) == bits(x)
    assert column(ok(["eval", "linear"], npy(x)), 1) == ["-0.0", "0.0"]


def test_signed_zeros_of_the_core_survive_the_writers():
    """Whatever sign the core gives a zero, every writer shows that sign."""
    x = np.array([-0.0, 0.0, -1e-320])
    for name in ("relu", "tanh", "silu", "hard_tanh", "softsign", "sparse_plus"):
        want = np.asarray(actcli.get(name)(x))
        got_npy = npy_out(["eval", name], npy(x))
        assert bits(got_npy) == bits(want), name
        text = ok(["eval", name, "--", *map(repr, x.tolist())])
        assert [math.copysign(1, float(c)) for c in column(text, 1)] == np.copysign(
            1, want
        ).tolist()
        assert [float(c) for c in column(text, 1)] == want.tolist()


def test_precision_keeps_the_sign_of_zero():
    out = ok(["eval", "linear", "--precision", "3", "--", "-0.0", "-1e-400", "0"])
    assert column(out, 1) == ["-0", "-0", "0"]


# ---------------------------------------------------------------------------------------------
# Infinities and NaN


@pytest.mark.parametrize(
    "spelling, value",
    [
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("Infinity", math.inf),
        ("+inf", math.inf),
        ("1e999", math.inf),
        ("-1e999", -math.inf),
        ("\u2212inf", -math.inf),
        ("INF", math.inf),
    ],
)
def test_infinity_spellings(spelling, value):
    out = ok(["eval", "sigmoid", "--", spelling])
    assert column(out, 0) == [repr(value)]
    assert column(out, 1) == ["1.0" if value > 0 else "0.0"]


def test_infinities_in_json_are_strings_that_read_back():
    out = ok(["eval", "linear", "-f", "json", "--", "inf", "-inf", "nan"])
    assert [r["linear"] for r in json.loads(out)] == ["Infinity", "-Infinity", "NaN"]


@pytest.mark.parametrize("spelling", ["nan", "NaN", "-nan", "NAN", "+nan"])
def test_nan_spellings(spelling):
    assert column(ok(["eval", "relu", "--", spelling]), 1) == ["nan"]


@pytest.mark.parametrize(
    "dtype, payloads",
    [
        (np.float64, [0x7FF8000000000001, 0x7FF80000DEADBEEF, 0xFFF8000000000123]),
        (np.float32, [0x7FC00001, 0x7FC0BEEF, 0xFFC00123]),
        (np.float16, [0x7E01, 0x7E55, 0xFE03]),
    ],
)
def test_nan_payloads_survive_npy_in_npy_out(dtype, payloads):
    """Quiet NaNs with payloads (and a sign) through ``linear``: every bit comes back."""
    ints = np.array(
        payloads, dtype={2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    )
    x = ints.view(dtype)
    assert np.isnan(x).all()
    got = npy_out(["eval", "linear"], npy(x))
    assert got.dtype == dtype and bits(got) == payloads
    # In text a payload has no spelling: NaN is "nan" (documented above).
    assert set(column(ok(["eval", "linear"], npy(x)), 1)) == {"nan"}


def test_nan_in_text_input_stays_nan_for_every_activation():
    for name in actcli.names():
        if actcli.spec(name).params and any(p.required for p in actcli.spec(name).params):
            continue
        result = run(["eval", name, "-f", "npy", "--", "nan", "nan"])
        assert result.exit_code == 0, (name, result.stderr)
        assert np.isnan(np.load(io.BytesIO(result.stdout_bytes))).all(), name


# ---------------------------------------------------------------------------------------------
# float16 overflow: a float64 input asked to come out as float16


def test_float16_overflow_is_one_warning_line_and_inf():
    result = run(
        ["eval", "linear", "--dtype", "float16", "--", "1e5", "-1e5", "65504", "65520", "1"]
    )
    assert result.exit_code == 0
    # 65520 is halfway between 65504 and the next binade: it rounds (to even) to inf.
    assert result.stderr == WARNING + "3 value(s) do not fit in float16 and became inf or -inf\n"
    assert column(result.stdout, 1) == ["inf", "-inf", "6.55e+04", "inf", "1.0"]


def test_float16_overflow_from_an_npy_keeps_float16_out():
    x = np.array([70000.0, -1.0, 2.0**-25, -(2.0**-26)])
    result = run(["eval", "linear", "--dtype", "float16", "-f", "npy"], npy(x))
    assert result.exit_code == 0
    assert result.stderr == WARNING + "1 value(s) do not fit in float16 and became inf or -inf\n"
    got = np.load(io.BytesIO(result.stdout_bytes))
    assert got.dtype == np.float16
    # 2**-25 is half the smallest subnormal: ties to even gives +0; -(2**-26) gives -0.
    assert bits(got) == bits(np.array([np.inf, -1.0, 0.0, -0.0], dtype=np.float16))


def test_float16_results_that_overflow_are_not_a_warning():
    """exp(20) in float16 is inf: the correctly rounded result, not a lost input."""
    result = run(["eval", "exponential", "--dtype", "float16", "--", "20", "1"])
    assert result.exit_code == 0 and result.stderr == ""
    assert column(result.stdout, 1) == ["inf", "2.719"]


def test_no_warning_without_overflow():
    result = run(["eval", "linear", "--dtype", "float16", "--", "65504", "-65504", "1e-9"])
    assert result.exit_code == 0 and result.stderr == ""


# ---------------------------------------------------------------------------------------------
# Integers beyond 2**53


BIG_INTS = [2**53, 2**53 + 1, 2**53 + 3, -(2**53) - 1, 2**63 - 1, 2**64 + 1, 10**30 + 1]


def test_big_integer_arguments_round_to_nearest_float64():
    out = ok(["eval", "linear", "--", *map(str, BIG_INTS)])
    assert [float(c) for c in column(out, 1)] == [float(n) for n in BIG_INTS]  # Python rounds right
    assert column(out, 1)[1] == "9007199254740992.0"  # 2**53 + 1 ties to even, down
    assert column(out, 1)[2] == "9007199254740996.0"  # 2**53 + 3 ties to even, up


def test_big_integer_cells_are_kept_as_written_beside_the_result():
    out = ok(["eval", "linear"], ("n\n" + "\n".join(map(str, BIG_INTS)) + "\n").encode())
    assert column(out, 0) == list(map(str, BIG_INTS))
    assert [float(c) for c in column(out, 1)] == [float(n) for n in BIG_INTS]


@pytest.mark.parametrize(
    "array",
    [
        np.array([2**53 + 1, -(2**63), 2**63 - 1], dtype=np.int64),
        np.array([2**64 - 1, 2**53 + 1], dtype=np.uint64),
    ],
    ids=["int64", "uint64"],
)
def test_big_integer_npy_becomes_nearest_float64(array):
    got = npy_out(["eval", "linear"], npy(array))
    assert got.dtype == np.float64
    assert got.tolist() == [float(int(v)) for v in array.tolist()]


def test_integers_beyond_float64_range_are_infinite():
    out = ok(["eval", "linear", "--", str(10**400), str(-(10**400))])
    assert column(out, 1) == ["inf", "-inf"]


# ---------------------------------------------------------------------------------------------
# Ranges at the edge of float64


def test_range_whose_width_overflows():
    """-1e308:1e308:1e307: STOP - START overflows, but the 21 values are all finite."""
    out = ok(["eval", "linear", "--range", "-1e308:1e308:1e307"])
    got = [float(c) for c in column(out, 0)]
    exact = [Fraction(-1e308) + i * Fraction(1e307) for i in range(21)]  # in float: inf at the end
    assert len(got) == 21 and got[0] == -1e308
    for g, e in zip(got, exact, strict=True):
        # two roundings of terms up to 1e308 in size (as start + i * step has for any range)
        assert abs(Fraction(g) - e) <= Fraction(math.ulp(1e308)), (g, float(e))


def test_linspace_whose_width_overflows():
    out = ok(["eval", "linear", "--linspace", "-1e308", "1e308", "5"])
    got = [float(c) for c in column(out, 0)]
    assert got[0] == -1e308 and got[-1] == 1e308
    exact = [Fraction(-1e308) + i * (Fraction(1e308) - Fraction(-1e308)) / 4 for i in range(5)]
    for g, e in zip(got, exact, strict=True):
        assert abs(Fraction(g) - e) <= Fraction(math.ulp(1e308)), (g, float(e))


@pytest.mark.parametrize("text", ["0:1e308:1e-308", "-1e308:1e308:1e-300", "0:1.7e308:5e-324"])
def test_astronomically_long_ranges_are_refused(text):
    result = run(["eval", "relu", "--range", text])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"actcli: error: --range {text} makes ")
    assert "more than 100000000" in result.stderr


def test_tiny_range_steps_near_zero():
    out = ok(["eval", "linear", "--range", "0:2e-323:5e-324"])
    assert column(out, 0) == ["0.0", "5e-324", "1e-323", "1.5e-323", "2e-323"]
