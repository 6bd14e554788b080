"""Every activation and derivative against the mpmath oracle (tests/oracle.py), in ULP.

Parametrized over the registry: a new spec is tested with no new test code, and a spec without an
oracle entry fails, naming itself. The bar (issue 2): float64 within 4 ULP of the true value for
values and derivatives, for every parameter setting; for derivatives that are sums of
opposite-signed terms (gelu, silu, mish) |got - true| <= 4 eps max|term| is also accepted.
float32 / float16 in: within 1 ULP, dtype kept. NaN in -> NaN out, +-inf -> the exact limit.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import oracle
import pytest
from oracle import BAR, abs_error, failures_table, round_to, ulp_error

import actcli
from actcli.registry import REGISTRY

SPECS = list(REGISTRY.specs.values())
ELEMENTWISE = [s for s in SPECS if not s.axiswise]
AXISWISE = [s for s in SPECS if s.axiswise]
DTYPES = [np.float64, np.float32, np.float16]


def _ids(specs):
    return [s.name for s in specs]


def _oracle(spec) -> oracle.Elementwise:
    entry = oracle.ELEMENTWISE.get(spec.name)
    if entry is None:
        pytest.fail(
            f"no oracle for elementwise activation {spec.name!r}: add it to tests/oracle.py"
        )
    return entry


def _settings(spec, slow: bool = False) -> list[dict[str, Any]]:
    base = oracle.SETTINGS.get(spec.name)
    if base is None:
        pytest.fail(f"no parameter settings for {spec.name!r}: add them to oracle.SETTINGS")
    return list(base) + (list(oracle.SLOW_SETTINGS.get(spec.name, [])) if slow else [])


def _spec_kinks(spec, params) -> tuple[float, ...]:
    try:
        return tuple(float(k) for k in spec.kinks(spec.bind(params)))
    except Exception:  # the spec's own kink list only adds points; the oracle's are always used
        return ()


def _call(fn, x, params, problems: list[str], label: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = fn(x, **params)
        except Exception as exc:  # reported, with the rest, as a failure
            problems.append(f"{label}: raised {type(exc).__name__}: {exc}")
            return None
    if caught:
        problems.append(f"{label}: warnings leaked: {sorted({str(w.message) for w in caught})}")
    return np.asarray(got)


def measure(spec, which: str, dtype, params, size: str = "ci"):
    """Returns (problems, rows, max_ulp) for one spec / parameter setting / dtype."""
    ora = _oracle(spec)
    dtype = np.dtype(dtype)
    kinks = ora.kinks(**params) + _spec_kinks(spec, params)
    xs = oracle.grid(dtype, kinks, size=size, extra=oracle.HOT_SPOTS.get(spec.name, ()))
    fn = actcli.get(spec.name) if which == "value" else actcli.derivative(spec.name)
    label = f"{spec.name}{params or ''} {which} {dtype.name}"
    problems: list[str] = []
    got = _call(fn, xs, params, problems, label)
    if got is None:
        return problems, [], math.inf
    if got.dtype != dtype or got.shape != xs.shape:
        problems.append(
            f"{label}: returned dtype {got.dtype} shape {got.shape} for {dtype} {xs.shape}"
        )
        return problems, [], math.inf
    rows, worst = oracle.compare(spec.name, which, xs, got, params, dtype)
    return problems, rows, worst


def _check(spec, which, dtype, settings, size="ci"):
    messages = []
    for params in settings:
        problems, rows, _ = measure(spec, which, dtype, params, size)
        messages += problems
        if rows:
            label = f"{spec.name}{params or ''} {which} {np.dtype(dtype).name}"
            messages.append(
                f"{label}: {len(rows)} points over {BAR[np.dtype(dtype)]:g} ULP\n"
                + failures_table(rows)
            )
    assert not messages, "\n".join(messages)


# --------------------------------------------------------------------------------------------


def test_every_spec_has_an_oracle():
    missing = [n for n in REGISTRY.specs if not oracle.has_oracle(n)]
    assert not missing, f"specs without an oracle entry in tests/oracle.py: {missing}"
    no_settings = [s.name for s in ELEMENTWISE if s.name not in oracle.SETTINGS]
    assert not no_settings, f"specs without parameter settings in oracle.SETTINGS: {no_settings}"


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
def test_spec_has_oracle(spec):
    assert oracle.has_oracle(spec.name), f"no oracle for {spec.name!r}: add it to tests/oracle.py"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_value(spec, dtype):
    _check(spec, "value", dtype, _settings(spec))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_derivative(spec, dtype):
    _check(spec, "derivative", dtype, _settings(spec))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("which", ["value", "derivative"])
@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_big_grid(spec, which, dtype):
    _check(spec, which, dtype, _settings(spec, slow=True), size="slow")


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_nan_in_nan_out(spec):
    bad = []
    for params in _settings(spec):
        for dtype in DTYPES:
            x = np.array([np.nan, 1.5, -np.inf, np.nan, 0.0], dtype=dtype)
            for which, fn in (
                ("value", actcli.get(spec.name)),
                ("derivative", actcli.derivative(spec.name)),
            ):
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    got = np.asarray(fn(x, **params))
                nan = np.isnan(got).tolist()
                want = [True, False, False, True, False]
                want = (np.array(want) | spec.outside(x)).tolist()  # log1mexp: NaN below 0
                if nan != want:
                    bad.append(
                        f"{spec.name}{params} {which} {np.dtype(dtype).name}: "
                        f"{x.tolist()} -> {got.tolist()}"
                    )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_infinities_give_the_exact_limit(spec):
    """f(+-inf) and f'(+-inf) are the true limits: exactly, when the limit is representable
    (0, 1, inf, -alpha, ...); otherwise (selu(-inf) = -scale*alpha) within the ULP bar."""
    ora = _oracle(spec)
    bad = []
    for params in _settings(spec):
        for dtype in DTYPES:
            x = np.array([np.inf, -np.inf], dtype=dtype)
            for which in ("value", "derivative"):
                fn = actcli.get(spec.name) if which == "value" else actcli.derivative(spec.name)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # leaks are reported by test_value
                    got = np.asarray(fn(x, **params)).tolist()
                for xi, g in zip(x.tolist(), got, strict=True):
                    if spec.outside(xi):
                        assert math.isnan(g), (spec.name, which, xi, g)
                        continue
                    want = (ora.value if which == "value" else ora.derivative)(xi, **params)
                    r = float(round_to(want, dtype))
                    exact = (
                        isinstance(want, float) or oracle.mp.isinf(want) or oracle.mpf(r) == want
                    )
                    ok = g == r if exact else ulp_error(g, want, dtype) <= BAR[np.dtype(dtype)]
                    if not ok:
                        bad.append(
                            f"{spec.name}{params} {which} {np.dtype(dtype).name}: "
                            f"x={xi} got {g!r}, want {r!r}"
                        )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_signed_zeros(spec):
    """Where the formula gives a signed zero (tanh(-0) = -0, ThresholdedReLU's x*(x > theta),
    relu's +0, ...), or a nonzero true value rounds to zero, the sign is right."""
    ora = _oracle(spec)
    bad = []
    for params in _settings(spec):
        for dtype in DTYPES:
            xs = oracle.grid(dtype, ora.kinks(**params))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # leaks are reported by test_value
                got = np.asarray(actcli.get(spec.name)(xs, **params))
            for x, g in zip(xs.tolist(), got.tolist(), strict=True):
                want = ora.value(x, **params)
                if isinstance(want, float):
                    if want != 0:
                        continue
                    expect = math.copysign(1.0, want)
                else:
                    if want == 0 or float(round_to(want, dtype)) != 0:
                        continue
                    expect = 1.0 if want > 0 else -1.0
                if g != 0 or math.copysign(1.0, g) != expect:
                    bad.append(
                        f"{spec.name}{params} {np.dtype(dtype).name}: "
                        f"x={x!r} got {g!r}, want {math.copysign(0.0, expect)!r}"
                    )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_scalar_and_shapes(spec):
    """0-d in gives a NumPy scalar of the same dtype; any shape is kept; lists/ints -> float64."""
    params = _settings(spec)[0]
    f, df = actcli.get(spec.name), actcli.derivative(spec.name)
    for fn in (f, df):
        s = fn(np.float32(0.75), **params)
        assert isinstance(s, np.float32), f"{spec.name}: float32 scalar in gave {type(s)}"
        s = fn(0.75, **params)
        assert isinstance(s, np.float64), f"{spec.name}: Python float in gave {type(s)}"
        x = np.linspace(-3, 3, 24).reshape(2, 3, 4)
        assert fn(x, **params).shape == (2, 3, 4)
        assert fn(np.empty((0, 3)), **params).shape == (0, 3)
        assert fn([1, -2, 3], **params).dtype == np.float64
        assert fn(np.array([1, -2, 3], dtype=np.int32), **params).dtype == np.float64
        np.testing.assert_array_equal(
            fn([1, -2, 3], **params), fn(np.array([1.0, -2.0, 3.0]), **params)
        )


def test_prelu_per_channel_alpha():
    alpha = np.array([0.0, 0.25, 1.5])
    x = np.array([[-2.0, -2.0, -2.0], [3.0, -0.5, -1e300], [-0.0, 0.0, -np.inf]])
    want = np.array([[0.0, -0.5, -3.0], [3.0, -0.125, -1.5e300], [-0.0, 0.0, -np.inf]])
    dwant = np.array([[0.0, 0.25, 1.5], [1.0, 0.25, 1.5], [0.0, 0.25, 1.5]])
    got = actcli.get("layers.PReLU")(x, alpha=alpha)
    dgot = actcli.derivative("layers.PReLU")(x, alpha=alpha)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(dgot, dwant)


# --------------------------------------------------------------------------------------------
# The oracle itself: checked against independent forms, so a wrong oracle cannot hide a bug.


@pytest.mark.parametrize("name", sorted(oracle.ELEMENTWISE))
def test_oracle_derivative_is_the_derivative(name):
    """The oracle's derivative formula agrees with numerical differentiation of its value."""
    import mpmath

    ora = oracle.ELEMENTWISE[name]
    pts = (-7.3, -2.2, -1.3, -0.7, -0.2, 0.4, 1.3, 2.9, 8.1)
    for params in oracle.SETTINGS[name]:
        p = ora.params(params)
        kinks = ora.kinks(**params)
        for x in pts:
            if any(abs(x - k) < 1e-2 for k in kinks) or REGISTRY.specs[name].outside(x):
                continue
            num = mpmath.diff(lambda t, p=p: mpmath.mpf(ora.value_fn(t, **p)), mpmath.mpf(x))
            ana = mpmath.mpf(ora.derivative(x, **params))
            assert abs(num - ana) <= mpmath.mpf(10) ** -40 * max(1, abs(ana)), (
                name,
                params,
                x,
                num,
                ana,
            )


def test_oracle_rearranged_forms_match_naive_forms_at_high_precision():
    import mpmath
    from mpmath import mpf

    with mpmath.workprec(4000):
        for x in (-1e10, -3e7, -1.5, 0.3):
            for b in (4.0, 0.01, 100.0):
                X, B = mpf(x), mpf(b)
                naive = (X + mpmath.sqrt(X * X + B)) / 2
                dnaive = (1 + X / mpmath.sqrt(X * X + B)) / 2
                with mpmath.workprec(200):
                    v, d = oracle.squareplus(x, b), oracle.squareplus_d(x, b)
                assert abs(v / naive - 1) < mpf(10) ** -55 and abs(d / dnaive - 1) < mpf(10) ** -55
        for x in (1e-300, -3e-20, 2.0**-31, 1e-5, 0.7, -3.0):
            naive = mpf(x) - mpmath.tanh(mpf(x))
            with mpmath.workprec(200):
                v = oracle.tanh_shrink(x)
            assert abs(v / naive - 1) < mpf(10) ** -55, x
        for x in (-30.0, -3.0, 0.5, 4.0):
            X = mpf(x)
            u = mpmath.sqrt(2 / mpmath.pi) * (X + mpf("0.044715") * X**3)
            naive = X * (1 + mpmath.tanh(u)) / 2
            dnaive = mpmath.diff(
                lambda t: (
                    t
                    * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (t + mpf("0.044715") * t**3)))
                    / 2
                ),
                X,
            )
            naivephi = X * (1 + mpmath.erf(X / mpmath.sqrt(2))) / 2
            with mpmath.workprec(200):
                v, d = oracle.gelu(x, True), oracle.gelu_d(x, True)
                e = oracle.gelu(x, False)
            assert abs(v / naive - 1) < mpf(10) ** -55 and abs(d / dnaive - 1) < mpf(10) ** -50
            assert abs(e / naivephi - 1) < mpf(10) ** -50
            for f, g in (
                (oracle.tanh_d, lambda t: 1 - mpmath.tanh(t) ** 2),
                (oracle.sigmoid_d, lambda t: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
                (
                    oracle.mish_d,
                    lambda t: mpmath.diff(
                        lambda s: s * mpmath.tanh(mpmath.log(1 + mpmath.exp(s))), t
                    ),
                ),
            ):
                with mpmath.workprec(200):
                    a = f(x)
                assert abs(a / g(X) - 1) < mpf(10) ** -50, (f, x)


def test_oracle_round_to_is_correct_rounding():
    rng = np.random.default_rng(7)
    raw = np.concatenate(
        [
            rng.standard_normal(2000) * 10.0 ** rng.integers(-50, 40, 2000),
            rng.standard_normal(500) * 1e-40,
            rng.standard_normal(500) * 1e-6,  # float32/16 subnormals
            [65504.0, 65519.99, 65520.0, 3.4028235e38, 3.4028236e38, 1e39, 5e-324, 1e-310],
        ]
    )
    for v in raw.tolist():
        for dt in (np.float32, np.float16):
            with np.errstate(over="ignore"):
                want = dt(v)  # numpy rounds a float64 to float32 / float16 once: exact reference
            assert round_to(oracle.mpf(v), dt) == want or (np.isnan(want)), (v, dt)
        assert round_to(oracle.mpf(v), np.float64) == v
    # ties and near-ties in float64, subnormal range included
    for v in (1.0, 3.0, 2.0**-1070, 1.7976931348623155e308, 5e-324):
        up = np.nextafter(v, np.inf)
        mid = (oracle.mpf(v) + oracle.mpf(float(up))) / 2
        even = v if (np.frombuffer(np.float64(v).tobytes(), np.int64)[0] % 2 == 0) else float(up)
        assert round_to(mid, np.float64) == even
        assert round_to(mid * (1 + oracle.mpf(2) ** -150), np.float64) == up
        assert round_to(mid * (1 - oracle.mpf(2) ** -150), np.float64) == v
    assert np.isinf(
        round_to(oracle.mpf(1.7976931348623157e308) * (1 + oracle.mpf(2) ** -53), np.float64)
    )
    assert round_to(oracle.mpf(2) ** -1075, np.float64) == 0.0  # tie to even: 0
    assert round_to(oracle.mpf(2) ** -1075 * 3, np.float64) == 2 * 5e-324


# --------------------------------------------------------------------------------------------
# Axis-wise functions (softmax, log_softmax, glu, sparsemax, layers.Softmax)


def _ax(spec) -> oracle.Axiswise:
    entry = oracle.AXISWISE.get(spec.name)
    if entry is None:
        pytest.fail(f"no oracle for axis-wise activation {spec.name!r}: add it to tests/oracle.py")
    return entry


def _vectors(spec, dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(20240601)
    halves = _ax(spec).halves
    lengths = (2, 4, 6, 16) if halves else (1, 2, 3, 5, 8, 16)
    vecs = [rng.standard_normal(n) * s for n in lengths for s in (1.0, 10.0, 100.0)]
    fixed = [
        [1000.0, 0.0, -1000.0, 5.0],
        [0.0, 0.5, 1.0, 0.25],
        [1.0, 1.0, 1.0, 1.0],
        [709.0, 710.0, 0.0, -745.0],
        [40.0, 0.0],
        [700.0, 0.0],
        [1e-300, -1e-300],
        [0.0, 0.0, 0.0, 0.0],
        [-5.0, 5.0, 0.1, -0.1],
        [3.0, 1.0, 1.0, -2.0, 0.5, 0.5],
    ]
    if not halves:
        fixed += [[1000.0, 0.0, -1000.0], [0.0, 0.5, 1.0], [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0]]
    out = [np.asarray(v, dtype=np.float64).astype(dtype) for v in vecs + fixed]
    return [v for v in out if (not halves or v.size % 2 == 0) and np.all(np.isfinite(v))]


def _axis_tolerance(name, x, want, dtype, which):
    """Allowed |error|: the ULP bar plus, in float64 arithmetic, the conditioning of the problem
    (x_i - max x is rounded before exp; sparsemax's threshold is a sum)."""
    eps = float(np.finfo(np.float64).eps)
    mx = float(np.max(np.abs(x))) if x.size else 0.0
    bar = BAR[np.dtype(dtype)]
    base = bar * oracle.spacing_at(round_to(want, dtype))
    if name == "glu":
        return base
    if name == "sparsemax":
        return base + 4 * eps * x.size * max(1.0, mx)
    # softmax, log_softmax and their diagonals: relative error ~ eps * |x_i - max x|
    return base + 4 * eps * float(abs(want)) * (1.0 + 3 * mx)


def _axis_check(spec, which, dtype):
    ora = _ax(spec)
    name = "softmax" if spec.name == "layers.Softmax" else spec.name
    fn = actcli.get(spec.name) if which == "value" else actcli.derivative(spec.name)
    want_of = ora.value if which == "value" else ora.diag
    bad = []
    for x in _vectors(spec, dtype):
        problems: list[str] = []
        got = _call(fn, x, {}, problems, f"{spec.name} {which} {x.tolist()}")
        bad += problems
        if got is None:
            continue
        want = want_of([float(v) for v in x.tolist()])
        if got.dtype != np.dtype(dtype) or got.shape != (len(want),):
            bad.append(f"{spec.name} {which}: {x.dtype}{x.shape} gave {got.dtype}{got.shape}")
            continue
        rows = []
        for i, (g, w) in enumerate(zip(got.tolist(), want, strict=True)):
            err = abs_error(g, w)
            if not err <= _axis_tolerance(name, x, w, dtype, which):
                rows.append(
                    (
                        x[i] if i < x.size else math.nan,
                        g,
                        round_to(w, dtype),
                        ulp_error(g, w, dtype),
                    )
                )
        if rows:
            bad.append(
                f"{spec.name} {which} {np.dtype(dtype).name} row {x.tolist()}:\n"
                + failures_table(rows)
            )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_value(spec, dtype):
    _axis_check(spec, "value", dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_derivative_is_jacobian_diagonal(spec, dtype):
    _axis_check(spec, "derivative", dtype)


@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_jacobian(spec):
    ora = _ax(spec)
    J, df = actcli.jacobian(spec.name), actcli.derivative(spec.name)
    eps = float(np.finfo(np.float64).eps)
    for x in _vectors(spec):
        xs = [float(v) for v in x.tolist()]
        want = np.array([[float(round_to(v, np.float64)) for v in row] for row in ora.jacobian(xs)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = np.asarray(J(x))
            diag = np.asarray(df(x))
        assert got.shape == want.shape, (spec.name, x.tolist(), got.shape, want.shape)
        tol = 8 * eps * (1 + 3 * float(np.max(np.abs(x)))) * np.abs(want) + 4 * np.array(
            [[oracle.spacing_at(np.float64(w)) for w in row] for row in want]
        )
        wrong = np.argwhere(~(np.abs(got - want) <= tol))
        assert wrong.size == 0, f"{spec.name} Jacobian at x={x.tolist()}:\n" + "\n".join(
            f"  J[{i},{j}] got {got[i, j]!r} want {want[i, j]!r}" for i, j in wrong
        )
        jd = np.array([got[i, i] for i in range(got.shape[0])])  # glu: dy_i/da_i
        np.testing.assert_allclose(
            jd, diag, rtol=1e-12, atol=1e-300, err_msg=f"{spec.name}: diag(J) != derivative"
        )


@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_jacobian_finite_difference_sanity(spec):
    """Loose sanity check only: central differences on moderate random vectors."""
    rng = np.random.default_rng(3)
    f, J = actcli.get(spec.name), actcli.jacobian(spec.name)
    for n in (2, 4, 6):
        x = rng.standard_normal(n)
        got = np.asarray(J(x))
        h = 1e-6
        cols = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h) for e in np.eye(n)]
        fd = np.stack(cols, axis=-1)
        np.testing.assert_allclose(
            got, fd, rtol=1e-5, atol=1e-6, err_msg=f"{spec.name} {x.tolist()}"
        )


@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_jvp_is_J_times_v(spec):
    rng = np.random.default_rng(11)
    J, jvp = actcli.jacobian(spec.name), actcli.jvp(spec.name)
    for x in _vectors(spec):
        v = rng.standard_normal(x.size)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            want = np.asarray(J(x)) @ v
            got = np.asarray(jvp(x, v))
        scale = np.abs(np.asarray(J(x))) @ np.abs(v)
        assert got.shape == want.shape
        assert np.all(np.abs(got - want) <= 1e-13 * (1 + scale)), (spec.name, x.tolist(), got, want)


@pytest.mark.parametrize("spec", AXISWISE, ids=_ids(AXISWISE))
def test_axiswise_batches_and_axis(spec):
    """A batch is the vector function applied along ``axis``; Jacobians are (..., m, n)."""
    rng = np.random.default_rng(5)
    f, df, J = actcli.get(spec.name), actcli.derivative(spec.name), actcli.jacobian(spec.name)
    x = rng.standard_normal((4, 2, 6)) * 3
    for axis in (-1, 0, 1, 2, -2):
        got = np.asarray(f(x, axis=axis))
        moved = np.moveaxis(x, axis, -1)
        want = np.stack([np.asarray(f(row)) for row in moved.reshape(-1, moved.shape[-1])])
        want = np.moveaxis(want.reshape(*moved.shape[:-1], want.shape[-1]), -1, axis)
        np.testing.assert_array_equal(got, want, err_msg=f"{spec.name} axis={axis}")
        dgot = np.asarray(df(x, axis=axis))
        assert dgot.shape == got.shape
    m = 3 if _ax(spec).halves else 6
    assert np.asarray(J(x)).shape == (4, 2, m, 6)
    assert np.asarray(J(x, axis=-1)).shape == (4, 2, m, 6)


@pytest.mark.parametrize("name", ["softmax", "layers.Softmax"])
def test_softmax_specials(name):
    f = actcli.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(f(np.array([np.inf, 0.0, np.inf])), [0.5, 0.0, 0.5])
        np.testing.assert_array_equal(f(np.array([np.inf, 1e308, -np.inf])), [1.0, 0.0, 0.0])
        assert np.all(np.isnan(f(np.array([-np.inf, -np.inf]))))
        assert np.all(np.isnan(f(np.array([np.nan, 1.0, 2.0]))))
        got = f(np.array([-np.inf, 0.0, 1.0]))
        assert got[0] == 0 and np.all(np.isfinite(got)) and abs(got.sum() - 1) < 1e-15
        got = f(np.array([1000.0, 0.0, -1000.0]))
        assert got.tolist() == [
            1.0,
            float(round_to(oracle.softmax([1000.0, 0.0, -1000.0])[1], np.float64)),
            0.0,
        ]
        rows = f(np.array([[1.0, np.nan], [1.0, 2.0]]))
        assert np.all(np.isnan(rows[0])) and not np.any(np.isnan(rows[1]))


def test_log_softmax_specials():
    f = actcli.get("log_softmax")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = f(np.array([1000.0, 0.0, -1000.0]))
        assert got.tolist() == [-0.0, -1000.0, -2000.0] or got.tolist() == [0.0, -1000.0, -2000.0]
        got = f(np.array([-np.inf, 0.0]))
        assert got.tolist() == [-np.inf, 0.0]
        assert np.all(np.isnan(f(np.array([np.nan, 1.0]))))


def test_sparsemax_keras_counterexample():
    """Keras 3 gives [0, 0, 0.25]; the Euclidean projection is [0, 0.25, 0.75]."""
    f = actcli.get("sparsemax")
    assert f(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 0.25, 0.75]
    assert f(np.array([0.0, 0.5, 1.0], dtype=np.float32)).tolist() == [0.0, 0.25, 0.75]
    assert actcli.derivative("sparsemax")(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 0.5, 0.5]
    assert f(np.array([[1.0, 1.0], [5.0, 0.0]])).tolist() == [[0.5, 0.5], [1.0, 0.0]]


def test_glu_halves():
    f, df = actcli.get("glu"), actcli.derivative("glu")
    x = np.array([[1.0, -2.0, 0.0, 3.0], [4.0, 5.0, -np.inf, np.inf]])
    got = f(x)
    assert got.shape == (2, 2)
    assert got[1].tolist() == [0.0, 5.0]
    assert df(x)[1].tolist() == [0.0, 1.0]
    for bad in (np.ones(3), np.ones((2, 5))):
        with pytest.raises(actcli.UsageError):
            f(bad)
