"""Properties of every activation over random arrays (hypothesis), and Keras's documented examples.

Shape and dtype kept (ints and lists become float64), NaN in -> NaN out, monotone and bounded where
the spec says so, softmax rows sum to 1, sparsemax lands on the simplex, random points and random
parameters against the oracle, and never a NumPy warning (every call runs with warnings as errors).
The number of examples comes from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import math
import operator
import re
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import oracle
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import failures_table

import actcli
from actcli.registry import REGISTRY

SPECS = list(REGISTRY.specs.values())
ELEMENTWISE = [s for s in SPECS if not s.axiswise]
AXISWISE = [s for s in SPECS if s.axiswise]
MONOTONE = [s for s in ELEMENTWISE if s.monotone]
DTYPES = [np.float16, np.float32, np.float64]


def _ids(specs):
    return [s.name for s in specs]


def _params(spec) -> dict:
    """The first parameter setting of the oracle table: the defaults, or the required ones."""
    return dict(oracle.SETTINGS.get(spec.name, [{}])[0])


def _strict(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


@st.composite
def float_arrays(draw, min_dims=0, even_last=False, finite=False, dtypes=DTYPES, elements=None):
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    shape = draw(
        hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1 if min_dims else 0, max_side=6)
    )
    if even_last and shape:
        shape = (*shape[:-1], 2 * max(1, shape[-1] // 2))
    if elements is None:
        elements = st.floats(
            width=np.finfo(dtype).bits, allow_nan=not finite, allow_infinity=not finite
        )
    return draw(hnp.arrays(dtype, shape, elements=elements))


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _param_strategy(p):
    if p.type == "int":
        return None
    if p.type == "bool":
        return st.booleans()
    base = st.floats(-10, 10) | st.sampled_from([0.0, 1e-300, 0.5, 1.0, 6.0, 1e300, -1e300])
    if p.rule:
        _, op, bound = p.rule.split()
        base = base.filter(lambda v, op=_OPS[op], b=float(bound): op(v, b))
    if p.type == "optional_float":
        base = st.none() | base
    return base


@st.composite
def random_params(draw, spec):
    out = {}
    for p in spec.params:
        strat = _param_strategy(p)
        if strat is not None:
            out[p.name] = draw(strat)
    return out


# --------------------------------------------------------------------------------------------
# Elementwise


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
@given(x=float_arrays())
def test_shape_dtype_and_nan(spec, x):
    params = _params(spec)
    for fn in (actcli.get(spec.name), actcli.derivative(spec.name)):
        y = np.asarray(_strict(fn, x, **params))
        assert y.shape == x.shape and y.dtype == x.dtype, (spec.name, x.dtype, y.dtype, y.shape)
        nan_in = np.isnan(x) | spec.outside(x)  # NaN where undefined (log1mexp below 0)
        assert np.array_equal(np.isnan(y), nan_in), (spec.name, fn, x, y)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
@given(values=st.lists(st.integers(-50, 50), max_size=8))
def test_ints_and_lists_give_float64(spec, values):
    params = _params(spec)
    for fn in (actcli.get(spec.name), actcli.derivative(spec.name)):
        a = np.asarray(_strict(fn, values, **params))
        b = np.asarray(_strict(fn, np.array(values, dtype=np.int64), **params))
        c = np.asarray(_strict(fn, np.array(values, dtype=np.float64), **params))
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize("spec", MONOTONE, ids=_ids(MONOTONE))
@given(x=float_arrays(min_dims=1, elements=None))
def test_monotone(spec, x):
    x = np.sort(x[~np.isnan(x)].ravel())
    y = _strict(actcli.get(spec.name), x, **_params(spec))
    bad = np.nonzero(y[1:] < y[:-1])[0]
    assert bad.size == 0, f"{spec.name} decreases: " + ", ".join(
        f"f({x[i]!r})={y[i]!r} > f({x[i + 1]!r})={y[i + 1]!r}" for i in bad[:5]
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", MONOTONE, ids=_ids(MONOTONE))
def test_monotone_on_the_oracle_grid(spec, dtype):
    """The same, deterministically, on the oracle's grid (every magnitude, kinks, 2**53, ...)."""
    x = np.sort(oracle.grid(dtype, oracle.ELEMENTWISE[spec.name].kinks()))
    y = _strict(actcli.get(spec.name), x, **_params(spec))
    bad = np.nonzero(y[1:] < y[:-1])[0]
    assert bad.size == 0, f"{spec.name} decreases: " + ", ".join(
        f"f({x[i]!r})={y[i]!r} > f({x[i + 1]!r})={y[i + 1]!r}" for i in bad[:10]
    )


