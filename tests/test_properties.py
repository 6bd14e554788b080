"""Every property claimed by actcli.properties, checked again on an independent dense grid.

The checks use only the function values (and, for f'(0), the analytic derivative against a
finite difference); expected constants come from mpmath or hand formulas.
"""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest

from actcli import frameworks as fw
from actcli.properties import KEYS, properties
from actcli.registry import REGISTRY

mp = mpmath.mp

PARAMS = {"threshold": {"threshold": 1.0, "default_value": -2.0}}


def _partial(spec) -> bool:
    """Defined on part of the line only (log1mexp): properties say so instead of computing."""
    return spec.domain != (-math.inf, math.inf)


ELEMENTWISE = [s for s in REGISTRY.specs.values() if not s.axiswise and not _partial(s)]
# A few framework flavours with properties of their own.
FLAVOURS = [
    fw.variant("softplus", "torch").as_spec(),
    fw.variant("hardtanh").as_spec(),
    fw.variant("leaky_relu", "jax").as_spec(),
    fw.variant("hard_sigmoid", "tf_keras").as_spec(),
]
SPECS = ELEMENTWISE + FLAVOURS

RNG = np.random.default_rng(20260821)


def check_grid(window: float) -> np.ndarray:
    """Random points (not the properties grid): uniform in the window, log-spread, +-inf."""
    u = RNG.uniform(-window, window, 20000)
    logs = 10.0 ** RNG.uniform(-300, 300, 2000)
    return np.sort(np.concatenate([u, logs, -logs, [0.0, np.inf, -np.inf]]))


@pytest.fixture(scope="module")
def computed():
    return {s.name: properties(s, PARAMS.get(s.name)) for s in SPECS}


def fn(spec):
    bound = spec.bind(PARAMS.get(spec.name))
    return lambda x: np.asarray(spec.fn(np.asarray(x, dtype=np.float64), **bound), dtype=np.float64)


