"""Framework flavours: documented numbers, kink conventions, aliases, facts and diff.

Expected values come from the frameworks' documentation or sources (../shared/frameworks.md),
from hand formulas, or from mpmath; never from actcli.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import actcli
from actcli import frameworks as fw
from actcli.registry import REGISTRY, Activation

mp = mpmath.mp

SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_ALPHA = float(
    mpmath.mpf("1.0507009873554804934193349852946")
    * mpmath.mpf("1.6732632423543772848170429916717")
)

# Required parameters of some entries, for the generic tests.
REQUIRED = {"threshold": {"threshold": 0.5, "default_value": -1.0}}


def ulps(got: float, want: mpmath.mpf) -> float:
    w = float(want)
    if w == got:
        return 0.0
    return abs(got - w) / float(np.spacing(abs(w)))


def params_for(v: fw.Variant) -> dict:
    if v.spec.name == "threshold":
        return dict(zip([p.name for p in v.params], (0.5, -1.0), strict=True))
    if v.name == "prelu":  # F.prelu's weight is required
        return {"weight": 0.25}
    return {}


def shaped(v: fw.Variant, x: np.ndarray) -> np.ndarray:
    """x as the flavour takes it: nn.Softmax2d works on the channels of 3-D input."""
    return x.reshape(-1, 1, 1) if v.name == "nn.Softmax2d" else x


ELEMENTWISE = [v for v in fw.VARIANTS.values() if not v.spec.axiswise]
AXISWISE = [v for v in fw.VARIANTS.values() if v.spec.axiswise]


def vid(v: fw.Variant) -> str:
    return f"{v.framework}:{v.name}"


# Documented numbers ----------------------------------------------------------------------------


def test_jax_gelu_defaults_to_tanh_form():
    # frameworks.md: exact 0.8413447 vs tanh 0.8411920 at x = 1.
    assert fw.variant("gelu", "jax")(1.0) == pytest.approx(0.8411920, abs=5e-8)
    assert fw.variant("gelu", "keras")(1.0) == pytest.approx(0.8413447, abs=5e-8)
    assert fw.variant("gelu", "torch")(1.0) == pytest.approx(0.8413447, abs=5e-8)
    assert fw.variant("gelu", "tf_keras")(1.0) == pytest.approx(0.8413447, abs=5e-8)
    mp.prec = 100
    tanh_form = 0.5 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (1 + mpmath.mpf("0.044715"))))
    assert ulps(float(fw.variant("gelu", "jax")(1.0)), tanh_form) <= 4


def test_torch_gelu_approximate_is_a_string():
    v = fw.variant("gelu", "torch")
    assert v.signature == "torch.nn.functional.gelu(input, approximate='none')"
    assert v(1.0, approximate="tanh") == fw.variant("gelu", "jax")(1.0)
    assert v(1.0, approximate="none") == v(1.0)


def test_hard_sigmoid_keras2_vs_keras3():
    # frameworks.md: x = 1 gives 0.7 (Keras 2) vs 0.6667 (Keras 3); x = -2.5 gives 0 vs 0.0833.
    k2, k3 = fw.variant("hard_sigmoid", "tf_keras"), fw.variant("hard_sigmoid", "keras")
    assert k2(1.0) == pytest.approx(0.7, abs=1e-15)
    assert k3(1.0) == pytest.approx(2 / 3, abs=1e-15)
    assert k2(-2.5) == 0.0
    assert k3(-2.5) == pytest.approx(1 / 12, abs=1e-15)
    assert k2.spec.name == "hard_sigmoid_keras2"
    assert fw.variant("hard_sigmoid", "torch")(1.0) == k3(1.0)


@pytest.mark.parametrize(
    ("name", "like", "want"),
    [
        ("leaky_relu", "torch", -0.01),
        ("leaky_relu", "jax", -0.01),
        ("leaky_relu", "keras", -0.2),
        # the LeakyReLU layer, alpha=0.3, which tf.nn.leaky_relu takes as a float32 (run here)
        ("leaky_relu", "tf_keras", -0.30000001192092896),
        ("layers.LeakyReLU", "keras", -0.3),
        ("layers.LeakyReLU", "torch", -0.01),
        ("nn.LeakyReLU", None, -0.01),
    ],
)
def test_leaky_relu_slope_defaults(name, like, want):
    assert fw.variant(name, like)(-1.0) == pytest.approx(want, rel=1e-15)


def test_torch_leaky_relu_parameter():
    assert fw.variant("leaky_relu", "torch")(-2.0, negative_slope=0.5) == -1.0


@pytest.mark.parametrize(
    "x", [-30.0, -3.0, -1.0, -1e-5, 0.0, 1e-5, 1.0, 5.0, 9.99, 10.0, 10.01, 20.0, 1e3]
)
def test_torch_softplus_beta_threshold(x):
    # torch: log1p(exp(beta * x)) / beta, and x where beta * x > threshold (beta=2, threshold=20).
    mp.prec = 200
    got = float(fw.variant("softplus", "torch")(x, beta=2.0, threshold=20.0))
    if 2.0 * x > 20.0:
        assert got == x
    else:
        want = mp.log1p(mp.exp(2 * mpmath.mpf(x))) / 2
        assert ulps(got, want) <= 2


def test_torch_softplus_defaults_and_jump():
    v = fw.variant("nn.Softplus")
    assert v.signature == "torch.nn.functional.softplus(input, beta=1.0, threshold=20.0)"
    # At x = 20 beta * x is not > 20: the smooth branch; just above, x itself.
    mp.prec = 200
    assert ulps(float(v(20.0)), mp.log1p(mp.exp(20))) <= 2
    above = np.nextafter(20.0, 30.0)
    assert v(above) == above
    jump = float(v(20.0)) - above
    assert jump == pytest.approx(float(mp.log1p(mp.exp(-20))), rel=1e-5)  # 2.06e-9
    assert v.derivative(above) == 1.0
    assert ulps(float(v.derivative(0.5)), 1 / (1 + mp.exp(-0.5))) <= 2


def test_torch_softplus_oracle_grid():
    mp.prec = 200
    v = fw.variant("softplus", "torch")
    worst = 0.0
    for beta in (1.0, 2.0, 0.1, 0.37, 7.5):
        xs = np.concatenate([np.linspace(-40, 20, 241), -np.logspace(-300, 3, 60)]) / beta
        ys = v(xs, beta=beta, threshold=20.0)
        for x, y in zip(xs, ys, strict=True):
            if x * beta > 20:
                want = mpmath.mpf(x)
            else:
                want = mp.log1p(mp.exp(mpmath.mpf(x) * mpmath.mpf(beta))) / beta
            worst = max(worst, ulps(float(y), want))
    assert worst <= 4


def test_rrelu_eval_slope_is_11_48():
    v = fw.variant("rrelu")
    assert v.framework == "torch" and v.spec.name == "leaky_relu"
    assert v(-1.0) == pytest.approx(-11 / 48, rel=1e-15)
    assert v.derivative(0.0) == pytest.approx(11 / 48, rel=1e-15)  # leaky_relu backward at 0
    assert v(-2.0, lower=0.1, upper=0.3) == pytest.approx(-0.4, rel=1e-15)
    with pytest.raises(actcli.UsageError, match="training=True"):
        v(-1.0, training=True)
    with pytest.raises(actcli.UsageError, match="lower <= upper"):
        v(-1.0, lower=0.5, upper=0.1)


def test_softmin_is_softmax_of_minus_x():
    v = fw.variant("softmin")
    x = np.array([1.0, 2.0, 3.0])
    e = np.exp(-x)
    np.testing.assert_allclose(v(x), e / e.sum(), rtol=1e-15)
    # Jacobian by central differences of the function itself.
    h = 1e-6
    num = np.stack(
        [(v(x + h * np.eye(3)[j]) - v(x - h * np.eye(3)[j])) / (2 * h) for j in range(3)], 1
    )
    np.testing.assert_allclose(v.jacobian(x, dim=0), num, atol=1e-9)
    np.testing.assert_allclose(v.prime(x, dim=0), np.diag(num), atol=1e-9)
    d = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(v.jvp(x, d, dim=0), num @ d, atol=1e-9)


def test_torch_softmax_implicit_dim():
    # torch/nn/functional.py _get_softmax_dim: 0 for 0-, 1- and 3-D input, else 1.
    v = fw.variant("softmax", "torch")
    x3 = np.arange(24.0).reshape(2, 3, 4) / 7
    np.testing.assert_allclose(np.sum(v(x3), axis=0), 1.0, rtol=1e-15)
    x2 = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(np.sum(v(x2), axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.sum(v(x3, dim=2), axis=2), 1.0, rtol=1e-15)
    assert v.signature == "torch.nn.functional.softmax(input, dim=None, dtype=None)"


def test_tf_keras_softmax_rejects_1d():
    v = fw.variant("softmax", "tf_keras")
    with pytest.raises(actcli.UsageError, match="1-D"):
        v(np.array([1.0, 2.0]))
    np.testing.assert_allclose(v(np.array([[0.0, 0.0]])), [[0.5, 0.5]])


def test_torch_hardtanh_bounds():
    v = fw.variant("hardtanh")
    np.testing.assert_array_equal(
        v(np.array([-3.0, 0.2, 3.0]), min_val=-2.0, max_val=0.5), [-2.0, 0.2, 0.5]
    )
    np.testing.assert_array_equal(
        v.derivative(np.array([-2.0, 0.0, 0.5]), min_val=-2.0, max_val=0.5), [0, 1, 0]
    )
    with pytest.raises(actcli.UsageError, match="max_val > min_val"):
        v(0.0, min_val=1.0, max_val=1.0)


def test_threshold_value_name():
    v = fw.variant("nn.Threshold")
    assert v.signature == "torch.nn.functional.threshold(input, threshold, value)"
    np.testing.assert_array_equal(v(np.array([0.0, 2.0]), threshold=1.0, value=-5.0), [-5.0, 2.0])
    # actcli's name works too (old_names)
    np.testing.assert_array_equal(v(np.array([0.0]), threshold=1.0, default_value=7.0), [7.0])


def test_shrink_lambd():
    v = fw.variant("softshrink")
    np.testing.assert_allclose(v(np.array([-1.0, 0.3, 1.0]), lambd=0.25), [-0.75, 0.05, 0.75])
    with pytest.raises(actcli.UsageError, match="lambd >= 0"):
        v(1.0, lambd=-1.0)
    assert fw.variant("hardshrink")(0.5) == 0.0  # closed interval [-lambd, lambd]


# Derivative conventions at the kinks (frameworks.md table 1c) ---------------------------------


@pytest.mark.parametrize(
    ("name", "like", "x", "want"),
    [
        ("leaky_relu", "torch", 0.0, 0.01),
        ("leaky_relu", "jax", 0.0, 1.0),
        ("leaky_relu", "keras", 0.0, 0.2),
        ("selu", "tf_keras", 0.0, SELU_SCALE),
        ("selu", "torch", 0.0, SELU_SCALE_ALPHA),
        ("selu", "jax", 0.0, SELU_SCALE_ALPHA),
        ("hard_silu", "torch", -3.0, 0.0),  # PyTorch 2.13.0 and 2.14.1, run here
        ("hard_silu", "torch", 3.0, 1.0),
        # Keras 3.15.1 per backend, run here (scripts/conformance.py):
        ("leaky_relu", "keras/jax", 0.0, 1.0),
        ("leaky_relu", "keras/torch", 0.0, 0.2),
        ("hard_tanh", "keras/tensorflow", 1.0, 1.0),
        ("hard_tanh", "keras/torch", 1.0, 0.0),
        ("sparse_sigmoid", "keras/jax", -1.0, 0.25),
        ("selu", "keras/tensorflow", 0.0, 1.0507009873554805),
        ("layers.PReLU", "keras/torch", 0.0, 0.0),
        ("hard_sigmoid", "tf_keras", 2.5, 0.2),
        ("hard_sigmoid", "tf_keras", -2.5, 0.2),
        ("hard_silu", "jax", -3.0, 0.0),
        ("hard_silu", "jax", 3.0, 1.0),
        ("hard_tanh", "torch", 1.0, 0.0),
        ("hard_tanh", "torch", -1.0, 0.0),
        ("hard_tanh", "jax", 1.0, 1.0),
        ("hard_tanh", "jax", -1.0, 1.0),
        ("relu", "jax", 0.0, 0.0),
        ("relu6", "torch", 6.0, 0.0),
        ("relu6", "jax", 0.0, 0.0),
        ("hard_sigmoid", "torch", 3.0, 0.0),
        ("elu", "torch", 0.0, 1.0),
        ("elu", "tf_keras", 0.0, 1.0),
        ("sparse_sigmoid", "jax", 1.0, 0.25),
        ("sparse_sigmoid", "jax", -1.0, 0.25),
        ("sparse_sigmoid", "keras", 1.0, 0.0),
        ("soft_shrink", "torch", 0.5, 0.0),
        ("softplus", "torch", 0.0, 0.5),
    ],
)
def test_kink_conventions(name, like, x, want):
    assert fw.variant(name, like).derivative(x) == pytest.approx(want, rel=1e-15, abs=0)


def test_elu_alpha_at_zero():
    for like in ("torch", "jax", "tf_keras", "keras"):
        assert fw.variant("elu", like).derivative(0.0, alpha=0.5) == 0.5


# Every variant ----------------------------------------------------------------------------------


@pytest.mark.parametrize("v", ELEMENTWISE, ids=vid)
def test_prime_matches_finite_differences(v):
    params = params_for(v)
    bound = v.bind(params)
    kinks = [k for k in v.kinks(bound) if math.isfinite(k)]
    x = np.linspace(-5.0, 5.0, 211) + 0.0123
    x = x[[all(abs(xi - k) > 1e-3 for k in kinks) for xi in x]]
    h = 1e-6
    num = (v(x + h, **params) - v(x - h, **params)) / (2 * h)
    np.testing.assert_allclose(v.derivative(x, **params), num, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("v", ELEMENTWISE, ids=vid)
def test_nan_inf_dtype(v):
    params = params_for(v)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5], dtype=np.float32)
    y = v(x, **params)
    assert y.dtype == np.float32
    assert np.isnan(y[0])
    defined = ~v.spec.outside(x[1:])  # log1mexp: NaN at -inf, outside its domain
    assert not np.any(np.isnan(y[1:][defined]))
    assert not np.any(np.isnan(v.derivative(x, **params)[1:][defined]))


@pytest.mark.parametrize("v", fw.VARIANTS.values(), ids=vid)
def test_as_spec_plugs_into_activation(v):
    spec = v.as_spec()
    params = params_for(v)
    x = np.array([[-1.5, 0.25, 2.0, 3.5]])
    if not v.spec.axiswise:
        x = x[0]
    x = shaped(v, x)
    act = Activation(spec, bound=params)
    np.testing.assert_array_equal(act(x), v(x, **params))
    np.testing.assert_array_equal(Activation(spec, "prime", params)(x), v.derivative(x, **params))
    if v.framework == "keras":
        assert spec is v.spec
    else:
        assert spec.name == v.qualname
        assert [p.name for p in spec.params] == [p.name for p in v.params]


@pytest.mark.parametrize("v", fw.VARIANTS.values(), ids=vid)
def test_signature_and_source(v):
    assert v.signature.startswith(("keras.", "tf_keras.", "torch.", "jax."))
    assert v.source
    for p in v.params:
        if not p.required and p.name not in ("approximate", "dim"):
            assert f"{p.name}=" in v.signature or v.name == "rrelu"


# Aliases ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("alias", sorted(fw.FRAMEWORK_ALIASES))
def test_every_alias_resolves(alias):
    spec_name, framework, rename = fw.FRAMEWORK_ALIASES[alias]
    v = fw.variant(alias)
    assert v.framework == framework and framework in fw.FRAMEWORKS
    assert v.spec.name == spec_name and spec_name in REGISTRY.specs
    assert fw.variant(alias.upper()).qualname == v.qualname  # case-insensitive, like the registry
    own = {p.name for p in v.params}
    spec_params = {p.name for p in REGISTRY.specs[spec_name].params}
    for fname, aname in rename.items():
        assert fname in own and aname in spec_params
    with pytest.raises(actcli.UsageError):
        REGISTRY.lookup(alias)  # never shadows a registry name or alias


@pytest.mark.parametrize(
    ("alias", "entry", "like"),
    [
        ("hardswish", "hard_silu", "torch"),
        ("softshrink", "soft_shrink", "torch"),
        ("hardshrink", "hard_shrink", "torch"),
        ("hardsigmoid", "hard_sigmoid", "torch"),
        ("hardtanh", "hard_tanh", "torch"),
        ("logsigmoid", "log_sigmoid", "torch"),
        ("tanhshrink", "tanh_shrink", "torch"),
        ("nn.Softplus", "softplus", "torch"),
        ("nn.Threshold", "threshold", "torch"),
        ("rrelu", "leaky_relu", "torch"),
        ("softmin", "softmax", "torch"),
        ("soft_sign", "softsign", "jax"),
        ("identity", "linear", "jax"),
        ("torch.softplus", "softplus", "torch"),
        ("jax.gelu", "gelu", "jax"),
    ],
)
def test_named_aliases(alias, entry, like):
    assert fw.FRAMEWORK_ALIASES[alias][:2] == (entry, like)


def test_no_listed_alias_is_shadowed_by_the_registry():
    listed = {alias for alias, _, _ in fw._index._ALIAS_FORMS}
    assert listed <= set(fw.FRAMEWORK_ALIASES)


def test_alias_param_maps():
    assert fw.FRAMEWORK_ALIASES["softshrink"][2] == {"lambd": "threshold"}
    assert fw.FRAMEWORK_ALIASES["nn.Threshold"][2] == {"value": "default_value"}
    assert fw.FRAMEWORK_ALIASES["softmin"][2] == {"dim": "axis"}


def test_registry_names_still_mean_keras():
    assert fw.variant("hard_swish").framework == "keras"  # registry alias, Keras 3
    assert fw.variant("swish").spec.name == "silu"
    assert fw.variant("threshold").framework == "keras"


def test_like_overrides_the_alias_framework():
    v = fw.variant("hardswish", "jax")
    assert v.framework == "jax" and v.spec.name == "hard_silu"


def test_missing_function_message():
    with pytest.raises(
        actcli.UsageError, match=r"^torch has no sparse_plus \(it exists in: keras, jax\)$"
    ):
        fw.variant("sparse_plus", "torch")
    with pytest.raises(actcli.UsageError, match="tf_keras has no relu6 .*max_value=6"):
        fw.variant("relu6", "tf_keras")
    with pytest.raises(actcli.UsageError, match="jax has no rrelu"):
        fw.variant("rrelu", "jax")


def test_unknown_framework_and_spellings():
    with pytest.raises(actcli.UsageError, match="did you mean 'torch'"):
        fw.variant("gelu", "pytorc")
    assert fw.variant("gelu", "PyTorch").framework == "torch"
    assert fw.variant("gelu", "tf.keras").framework == "tf_keras"
    with pytest.raises(actcli.UsageError, match="unknown activation"):
        fw.variant("gelo", "jax")


# facts ------------------------------------------------------------------------------------------


def test_facts_rows():
    rows = fw.facts("gelu")
    assert [r["framework"] for r in rows] == list(fw.FRAMEWORKS)
    jax = rows[3]
    assert jax["signature"] == "jax.nn.gelu(x, approximate=True)"
    assert "1.5e-4" in jax["differences"]
    rows = fw.facts("sparse_plus")
    assert [r["available"] for r in rows] == [True, False, False, True]
    assert rows[2]["differences"] == "torch has no sparse_plus (it exists in: keras, jax)"
    assert "#23425" in fw.facts("sparsemax")[0]["bugs"]
    assert "NaN" in fw.facts("silu")[2]["bugs"]
    assert "NaN" in fw.facts("softmax")[3]["bugs"]
    assert "hardswish'(-3) = 0" in fw.facts("hardswish")[2]["derivative_at_kinks"]


# diff -------------------------------------------------------------------------------------------


def _row(rows, a, b):
    return next(r for r in rows if {r["a"], r["b"]} == {a, b})


def test_diff_gelu_exact_vs_tanh():
    mp.prec = 100
    one = mpmath.mpf(1)
    exact = one * mpmath.ncdf(one)
    tanh_form = 0.5 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (1 + mpmath.mpf("0.044715"))))
    row = _row(fw.diff("gelu", [1.0]), "keras", "jax")
    assert row["max_abs"] == pytest.approx(float(exact - tanh_form), rel=1e-9)  # 1.5275e-4
    assert row["max_abs"] == pytest.approx(1.5e-4, rel=0.05)
    assert "approximate=False (keras) vs approximate=True (jax)" in row["cause"]
    assert row["cause"].startswith("defaults")
    full = _row(fw.diff("gelu"), "keras", "jax")
    assert full["max_abs"] > row["max_abs"]  # larger away from 1
    assert (
        full["max_rel"] > 0.1 and full["x_max_rel"] < -3
    )  # and much larger, relatively, in the left tail
    assert _row(fw.diff("gelu"), "keras", "torch")["cause"] == "same"


def test_diff_leaky_relu_names_the_slopes():
    rows = fw.diff("leaky_relu")
    r = _row(rows, "keras", "torch")
    assert r["cause"] == "defaults: negative_slope=0.2 (keras) vs negative_slope=0.01 (torch)"
    assert r["max_abs"] == pytest.approx(0.19 * 4, rel=1e-12) and r["x_max_abs"] == -4.0
    assert _row(rows, "torch", "jax")["cause"] == "same"
    r = _row(fw.diff("layers.LeakyReLU"), "tf_keras", "torch")
    assert "alpha=0.3 (tf_keras)" in r["cause"] and "negative_slope=0.01 (torch)" in r["cause"]


def test_diff_formula_and_convention_causes():
    r = _row(fw.diff("hard_sigmoid"), "keras", "tf_keras")
    assert r["cause"].startswith("formula: tf_keras: 0.2 * x + 0.5")
    assert r["max_abs"] == pytest.approx(1 / 12, rel=1e-12)
    r = _row(fw.diff("softplus"), "keras", "torch")
    assert r["cause"].startswith("formula") and r["max_abs"] == pytest.approx(2.06e-9, rel=1e-2)
    r = _row(fw.diff("selu", derivative=True), "tf_keras", "torch")
    assert r["x_max_abs"] == 0.0 and r["cause"].startswith("convention at kinks: tf_keras")
    assert _row(fw.diff("selu"), "tf_keras", "torch")["cause"] == "same"


def test_diff_params_and_skips():
    res = fw.evaluate("relu", [1.0, 7.0], {"max_value": 6.0})
    assert set(res["values"]) == {"keras", "tf_keras"}
    assert ("torch", "torch.relu has no parameter max_value") in res["skipped"]
    rows = fw.diff("leaky_relu", params={"negative_slope": 0.1})
    assert all(r["cause"] == "same" for r in rows if "tf_keras" not in (r["a"], r["b"]))
    # tf.nn.leaky_relu takes its slope as a float32, also for float64 input (run on TF 2.21).
    assert all(r["max_rel"] < 2e-8 for r in rows)


def test_diff_axiswise():
    rows = fw.diff("softmax", np.linspace(-3, 3, 11))
    assert {(r["a"], r["b"]) for r in rows} >= {("keras", "torch"), ("keras", "tf_keras")}
    assert all(r["cause"] == "same" for r in rows)


def test_porting_doc_is_current():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_porting.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# The public API: like= and framework names through actcli.get ----------------------------------


@pytest.mark.parametrize(
    ("name", "like", "x", "want"),
    [
        ("gelu", "jax", 1.0, 0.8411920),  # frameworks.md: tanh form at 1
        ("gelu", "torch", 1.0, 0.8413447),
        ("gelu", None, 1.0, 0.8413447),
        ("hard_sigmoid", "tf_keras", 1.0, 0.7),  # Keras 2
        ("hard_sigmoid", "keras", 1.0, 2 / 3),
        ("leaky_relu", "torch", -1.0, -0.01),
        ("leaky_relu", "pytorch", -1.0, -0.01),
        ("leaky_relu", "jax", -1.0, -0.01),
        ("layers.LeakyReLU", "tf_keras", -1.0, -0.3),
        ("hardswish", None, 1.0, 2 / 3),  # x (x + 3) / 6
    ],
)
def test_get_like_reproduces_documented_numbers(name, like, x, want):
    assert actcli.get(name, like=like)(x) == pytest.approx(want, abs=5e-8)


def test_get_framework_names_take_framework_parameters():
    # softshrink(x, lambd) = x - lambd above lambd, x + lambd below -lambd, 0 between.
    got = actcli.get("softshrink")([-1.0, 0.25, 2.0], lambd=0.5).tolist()
    assert got == [-1.0 + 0.5, 0.0, 2.0 - 0.5]
    # nn.Softplus(beta=2): log1p(exp(2 x)) / 2.
    assert actcli.get("nn.Softplus")(1.0, beta=2.0) == pytest.approx(
        math.log1p(math.exp(2.0)) / 2, rel=1e-15
    )
    assert actcli.get("softshrink")(1.0, threshold=0.25) == 0.75  # Keras's name works too
    with pytest.raises(actcli.UsageError, match="give lambd or its old name threshold, not both"):
        actcli.get("softshrink")(1.0, threshold=0.5, lambd=0.5)


def test_derivative_like_follows_the_framework_at_kinks():
    # PyTorch 2.13.0's and 2.14.1's hardswish backward, run here: 0 at -3 and 1 at 3
    # (frameworks.md 1c had -0.5 and 1.5 from an older release); JAX leaky_relu'(0) = 1.
    assert actcli.derivative("hardswish")([-3.0, 3.0]).tolist() == [0.0, 1.0]
    assert actcli.derivative("hard_silu", like="jax")([-3.0, 3.0]).tolist() == [0.0, 1.0]
    assert actcli.derivative("leaky_relu", like="jax")(0.0) == 1.0
    assert actcli.derivative("leaky_relu", like="torch")(0.0) == 0.01
    assert actcli.derivative("selu", like="tf_keras")(0.0) == pytest.approx(SELU_SCALE, rel=1e-15)
    assert actcli.derivative("selu", like="torch")(0.0) == pytest.approx(SELU_SCALE_ALPHA, 1e-15)


def test_jacobian_and_jvp_like_torch_take_dim():
    x = np.array([1.0, 2.0, 0.5])
    e = [math.exp(v) for v in x]
    s = np.array([v / sum(e) for v in e])
    want = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(actcli.jacobian("softmax", like="torch")(x, dim=0), want, rtol=1e-14)
    v = np.array([1.0, -1.0, 0.5])
    np.testing.assert_allclose(actcli.jvp("softmax", like="torch")(x, v, dim=0), want @ v, 1e-14)
    # softmin(x) = softmax(-x): the chain rule flips the Jacobian's sign.
    e = [math.exp(-t) for t in x]
    s = np.array([t / sum(e) for t in e])
    want = -(np.diag(s) - np.outer(s, s))
    np.testing.assert_allclose(actcli.jacobian("softmin")(x, dim=0), want, rtol=1e-14)


def test_spec_and_serialize_name_the_flavour():
    assert actcli.spec("hardswish").name == "torch.hardswish"
    assert actcli.spec("gelu", like="keras") is REGISTRY.specs["gelu"]
    assert actcli.serialize(actcli.get("gelu", like="jax")) == "jax.gelu"
    assert actcli.get(actcli.serialize(actcli.get("gelu", like="jax")))(1.0) == pytest.approx(
        0.8411920, abs=5e-8
    )


def test_get_like_errors():
    with pytest.raises(actcli.UsageError, match="unknown framework 'torhc'"):
        actcli.get("gelu", like="torhc")
    with pytest.raises(actcli.UsageError, match="torch has no sparse_plus"):
        actcli.get("sparse_plus", like="torch")
    with pytest.raises(actcli.UsageError, match="like= needs an activation name"):
        actcli.get({"class_name": "ReLU"}, like="torch")
    with pytest.raises(actcli.UsageError, match="did you mean 'gelu'"):
        actcli.get("gelo")  # unknown names still get the registry's suggestion
    assert actcli.get(None, like="jax")([2.5]).tolist() == [2.5]


@pytest.mark.parametrize("v", [v for v in fw.VARIANTS.values() if "/" not in v.framework], ids=vid)
def test_qualified_name_round_trips(v):
    """eval and plot evaluate a parsed spec through its name: the name must lead back to it."""
    spec = actcli.spec(v.qualname)
    assert [p.name for p in spec.params] == [p.name for p in v.as_spec().params]
    x = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0, 21.0]])
    x = shaped(v, x if v.spec.axiswise else x[0])
    params = params_for(v)
    np.testing.assert_array_equal(actcli.get(v.qualname)(x, **params), v(x, **params))


def test_import_actcli_does_not_load_frameworks():
    import subprocess
    import sys

    code = (
        "import sys, actcli; actcli.get('relu')(1.0); actcli.derivative('hard_swish')(1.0); "
        "print('actcli.frameworks' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_torch_dim_none_is_a_value():
    spec = actcli.spec("softmax", like="torch")
    assert spec.bind({"dim": "none"}) == {"dim": None}
    assert spec.bind(spec.bind({})) == {"dim": None}  # binding twice (eval, then plot) is stable
    assert spec.bind({"axis": "1"}) == {"dim": 1}
    with pytest.raises(actcli.UsageError, match="dim must be an integer or None"):
        spec.bind({"dim": "0.5"})


def test_evaluate_accepts_any_framework_parameter_name():
    res = fw.evaluate("soft_shrink", [-1.0, 1.0], {"lambd": 0.25})  # torch's name, given to Keras
    assert set(res["values"]) == {"keras", "torch"}
    for y in res["values"].values():
        assert y.tolist() == [-0.75, 0.75]
    res = fw.evaluate("relu", [-1.0], {"alpha": 0.5})  # tf.keras's name and Keras's old one
    assert res["values"]["keras"].tolist() == [-0.5] == res["values"]["tf_keras"].tolist()
    with pytest.raises(actcli.UsageError, match="name the same parameter"):
        fw.evaluate("soft_shrink", [1.0], {"lambd": 0.25, "threshold": 0.5})


def test_diff_reports_the_first_worst_x():
    # The slopes' ratio is the same for every x < 0: report the first, not a rounding accident.
    r = _row(fw.diff("leaky_relu"), "keras", "torch")
    assert r["x_max_rel"] == -4.0 and r["max_rel"] == pytest.approx(0.19 / 0.2, rel=1e-12)


# Parameter rounding (issue 14, item 2; values from PyTorch 2.13.0 and 2.14.1, TF 2.21, run here) -


def test_float32_input_meets_a_float32_threshold():
    x = np.float32([0.3, -0.3, 1.0])
    # float32(0.3) = 0.30000001192... is above the double 0.3, but equal to the float32 lambd.
    np.testing.assert_array_equal(fw.variant("hardshrink")(x, lambd=0.3), [0.0, -0.0, 1.0])
    np.testing.assert_array_equal(fw.variant("hardshrink").derivative(x, lambd=0.3), [0, 0, 1])
    # softshrink subtracts 0.3f: 1 - 0.30000001192092896, rounded to float32.
    got = fw.variant("softshrink")(x, lambd=0.3)
    assert got.dtype == np.float32 and got[2] == np.float32(1.0 - float(np.float32(0.3)))
    # float64 input keeps the double threshold.
    assert fw.variant("hardshrink")(np.float64(0.30000000000000004), lambd=0.3) != 0
    # Keras 3's plain flavour is the registry: exact whatever the dtype.
    assert fw.variant("hard_shrink", "keras")(np.float32(0.3), threshold=0.3) == np.float32(0.3)
    assert fw.variant("hard_shrink", "keras/jax")(np.float32(0.3), threshold=0.3) == 0


def test_tensorflow_rounds_the_leaky_slope_for_float64_too():
    relu = fw.variant("relu", "tf_keras")
    assert relu(np.float64(-2.0), alpha=0.1) == -0.20000000298023224  # issue 14
    # with a threshold TF computes slope * relu(threshold - x) in float64: no rounding
    assert relu(np.float64(-2.0), alpha=0.1, threshold=1.0) == pytest.approx(-0.3, rel=1e-15)
    assert fw.variant("leaky_relu", "keras/tensorflow")(np.float64(-2.0), negative_slope=0.1) == (
        -0.20000000298023224
    )
    assert fw.variant("leaky_relu", "keras/jax")(np.float64(-2.0), negative_slope=0.1) == -0.2


@pytest.mark.parametrize(
    ("like", "x", "want"),
    [  # Keras 3.15.1 relu(negative_slope=0.1, max_value=6, threshold=1)' per backend, run here
        ("keras/jax", 1.0, 0.0),
        ("keras/jax", 6.0, 0.5),
        ("keras/torch", 1.0, 0.0),
        ("keras/torch", 6.0, 0.5),  # PyTorch 2.14.1 (2.13.0 gave 1: its clip passed the bounds)
        ("keras/tensorflow", 6.0, 1.0),
        ("tf_keras", 1.0, 0.0),
        ("keras", 1.0, 0.1),  # actcli's own rule
    ],
)
def test_relu_kinks_per_backend(like, x, want):
    v = fw.variant("relu", like)
    params = v.from_actcli({"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0})[0]
    assert v.derivative(np.float64(x), **params) == want


# Names (issue 14, item 4) ------------------------------------------------------------------------


def test_softmax2d_is_softmax_over_the_channels():
    x = np.random.default_rng(5).normal(size=(2, 3, 4, 5))
    got = actcli.get("torch.nn.Softmax2d")(x)
    e = np.exp(x - x.max(axis=-3, keepdims=True))  # values of order 1: the plain formula is fine
    np.testing.assert_allclose(got, e / e.sum(axis=-3, keepdims=True), rtol=1e-14)
    assert actcli.jacobian("nn.Softmax2d")(x[0]).shape == (4, 5, 3, 3)
    with pytest.raises(actcli.UsageError, match="needs 3-D"):
        actcli.get("nn.Softmax2d")(x[0, 0])


def test_functional_prelu_takes_a_weight_per_channel_along_dim_1():
    x = np.array([[[-1.0, 2.0], [-1.0, -4.0]]])  # (N=1, C=2, L=2)
    got = actcli.get("F.prelu")(x, weight=[0.1, 0.5])
    np.testing.assert_array_equal(got, [[[-0.1, 2.0], [-0.5, -2.0]]])
    assert actcli.get("torch.nn.functional.prelu")(np.array([-2.0]), weight=0.25) == [-0.5]
    with pytest.raises(actcli.UsageError, match="weight is required|parameter weight"):
        actcli.get("F.prelu")(x)
    with pytest.raises(actcli.UsageError, match="2 channels"):
        actcli.get("F.prelu")(x, weight=[0.1, 0.2, 0.3])


def test_gumbel_softmax_is_not_supported_and_says_why():
    for name in ("gumbel_softmax", "F.gumbel_softmax", "torch.nn.functional.gumbel_softmax"):
        with pytest.raises(actcli.UsageError, match="not supported: it is random"):
            actcli.get(name)


def test_log1mexp_is_jaxs_only():
    assert fw.variant("log1mexp").framework == "jax"  # the framework it comes from
    assert actcli.spec("jax.nn.log1mexp").name == "jax.log1mexp"
    with pytest.raises(actcli.UsageError, match="torch has no log1mexp"):
        actcli.get("log1mexp", like="torch")