def _runs_of_neighbours(dtype, count=20_000):
    """Runs of consecutive floats (every one in a stretch, both signs) where a rounded 1 + |x|
    or a binade edge has made neighbours swap before: softsign was a ULP out of order near 0.17,
    0.34, 1.37 and 2^53 in float64."""
    runs = []
    big = float(np.finfo(dtype).max) / 2
    for centre in (0.17, 0.34, 0.7, 1.37, 3.5, 7.5, 2.0**26, 2.0**53, 1e-300, min(1e300, big)):
        start = np.asarray(centre, dtype)
        steps = np.arange(count, dtype=np.float64) * float(np.spacing(start))
        run = (start.astype(np.float64) + steps).astype(dtype)
        runs += [run, -run[::-1]]
    return runs


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", MONOTONE, ids=_ids(MONOTONE))
def test_monotone_on_runs_of_consecutive_floats(spec, dtype):
    bad = []
    for x in _runs_of_neighbours(dtype):
        y = _strict(actcli.get(spec.name), x, **_params(spec))
        bad += [
            f"f({x[i]!r})={y[i]!r} > f({x[i + 1]!r})={y[i + 1]!r}"
            for i in np.nonzero(y[1:] < y[:-1])[0][:3]
        ]
    assert not bad, f"{spec.name} decreases: " + ", ".join(bad[:10])


def _outward(bounds, dtype):
    """The spec's bounds widened by one rounding in dtype (a true bound may round past itself)."""
    lo, hi = bounds
    eps = float(np.finfo(dtype).eps)
    return lo - abs(lo) * eps, hi + abs(hi) * eps


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
@given(x=float_arrays(min_dims=1))
def test_within_bounds(spec, x):
    if spec.name == "glu" and x.shape[-1] % 2:
        x = np.concatenate([x, x[..., :1]], axis=-1)
    y = np.asarray(_strict(actcli.get(spec.name), x, **_params(spec)))
    lo, hi = _outward(spec.bounds, x.dtype)
    ok = np.isnan(y) | ((y >= lo) & (y <= hi))
    assert ok.all(), f"{spec.name} outside {spec.bounds}: {y[~ok][:5]} for x in {x.ravel()[:8]}"


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
@given(x=st.lists(st.floats(allow_nan=False), min_size=1, max_size=6), data=st.data())
def test_random_points_and_parameters_against_oracle(spec, x, data):
    """f and f' at random float64 points (every magnitude, +-inf), with random valid parameters."""
    if spec.name not in oracle.ELEMENTWISE:
        pytest.fail(f"no oracle for {spec.name!r}")
    params = data.draw(random_params(spec), label="params")
    xs = np.array(x)
    msgs = []
    for which, fn in (
        ("value", actcli.get(spec.name)),
        ("derivative", actcli.derivative(spec.name)),
    ):
        got = np.asarray(_strict(fn, xs, **params))
        rows, _ = oracle.compare(spec.name, which, xs, got, params, np.float64)
        if rows:
            msgs.append(f"{spec.name}{params} {which}:\n{failures_table(rows)}")
    assert not msgs, "\n".join(msgs)


# --------------------------------------------------------------------------------------------
# Axis-wise


