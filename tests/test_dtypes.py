"""bfloat16 and float8: the formats, the one rounding from float64, and the API on such arrays.

Expected roundings come from ``formats.round_exact`` (integer arithmetic on the exact value,
written from the format definitions), never from ``actcli.dtypes``.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from formats import FACTS, NAMES, dtype, every_value, inputs, round_exact, same

import actcli
from actcli import dtypes
from actcli.errors import UsageError


def _format_values(f) -> set[float]:
    """Every finite value a format with these facts holds, built from p, emin and max."""
    out = {0.0}
    quantum = math.ldexp(1.0, f.emin - f.p + 1)
    for m in range(1, 1 << (f.p - 1)):  # subnormals
        out.add(m * quantum)
    e = f.emin
    while True:
        for m in range(1 << (f.p - 1), 1 << f.p):
            v = math.ldexp(m, e - f.p + 1)
            if v > f.max:
                break
            out.add(v)
        else:
            e += 1
            continue
        break
    return out | {-v for v in out}


@pytest.mark.parametrize("name", NAMES)
def test_the_facts_are_ml_dtypes_formats(name):
    """The facts the tests round with describe exactly the values ml_dtypes decodes."""
    facts = FACTS[name]
    values = every_value(name)
    assert set(values[np.isfinite(values)].tolist()) == _format_values(facts)
    assert bool(np.isinf(values).any()) == facts.has_inf
    assert bool(np.any((values == 0) & np.signbit(values))) == facts.negative_zero
    assert np.isnan(values).any()


@pytest.mark.parametrize("name", NAMES)
def test_format_description(name):
    fmt = dtypes.format_named(name)
    facts = FACTS[name]
    assert (fmt.precision, fmt.emin, fmt.max) == (facts.p, facts.emin, facts.max)
    assert (fmt.has_inf, fmt.has_negative_zero) == (facts.has_inf, facts.negative_zero)
    assert fmt.dtype == dtype(name)
    assert dtypes.format_of(dtype(name)) is fmt


def _hard_cases(name: str, rng: np.random.Generator) -> np.ndarray:
    """float64 values where a rounding can go wrong: every value of the format, every midpoint
    and its float64 neighbours (a double rounding through float32 misses those), the overflow
    threshold, the underflow to zero, and random values over every magnitude."""
    f = FACTS[name]
    values = np.array(sorted(_format_values(f)))
    mids = (values[1:] + values[:-1]) / 2  # exact in float64
    near = np.concatenate([np.nextafter(mids, -np.inf), np.nextafter(mids, np.inf)])
    # a midpoint plus one unit in the 30th bit below it: float32 would round it onto the midpoint
    wobble = mids + np.spacing(mids) * 2.0**22
    top = f.max + math.ldexp(1.0, math.frexp(f.max)[1] - f.p - 1)  # max + ulp/2
    edges = np.array([top, np.nextafter(top, 0), np.nextafter(top, np.inf), 2 * top, 1e300])
    tiny = math.ldexp(1.0, f.emin - f.p)  # half the smallest subnormal
    edges = np.concatenate(
        [edges, [tiny, np.nextafter(tiny, 0), np.nextafter(tiny, 1), 3 * tiny, 5e-324, 0.0]]
    )
    magnitude = np.exp2(rng.uniform(f.emin - f.p - 2, math.log2(f.max) + 2, 3000))
    pieces = [values, mids, near, wobble, edges, magnitude * rng.uniform(1, 2, magnitude.size)]
    out = np.concatenate(pieces)
    out = np.concatenate([out, -out])
    if f.bits == 16:  # bfloat16: a sample of its 65,536 values' midpoints is enough
        out = rng.choice(out, 60_000, replace=False)
    return np.concatenate([out, [np.inf, -np.inf, np.nan, -0.0]])


@pytest.mark.parametrize("name", NAMES)
def test_cast_from_float64_is_one_correct_rounding(name):
    rng = np.random.default_rng(15)
    cases = _hard_cases(name, rng)
    got = dtypes.cast(cases, dtypes.format_named(name))
    assert got.dtype == dtype(name)
    got = got.astype(np.float64)
    bad = [
        (v, g, round_exact(float(v), name))
        for v, g in zip(cases.tolist(), got.tolist(), strict=True)
        if not same(g, round_exact(float(v), name))
    ]
    assert not bad, f"{len(bad)} wrong roundings, e.g. (x, got, want): {bad[:5]}"


@pytest.mark.parametrize("name", ["float16", "float32"])
def test_round_to_numpy_formats_matches_numpy(name):
    rng = np.random.default_rng(3)
    x = np.concatenate(
        [np.exp2(rng.uniform(-160, 140, 20000)) * rng.choice([-1, 1], 20000), [0.0, -0.0]]
    )
    with np.errstate(over="ignore"):
        want = x.astype(name)
    got = dtypes.cast(x, dtypes.format_named(name))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.view(f"u{want.itemsize}"), want.view(f"u{want.itemsize}"))


def test_spacing():
    bf = dtypes.format_named("bfloat16")
    got = bf.spacing([1.0, 1.5, 0.0, 1e-45, -3.0, np.inf, 3e38])
    want = [2.0**-7, 2.0**-7, 2.0**-133, 2.0**-133, 2.0**-6, 2.0**120, 2.0**120]
    assert got.tolist() == want
    e4 = dtypes.format_named("float8_e4m3fn")
    assert e4.overflow_threshold == 464.0  # 448 + 32 / 2
    assert e4.smallest_subnormal == 2.0**-9


# ---------------------------------------------------------------------------------------------
# The API on bfloat16 / float8 arrays


def test_dtype_in_is_dtype_out_and_scalars_stay_scalars():
    x = np.array([-1.0, 0.5, 2.0], dtype=ml_dtypes.bfloat16)
    y = actcli.get("gelu")(x)
    assert y.dtype == x.dtype and y.shape == x.shape
    s = actcli.get("relu")(ml_dtypes.bfloat16(-2.0))
    assert isinstance(s, ml_dtypes.bfloat16) and float(s) == 0.0
    assert actcli.derivative("sigmoid")(x[:1].reshape(())).dtype == x.dtype


def test_large_arrays_go_blockwise_with_the_same_bits():
    x = np.linspace(-8, 8, dtypes.BLOCK * 2 + 17).astype(ml_dtypes.bfloat16)
    f = actcli.get("silu")
    whole = f(x)
    small = np.concatenate([f(x[i : i + 1000]) for i in range(0, x.size, 1000)])
    assert np.array_equal(whole.view(np.uint16), small.view(np.uint16))
    out = np.empty_like(x)
    assert f(x, out=out) is out and np.array_equal(out.view(np.uint16), whole.view(np.uint16))
    inplace = x.copy()
    assert f(inplace, out=inplace) is inplace
    assert np.array_equal(inplace.view(np.uint16), whole.view(np.uint16))


def test_out_must_match():
    x = np.zeros(4, ml_dtypes.float8_e4m3fn)
    with pytest.raises(UsageError, match="dtype"):
        actcli.get("relu")(x, out=np.zeros(4, np.float32))


def test_axiswise_and_jvp():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=ml_dtypes.bfloat16)
    y = actcli.get("softmax")(x)
    assert y.dtype == x.dtype
    e = np.exp([1.0, 2.0, 3.0])
    want = [round_exact(float(v), "bfloat16") for v in (e / e.sum())]  # float64 is ample here
    assert y[0].astype(float).tolist() == want
    assert y[1].astype(float).tolist() == [round_exact(1 / 3, "bfloat16")] * 3
    j = actcli.jvp("softmax")(x[0], np.array([1.0, 0.0, 0.0]))
    assert j.dtype == x.dtype


def test_ml_dtypes_ints_compute_in_float64():
    x = np.array([-2, 3], dtype=ml_dtypes.int4)
    y = actcli.get("relu")(x)
    assert y.dtype == np.float64 and y.tolist() == [0.0, 3.0]


@pytest.mark.parametrize("name", ["float8_e8m0fnu", "float4_e2m1fn", "float8_e5m3fnu"])
def test_formats_not_offered_say_why(name):
    if not hasattr(ml_dtypes, name):
        pytest.skip(f"this ml_dtypes has no {name}")
    x = np.ones(2, dtype=getattr(ml_dtypes, name))
    with pytest.raises(UsageError, match="does not round to it"):
        actcli.get("relu")(x)


def test_overflow_rules():
    """exp(10) = 22026 overflows float8_e4m3fn (NaN: no inf), not float8_e5m2 (20480);
    exp(12) = 162755 overflows e5m2 to inf; -0 in the fnuz formats."""
    f = actcli.get("exponential")
    x = np.array([10.0, 12.0])
    assert np.isnan(f(x.astype(ml_dtypes.float8_e4m3fn)).astype(float)).all()
    assert f(x.astype(ml_dtypes.float8_e5m2)).astype(float).tolist() == [20480.0, math.inf]
    neg = np.array([-0.0, -1.0])
    lin = actcli.get("linear")
    fnuz = lin(neg.astype(ml_dtypes.float8_e4m3fnuz)).astype(float)
    assert fnuz[0] == 0 and not np.signbit(fnuz[0]) and fnuz[1] == -1


def test_ml_dtypes_is_imported_only_for_these_dtypes():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, actcli; actcli.get('gelu')(np.ones(3, np.float32)); "
        "actcli.derivative('relu')([1.0]); print('ml_dtypes' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_inputs_helper_covers_each_format():
    for name in NAMES:
        x = inputs(name)
        assert np.isnan(x[-1]) and np.isfinite(x[:-1]).sum() > 100