def window_of(spec, pr):
    return max(20.0, *(abs(v) for v in spec.plot_xlim), *(2 * abs(k) for k in pr["kinks"]))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_keys(spec, computed):
    pr = computed[spec.name]
    assert pr["note"] == ""
    assert all(pr[k] is not None for k in KEYS if k != "symmetry")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_range(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    lo, hi = pr["range"]
    x = check_grid(window_of(spec, pr))
    y = f(x)
    y = y[~np.isnan(y)]
    slack = 1e-12 * np.maximum(1.0, np.abs(y))
    assert np.all(y >= lo - slack) and np.all(y <= hi + slack)
    assert pr["bounded_below"] == math.isfinite(lo)
    assert pr["bounded_above"] == math.isfinite(hi)
    # Tight: the bound is approached (or it is a limit at +-inf, f(+-inf) computed exactly).
    ends = f(np.array([-np.inf, np.inf]))
    w = window_of(spec, pr)
    dense = np.concatenate([y, f(np.linspace(-w, w, 400001))])
    for bound, values in ((lo, dense), (hi, dense)):
        if math.isfinite(bound):
            near = np.min(np.abs(values - bound))
            assert near <= 1e-6 * max(1.0, abs(bound)) or bound in ends
        else:
            assert (
                np.any(np.isinf(values) & (np.sign(values) == np.sign(bound)))
                or np.max(np.abs(values)) > 1e100
            )
    # A closed bracket means a finite x where f equals the bound (to rounding).
    text = pr["range_text"]
    if text.startswith("["):
        xs = np.linspace(-window_of(spec, pr), window_of(spec, pr), 400001)
        assert np.min(np.abs(f(xs) - lo)) <= 1e-9 * max(1.0, abs(lo))
    if text.endswith("]"):
        xs = np.linspace(-window_of(spec, pr), window_of(spec, pr), 400001)
        assert np.min(np.abs(f(xs) - hi)) <= 1e-9 * max(1.0, abs(hi))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_monotone(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    x = check_grid(window_of(spec, pr))
    y = f(x)
    ok = ~np.isnan(y)
    ys = y[ok]
    with np.errstate(invalid="ignore"):
        d = np.diff(ys)
        tol = np.nan_to_num(8 * np.spacing(np.maximum(np.abs(ys[:-1]), np.abs(ys[1:]))))
    d = np.nan_to_num(d)
    claim = pr["monotonicity"]
    assert pr["monotone"] == (claim in ("increasing", "non-decreasing"))
    if claim in ("increasing", "non-decreasing"):
        assert np.all(d >= -tol)
    elif claim == "no":
        # a decrease somewhere, on a grid fine enough to see it
        xs = np.sort(
            np.concatenate(
                [x, np.linspace(-50, 50, 200001), pr["kinks"], np.nextafter(pr["kinks"], np.inf)]
            )
        )
        ys = f(xs)
        assert np.any(np.diff(ys) < -8 * np.spacing(np.abs(ys[1:])))
        assert np.any(np.diff(ys) > 0)
    if claim == "increasing":
        w = 5.0  # beyond, saturating functions (tanh) round to equal values
        a = RNG.uniform(-w, w, 5000)
        b = a + RNG.uniform(1e-3, 1.0, 5000)
        assert np.all(f(b) > f(a))
    if claim == "non-decreasing":
        xs = np.linspace(-window_of(spec, pr), window_of(spec, pr), 100001)
        assert np.any(np.diff(f(xs)) == 0)  # flat somewhere


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_value_and_slope_at_zero(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    f0 = f(np.array([0.0]))[0]
    assert pr["f0"] == f0
    assert pr["zero_at_zero"] == (f0 == 0.0)
    if not any(abs(k) < 1e-3 for k in pr["kinks"]):
        h = 1e-6
        num = (f(np.array([h]))[0] - f(np.array([-h]))[0]) / (2 * h)
        assert pr["fprime0"] == pytest.approx(num, rel=1e-6, abs=1e-9)


def one_sided(f, k):
    """(jump of f, left slope, right slope, left curvature, right curvature) at k from f alone."""
    s = max(1.0, abs(k))
    h = 1e-5 * s
    left = f(k - np.array([3 * h, 2 * h, h]))
    right = f(k + np.array([h, 2 * h, 3 * h]))
    # quadratic extrapolation of each side to k
    fl = 3 * left[2] - 3 * left[1] + left[0]
    fr = 3 * right[0] - 3 * right[1] + right[2]
    sl = (-3 * fl + 4 * left[2] - left[1]) / (-2 * h)
    sr = (-3 * fr + 4 * right[0] - right[1]) / (2 * h)
    cl = (left[2] - 2 * left[1] + left[0]) / h**2
    cr = (right[0] - 2 * right[1] + right[2]) / h**2
    return abs(fr - fl), sl, sr, cl, cr


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_continuity_and_kinks(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    levels = []
    for k in pr["kinks"]:
        jump, sl, sr, cl, cr = one_sided(f, k)
        scale = max(1.0, abs(f(np.array([k]))[0]))
        if jump > 1e-11 * scale:  # torch softplus jumps by 2e-9 at 20
            levels.append("discontinuous")
        elif abs(sr - sl) > 1e-4 * max(1.0, abs(sl)):
            levels.append("C0")
        elif abs(cr - cl) > 1e-2 * max(1.0, abs(cl)):
            levels.append("C1")
        else:
            pytest.fail(f"{spec.name}: nothing jumps at the claimed kink {k}")
    order = ["discontinuous", "C0", "C1"]
    want = min(levels, key=order.index) if levels else "C-inf"
    assert pr["continuity"] == want
    # Away from the kinks f is smooth: second differences stay bounded on a fine grid.
    w = window_of(spec, pr)
    x = np.linspace(-w, w, 200001)
    keep = np.ones_like(x, dtype=bool)
    for k in pr["kinks"]:
        keep &= np.abs(x - k) > 1e-3 * max(1.0, abs(k))
    y = f(x)
    h = x[1] - x[0]
    second = (y[2:] - 2 * y[1:-1] + y[:-2]) / h**2
    mask = keep[2:] & keep[1:-1] & keep[:-2]
    assert np.all(np.abs(second[mask]) < 1e3 * (1.0 + np.abs(y[1:-1][mask]))), spec.name


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_symmetry(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    x = np.abs(check_grid(window_of(spec, pr)))
    x = x[np.isfinite(x)]
    a, b = f(x), f(-x)
    ok = np.isfinite(a) & np.isfinite(b)
    x, a, b = x[ok], a[ok], b[ok]
    tol = (
        32 * np.finfo(float).eps * np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(x)) + 1e-300
    )
    sym = pr["symmetry"]
    checks = {
        "odd": np.abs(a + b) <= tol,
        "even": np.abs(a - b) <= tol,
        "relu-like": np.abs(a - b - x) <= tol,
    }
    if sym == "odd":
        assert np.all(checks["odd"])
    elif sym == "even":
        assert np.all(checks["even"])
    elif sym == "f(x) - f(-x) = x":
        assert np.all(checks["relu-like"])
    elif sym is not None and sym.startswith("odd about (0, "):
        c = float(sym[len("odd about (0, ") : -1])
        assert np.all(np.abs((a + b) / 2 - c) <= tol + 1e-6 * abs(c))
    else:
        assert sym is None
        assert not any(np.all(v) for v in checks.values())


def test_expected_ranges(computed):
    mp.prec = 80
    silu_min = mp.findroot(lambda t: mp.diff(lambda u: u / (1 + mp.exp(-u)), t), -1.28)
    silu_lo = silu_min / (1 + mp.exp(-silu_min))
    gelu_min = mp.findroot(lambda t: mp.ncdf(t) + t * mp.npdf(t), -0.75)
    mish_min = mp.findroot(lambda t: mp.diff(lambda u: u * mp.tanh(mp.log1p(mp.exp(u))), t), -1.19)
    expect_lo = {
        "silu": float(silu_lo),
        "gelu": float(gelu_min * mp.ncdf(gelu_min)),
        "mish": float(mish_min * mp.tanh(mp.log1p(mp.exp(mish_min)))),
        "hard_silu": -0.375,
        "selu": -float(
            mp.mpf("1.0507009873554804934193349852946")
            * mp.mpf("1.6732632423543772848170429916717")
        ),
    }
    for name, lo in expect_lo.items():
        assert computed[name]["range"][0] == pytest.approx(lo, rel=1e-12), name
    texts = {
        "relu": "[0, inf)",
        "relu6": "[0, 6]",
        "sigmoid": "(0, 1)",
        "tanh": "(-1, 1)",
        "softsign": "(-1, 1)",
        "elu": "(-1, inf)",
        "softplus": "(0, inf)",
        "log_sigmoid": "(-inf, 0)",
        "exponential": "(0, inf)",
        "hard_sigmoid": "[0, 1]",
        "hard_silu": "[-0.375, inf)",
        "linear": "(-inf, inf)",
        "sparse_plus": "[0, inf)",
    }
    for name, text in texts.items():
        assert computed[name]["range_text"] == text, name


def test_expected_classes(computed):
    assert computed["relu"]["continuity"] == "C0" and computed["relu"]["kinks"] == (0.0,)
    assert computed["elu"]["continuity"] == "C1"  # alpha = 1: f' continuous, f'' jumps
    assert properties(REGISTRY.specs["elu"], {"alpha": 0.5})["continuity"] == "C0"
    assert computed["sparse_plus"]["continuity"] == "C1"
    assert computed["hard_shrink"]["continuity"] == "discontinuous"
    assert computed["gelu"]["continuity"] == "C-inf" and computed["gelu"]["kinks"] == ()
    assert computed["tanh_shrink"]["monotonicity"] == "increasing"
    assert computed["relu"]["monotonicity"] == "non-decreasing"
    assert computed["silu"]["monotonicity"] == "no"
    assert computed["sigmoid"]["symmetry"] == "odd about (0, 0.5)"
    assert computed["gelu"]["symmetry"] == "f(x) - f(-x) = x"
    assert computed["tanh"]["symmetry"] == "odd"
    torch_softplus = computed["torch.softplus"]
    assert torch_softplus["continuity"] == "discontinuous" and torch_softplus["kinks"] == (20.0,)
    assert torch_softplus["monotone"] is False
    assert computed["tf_keras.hard_sigmoid"]["kinks"] == (-2.5, 2.5)


def test_selu_is_self_normalizing(computed):
    mp.prec = 80
    scale = mp.mpf("1.0507009873554804934193349852946")
    alpha = mp.mpf("1.6732632423543772848170429916717")

    def selu(z):
        return scale * z if z > 0 else scale * alpha * mp.expm1(z)

    mean = mp.quad(lambda z: selu(z) * mp.npdf(z), [-mp.inf, 0, mp.inf])
    second = mp.quad(lambda z: selu(z) ** 2 * mp.npdf(z), [-mp.inf, 0, mp.inf])
    assert abs(mean) < 1e-12 and abs(second - mean**2 - 1) < 1e-12
    pr = computed["selu"]
    assert pr["gaussian_mean"] == pytest.approx(float(mean), abs=1e-12)
    assert pr["gaussian_var"] == pytest.approx(float(second - mean**2), abs=1e-12)
    assert 0 < pr["variance_map_slope"] < 1
    assert pr["self_normalizing"] is True
    others = [n for n, p in computed.items() if p["self_normalizing"]]
    assert others == ["selu"]  # linear keeps (0, 1) too, but does not attract to it


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_gaussian_moments(spec, computed):
    pr = computed[spec.name]
    f = fn(spec)
    z = RNG.standard_normal(400000)
    y = f(z)
    assert pr["gaussian_mean"] == pytest.approx(np.mean(y), abs=6 * np.std(y) / 600 + 1e-12)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_consistent_with_the_registry(spec, computed):
    """The registry's typed-in facts agree with what is computed (one direction each)."""
    pr = computed[spec.name]
    lo, hi = pr["range"]
    assert spec.bounds[0] <= lo + 1e-12 and hi <= spec.bounds[1] + 1e-12
    if spec.monotone:
        assert pr["monotone"]
    declared = spec.kinks(spec.bind(PARAMS.get(spec.name)))
    assert set(pr["kinks"]) <= set(declared)


def test_undeclared_kink_is_found():
    relu = dataclasses.replace(REGISTRY.specs["relu"], kinks=lambda p: ())
    pr = properties(relu)
    assert pr["continuity"] == "C0"
    assert len(pr["kinks"]) == 1 and abs(pr["kinks"][0]) < 1e-12
    step = dataclasses.replace(REGISTRY.specs["threshold"], kinks=lambda p: ())
    pr = properties(step, {"threshold": 0.3, "default_value": 5.0})
    assert pr["continuity"] == "discontinuous" and pr["kinks"] == pytest.approx((0.3,), abs=1e-12)


def test_notes_instead_of_values():
    assert properties(REGISTRY.specs["softmax"])["note"].startswith("axis-wise")
    pr = properties(REGISTRY.specs["threshold"])
    assert "threshold, default_value" in pr["note"] and pr["range"] is None
    pr = properties(REGISTRY.specs["layers.PReLU"], {"alpha": [0.1, 0.2]})
    assert "per-channel" in pr["note"]


def test_partial_domain_says_so():
    props = properties(REGISTRY.specs["log1mexp"])
    assert props["note"] == "defined on [0, inf] only: not computed"
    assert props["monotone"] is None and props["range"] is None


# Computed facts in prose are checked (issue 12) -------------------------------------------------


def test_gelu_prose_numbers_are_the_computed_ones():
    """gelu's description and JAX's flavour quote the gap between the exact and the tanh form:
    the largest (4.73e-4 at x = -2.699) and at x = 1 (1.53e-4), here from mpmath."""
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import oracle

    def gap(t):
        return oracle.gelu(t, False) - oracle.gelu(t, True)

    start = max((abs(gap(i / 20)), i / 20) for i in range(-120, 121))[1]
    with mp.workprec(200):
        x = mp.findroot(lambda t: mpmath.diff(gap, t), start)
    assert f"{float(abs(gap(x))):.2e}" == "4.73e-04" and f"{float(x):.3f}" == "-2.699"
    assert f"{float(abs(gap(1.0))):.2e}" == "1.53e-04"
    text = REGISTRY.specs["gelu"].description
    assert "4.73e-4 (at x = -2.699" in text and "1.53e-4 at x = 1" in text
    jax_text = fw.variant("gelu", "jax").differences
    assert (
        "4.73e-4" in jax_text
        and "x = -2.699" in jax_text
        and "1.5e-4 below it at x = 1" in jax_text
    )