@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
@given(x=float_arrays(min_dims=1, even_last=True), axis=st.sampled_from([-1, 0]))
def test_axiswise_shape_dtype_and_nan(spec, x, axis):
    if spec.name == "glu" and x.shape[axis] % 2:
        axis = -1
    moved = np.moveaxis(x, axis, -1)
    for which, fn in (
        ("value", actcli.get(spec.name)),
        ("derivative", actcli.derivative(spec.name)),
    ):
        y = np.asarray(_strict(fn, x, axis=axis))
        assert y.dtype == x.dtype
        ym = np.moveaxis(y, axis, -1)
        if spec.name == "glu":
            assert ym.shape == (*moved.shape[:-1], moved.shape[-1] // 2)
            h = moved.shape[-1] // 2
            # value a * sigmoid(b): NaN with a or b; derivative dy/da = sigmoid(b): NaN with b
            nan_in = np.isnan(moved[..., h:])
            if which == "value":
                nan_in = nan_in | np.isnan(moved[..., :h])
            assert np.all(np.isnan(ym)[nan_in]), (which, x, y)
            finite = np.isfinite(moved[..., :h]) & np.isfinite(moved[..., h:])
            assert not np.any(np.isnan(ym)[finite]), (which, x, y)
            continue
        assert ym.shape == moved.shape
        rows_nan = np.isnan(moved).any(axis=-1)
        assert np.all(np.isnan(ym)[rows_nan]), (spec.name, which, x, y)
        rows_finite = np.isfinite(moved).all(axis=-1)
        assert not np.any(np.isnan(ym)[rows_finite]), (spec.name, which, x, y)


@pytest.mark.parametrize("name", ["softmax", "layers.Softmax"])
@given(x=float_arrays(min_dims=1, finite=True, dtypes=[np.float32, np.float64]))
def test_softmax_rows_sum_to_one(name, x):
    y = _strict(actcli.get(name), x)
    n = x.shape[-1]
    assert np.all(y >= 0)
    assert np.all(np.abs(y.astype(np.float64).sum(axis=-1) - 1) <= 2 * n * np.finfo(x.dtype).eps)


@given(x=float_arrays(min_dims=1, finite=True, dtypes=[np.float64]))
def test_log_softmax_is_log_of_softmax(x):
    y = _strict(actcli.get("log_softmax"), x)
    s = _strict(actcli.get("softmax"), x)
    assert np.all(y <= 0)
    m = np.max(y, axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.sum(np.exp(y - m), axis=-1))
    assert np.all(np.abs(lse) <= 4 * x.shape[-1] * np.finfo(np.float64).eps)
    big = s > 1e-300
    np.testing.assert_allclose(np.exp(y[big]), s[big], rtol=1e-13 * (1 + np.max(np.abs(x))))


@given(x=float_arrays(min_dims=1, finite=True, dtypes=[np.float64], elements=st.floats(-1e6, 1e6)))
def test_sparsemax_on_the_simplex(x):
    p = _strict(actcli.get("sparsemax"), x)
    n = x.shape[-1]
    assert np.all(p >= 0) and np.all(p <= 1)
    tol = 4 * n * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(x))))
    assert np.all(np.abs(p.sum(axis=-1) - 1) <= tol)
    for row, prow in zip(x.reshape(-1, n), p.reshape(-1, n), strict=True):
        want = [float(oracle.round_to(v, np.float64)) for v in oracle.sparsemax(row.tolist())]
        assert np.all(np.abs(prow - want) <= tol), (row, prow, want)


# --------------------------------------------------------------------------------------------
# Keras's documented examples (/work/shared/seed-examples.md): float32 in unless noted, compared
# to the printed precision, signed zeros as printed.

SEEDS = [
    ("relu", {}, [-10, -5, 0, 5, 10], "0 0 0 5 10"),
    ("relu", {"negative_slope": 0.5}, [-10, -5, 0, 5, 10], "-5 -2.5 0 5 10"),
    ("relu", {"alpha": 0.5}, [-10, -5, 0, 5, 10], "-5 -2.5 0 5 10"),
    ("relu", {"max_value": 5}, [-10, -5, 0, 5, 10], "0 0 0 5 5"),
    ("relu", {"threshold": 5}, [-10, -5, 0, 5, 10], "-0 -0 0 0 10"),
    (
        "sigmoid",
        {},
        [-20, -1, 0, 1, 20],
        "2.0611537e-09 2.6894143e-01 5.0000000e-01 7.3105860e-01 1.0000000e+00",
    ),
    (
        "softplus",
        {},
        [-20, -1, 0, 1, 20],
        "2.0611537e-09 3.1326166e-01 6.9314718e-01 1.3132616e+00 2.0000000e+01",
    ),
    ("softsign", {}, [-1, 0, 1], "-0.5 0 0.5"),
    ("tanh", {}, [-3, -1, 0, 1, 3], "-0.9950547 -0.7615942 0 0.7615942 0.9950547"),
    ("exponential", {}, [-3, -1, 0, 1, 3], "0.04978707 0.36787945 1 2.7182817 20.085537"),
]

SEEDS_F64 = [
    (
        "softmax",
        [1, 2, 3, 4, 1, 2, 3],
        "0.02364054 0.06426166 0.1746813 0.474833 0.02364054 0.06426166 0.1746813",
    ),
    ("softmax", [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3], "0.125 0.138 0.153 0.169 0.125 0.138 0.153"),
]


def _half_unit(text: str) -> float:
    """Half a unit in the last printed place of a decimal like 2.6894143e-01 or -2.5."""
    m = re.fullmatch(r"-?(\d+)(?:\.(\d+))?(?:e([-+]\d+))?", text)
    assert m, text
    decimals = len(m.group(2) or "")
    exp = int(m.group(3) or 0)
    return 0.5 * 10.0 ** (exp - decimals)


def _assert_printed(got, printed: str, label: str):
    """Within half a unit of the last printed digit, plus one ULP of the output dtype: Keras's own
    float32 results are themselves up to 1 ULP from the true value (softplus(-1): documented
    0.31326166, true 0.313261687..., correctly rounded float32 0.31326169)."""
    got = np.asarray(got)
    for g, text in zip(got.tolist(), printed.split(), strict=True):
        want = float(text)
        ulp = float(np.spacing(np.abs(got.dtype.type(want))))
        assert abs(g - want) <= _half_unit(text) + ulp, f"{label}: got {g!r}, documented {text}"
        if want == 0:
            assert math.copysign(1, g) == math.copysign(1, want), (
                f"{label}: got {g!r}, documented {text}"
            )


@pytest.mark.parametrize(
    ("name", "params", "x", "printed"), SEEDS, ids=[f"{s[0]}{s[1] or ''}" for s in SEEDS]
)
def test_keras_documented_examples(name, params, x, printed):
    got = _strict(actcli.get(name), np.array(x, dtype=np.float32), **params)
    assert got.dtype == np.float32
    _assert_printed(got, printed, f"{name}{params}({x})")


@pytest.mark.parametrize(
    ("name", "x", "printed"), SEEDS_F64, ids=["softmax-ints", "softmax-tenths"]
)
def test_keras_documented_softmax(name, x, printed):
    got = _strict(actcli.get(name), np.array(x, dtype=np.float64))
    assert got.dtype == np.float64
    _assert_printed(got, printed, f"{name}({x})")


def test_keras_documented_softmax_batch():
    x = np.random.default_rng(0).standard_normal((32, 10))
    y = _strict(actcli.get("softmax"), x)
    assert y.shape == (32, 10)
    np.testing.assert_allclose(y.sum(axis=-1), np.ones(32), rtol=0, atol=1e-15)


def test_keras_documented_selu_constants():
    """selu(1) = scale and selu(-inf) = -scale * alpha, the documented exact constants."""
    f = actcli.get("selu")
    scale_alpha = oracle.SELU_SCALE * oracle.SELU_ALPHA
    assert oracle.ulp_error(f(1.0), oracle.SELU_SCALE, np.float64) <= 4
    assert oracle.ulp_error(f(-np.inf), -scale_alpha, np.float64) <= 4
    assert oracle.ulp_error(f(-1000.0), -scale_alpha, np.float64) <= 4


@pytest.mark.parametrize("which", ["value", "derivative"])
def test_squareplus_with_a_subnormal_b(which):
    """b = 2.2e-309: b / h and 0.25 * b lose bits as subnormals although the results, up to
    b / (2 h (h - x)) ~ 3e-308, are normal (the derivative was 4.9 ULP off at x = -0.13)."""
    b = 2.225073858507203e-309
    ora = oracle.ELEMENTWISE["squareplus"]
    x = np.concatenate([-np.geomspace(1e-160, 1e3, 400), np.geomspace(1e-160, 1e3, 50), [0.0]])
    fn = actcli.get("squareplus") if which == "value" else actcli.derivative("squareplus")
    got = fn(x, b=b)
    want_of = ora.value if which == "value" else ora.derivative
    errors = [oracle.ulp_error(g, want_of(v, b=b), np.float64) for v, g in zip(x, got, strict=True)]
    assert max(errors) <= 4, f"{max(errors):.2f} ULP at x = {x[int(np.argmax(errors))]!r}"
