"""The registry: lookup (names, aliases, case, Keras configs), serialization, parameter binding and
validation, and the core's import hygiene."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import actcli
from actcli.registry import REGISTRY

SPECS = list(REGISTRY.specs.values())


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("relu", "relu"),
        ("RELU", "relu"),
        ("  Relu ", "relu"),
        ("Swish", "silu"),
        ("swish", "silu"),
        ("hard_swish", "hard_silu"),
        ("HARD_SWISH", "hard_silu"),
        ("hard-silu", "hard_silu"),
        ("hard-swish", "hard_silu"),
        ("Gelu", "gelu"),
        ("LeakyReLU", "layers.LeakyReLU"),
        ("leakyrelu", "layers.LeakyReLU"),
        ("PReLU", "layers.PReLU"),
        ("ThresholdedReLU", "layers.ThresholdedReLU"),
        ("layers.relu", "layers.ReLU"),
        ("log-softmax", "log_softmax"),
    ],
)
def test_lookup(name, canonical):
    assert actcli.get(name).spec.name == canonical
    assert actcli.spec(name).name == canonical
    assert actcli.serialize(actcli.get(name)) == canonical
    assert actcli.serialize(name) == canonical


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_name_and_alias_resolves(spec):
    for name in (spec.name, *spec.aliases):
        for variant in (name, name.upper(), name.lower(), name.replace("_", "-")):
            assert actcli.get(variant).spec is spec, variant
    assert actcli.serialize(actcli.get(spec.name)) == spec.name
    assert spec.name in actcli.names()


def test_names_are_the_registry():
    assert actcli.names() == list(REGISTRY.specs)
    assert len(set(actcli.names())) == len(actcli.names())
    all_names = REGISTRY.all_names()
    assert set(actcli.names()) <= set(all_names)
    keys = [n.casefold().replace("-", "_") for n in all_names]
    assert len(keys) == len(set(keys)), "a name or alias is given twice"


def test_none_is_linear_and_callables_pass_through():
    f = actcli.get(None)
    assert f.spec.name == "linear"
    np.testing.assert_array_equal(f(np.array([-2.0, 3.5])), [-2.0, 3.5])

    def mine(x):
        return x

    assert actcli.get(mine) is mine
    relu = actcli.get("relu")
    assert actcli.get(relu) is relu


@pytest.mark.parametrize("bad", [123, 1.5, b"relu", ["relu"], object()])
def test_uninterpretable_identifiers(bad):
    with pytest.raises(actcli.UsageError):
        actcli.get(bad)


def test_unknown_name_suggests():
    with pytest.raises(actcli.UsageError) as exc:
        actcli.get("gelo")
    assert "did you mean 'gelu'" in str(exc.value)
    assert exc.value.exit_code == 2
    assert isinstance(exc.value, ValueError)
    with pytest.raises(actcli.UsageError) as exc:
        actcli.get("sigmoidd")
    assert "sigmoid" in str(exc.value)
    with pytest.raises(actcli.UsageError) as exc:
        actcli.get("zzzzzz")
    assert "zzzzzz" in str(exc.value)
    with pytest.raises(actcli.UsageError):
        actcli.get("")


# --------------------------------------------------------------------------------------------
# Keras config dicts


def test_keras_function_config():
    cfg = {
        "module": "keras.activations",
        "class_name": "function",
        "config": "relu",
        "registered_name": "function",
    }
    f = actcli.get(cfg)
    assert f.spec.name == "relu"
    np.testing.assert_array_equal(f(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert actcli.serialize(f) == "relu"
    assert actcli.spec(cfg).name == "relu"
    cfg = {
        "module": "keras.activations",
        "class_name": "function",
        "config": "swish",
        "registered_name": "function",
    }
    assert actcli.get(cfg).spec.name == "silu"
    assert actcli.derivative(cfg).spec.name == "silu"


@pytest.mark.parametrize(
    ("cfg", "canonical", "x", "want"),
    [
        (
            {
                "module": "keras.layers",
                "class_name": "LeakyReLU",
                "config": {"negative_slope": 0.1, "name": "x", "trainable": True},
            },
            "layers.LeakyReLU",
            [-2.0, 3.0],
            [-0.2, 3.0],
        ),
        (  # Keras 2 spelling of the slope
            {
                "class_name": "LeakyReLU",
                "config": {"alpha": 0.5, "name": "leaky", "trainable": True, "dtype": "float32"},
            },
            "layers.LeakyReLU",
            [-2.0, 3.0],
            [-1.0, 3.0],
        ),
        (
            {
                "module": "keras.layers",
                "class_name": "ReLU",
                "config": {
                    "max_value": 6.0,
                    "negative_slope": 0.0,
                    "threshold": 0.0,
                    "name": "re_lu",
                    "trainable": True,
                },
            },
            "layers.ReLU",
            [-2.0, 3.0, 7.0],
            [0.0, 3.0, 6.0],
        ),
        (
            {
                "module": "keras.layers",
                "class_name": "ELU",
                "config": {"alpha": 0.5, "name": "elu"},
            },
            "layers.ELU",
            [0.0, 2.0],
            [0.0, 2.0],
        ),
        (
            {
                "module": "keras.layers",
                "class_name": "ThresholdedReLU",
                "config": {"theta": 2.0, "name": "t"},
            },
            "layers.ThresholdedReLU",
            [1.5, 2.5],
            [0.0, 2.5],
        ),
    ],
)
def test_keras_layer_config_binds_params(cfg, canonical, x, want):
    f = actcli.get(cfg)
    assert f.spec.name == canonical
    np.testing.assert_allclose(f(np.array(x)), want, rtol=1e-15)
    assert "name" not in f.bound and "trainable" not in f.bound


def test_keras_softmax_layer_config():
    f = actcli.get(
        {"module": "keras.layers", "class_name": "Softmax", "config": {"axis": 0, "name": "s"}}
    )
    assert f.spec.name == "layers.Softmax"
    x = np.array([[0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(f(x), [[0.5, 0.5], [0.5, 0.5]])


def test_bad_layer_config_fails_at_lookup():
    with pytest.raises(actcli.UsageError) as exc:
        actcli.get({"module": "keras.layers", "class_name": "ReLU", "config": {"max_value": -1.0}})
    assert "max_value" in str(exc.value)
    with pytest.raises(actcli.UsageError):
        actcli.get({"module": "keras.activations", "class_name": "function", "config": "gelo"})
    with pytest.raises(actcli.UsageError):
        actcli.get({"module": "keras.activations", "class_name": "function", "config": {"x": 1}})


@pytest.mark.parametrize(
    "cfg",
    [
        {"module": "os", "class_name": "system", "config": "ls"},
        {"module": "os", "class_name": "function", "config": "system"},
        {"module": "subprocess", "class_name": "run", "config": {"args": ["ls"]}},
        {"module": "builtins", "class_name": "function", "config": "eval"},
        {"module": "builtins", "class_name": "eval", "config": "__import__('os').system('ls')"},
        {"module": "importlib", "class_name": "import_module", "config": "os"},
    ],
)
def test_config_never_imports_or_calls(cfg, monkeypatch):
    called = []
    monkeypatch.setattr(os, "system", lambda *a, **k: called.append(a))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: called.append(a))
    import importlib

    real_import_module = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda *a, **k: called.append(a) or real_import_module(*a, **k)
    )
    before = set(sys.modules)
    with pytest.raises(actcli.UsageError):
        actcli.get(cfg)
    assert not called
    assert set(sys.modules) == before


# --------------------------------------------------------------------------------------------
# Parameters


def _usage_error(fn, *args, **kw) -> str:
    with pytest.raises(actcli.UsageError) as exc:
        fn(*args, **kw)
    assert exc.value.exit_code == 2
    return str(exc.value)


def test_parameter_validation_names_the_parameter():
    x = np.array([1.0])
    msg = _usage_error(actcli.get("squareplus"), x, b=-1)
    assert "squareplus" in msg and "b >= 0" in msg and "b=-1" in msg
    msg = _usage_error(actcli.get("relu"), x, max_value=-1)
    assert "max_value" in msg
    msg = _usage_error(actcli.get("celu"), x, alpha=0)
    assert "alpha" in msg and "celu" in msg
    msg = _usage_error(actcli.get("celu"), x, alpha=-2.0)
    assert "alpha" in msg
    msg = _usage_error(actcli.get("relu"), x, alpha=0.1, negative_slope=0.2)
    assert "alpha" in msg and "negative_slope" in msg
    msg = _usage_error(actcli.get("relu"), x, slope=0.1)
    assert "slope" in msg
    msg = _usage_error(actcli.get("sigmoid"), x, alpha=1.0)
    assert "alpha" in msg
    msg = _usage_error(actcli.get("threshold"), x)
    assert "threshold" in msg or "default_value" in msg
    msg = _usage_error(actcli.get("threshold"), x, threshold=0.5)
    assert "default_value" in msg
    msg = _usage_error(actcli.get("threshold"), x, default_value=0.5)
    assert "threshold" in msg
    msg = _usage_error(actcli.get("hard_shrink"), x, threshold=-0.1)
    assert "threshold" in msg
    msg = _usage_error(actcli.get("soft_shrink"), x, threshold=-0.1)
    assert "threshold" in msg
    msg = _usage_error(actcli.get("layers.ThresholdedReLU"), x, theta=-1.0)
    assert "theta" in msg
    msg = _usage_error(actcli.get("layers.LeakyReLU"), x, negative_slope=-0.1)
    assert "negative_slope" in msg
    msg = _usage_error(actcli.get("relu"), x, threshold=float("nan"))
    assert "threshold" in msg
    msg = _usage_error(actcli.get("gelu"), x, approximate="maybe")
    assert "approximate" in msg
    msg = _usage_error(actcli.get("squareplus"), x, b="four")
    assert "b" in msg
    # the derivative validates the same way
    msg = _usage_error(actcli.derivative("squareplus"), x, b=-1)
    assert "b >= 0" in msg


def test_tf_keras_alpha_is_relus_slope():
    x = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(actcli.get("relu")(x, alpha=0.5), [-1.0, 3.0])
    np.testing.assert_array_equal(actcli.derivative("relu")(x, alpha=0.5), [0.5, 1.0])
    np.testing.assert_array_equal(actcli.get("layers.LeakyReLU")(x, alpha=0.5), [-1.0, 3.0])


def test_bind_fills_defaults_and_accepts_cli_text():
    spec = actcli.spec("relu")
    assert spec.bind({}) == {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}
    assert spec.bind({"alpha": "0.5", "max_value": "none"}) == {
        "negative_slope": 0.5,
        "max_value": None,
        "threshold": 0.0,
    }
    assert actcli.spec("gelu").bind({"approximate": "true"}) == {"approximate": True}
    assert actcli.spec("squareplus").bind({})["b"] == 4.0
    assert actcli.spec("layers.LeakyReLU").bind({})["negative_slope"] == 0.3
    assert actcli.spec("leaky_relu").bind({})["negative_slope"] == 0.2
    assert actcli.spec("layers.ThresholdedReLU").bind({})["theta"] == 1.0


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_is_complete(spec):
    """Everything the CLI, help and plots are generated from is there."""
    assert spec.formula and spec.description and spec.origin
    assert callable(spec.fn) and callable(spec.prime)
    if spec.axiswise:
        assert callable(spec.jacobian) and callable(spec.jvp)
    lo, hi = spec.bounds
    assert lo <= hi and spec.plot_xlim[0] < spec.plot_xlim[1]
    for p in spec.params:
        assert p.help, f"{spec.name}: parameter {p.name} has no help"
    assert spec.signature().startswith(spec.name + "(x")


def test_views_of_elementwise_and_axiswise():
    with pytest.raises(actcli.UsageError):
        actcli.jacobian("relu")
    with pytest.raises(actcli.UsageError):
        actcli.jvp("gelu")
    assert actcli.jacobian("softmax")(np.array([0.0, 0.0])).shape == (2, 2)
    assert actcli.derivative("hard_swish").spec.name == "hard_silu"


# --------------------------------------------------------------------------------------------
# Import hygiene: the core never loads the CLI / plotting stack or scipy for relu.

_HEAVY = ("click", "rich", "matplotlib", "scipy")


def test_core_imports_nothing_heavy():
    code = textwrap.dedent(
        f"""
        import sys
        heavy = {_HEAVY!r}
        import actcli
        after_import = [m for m in heavy if m in sys.modules]
        import numpy as np
        actcli.get("relu")(np.array([-1.0, 2.0]))
        actcli.derivative("relu")(np.array([-1.0, 2.0]))
        actcli.get("relu")([1.0], negative_slope=0.1, max_value=6, threshold=0.5)
        after_relu = [m for m in heavy if m in sys.modules]
        print(after_import, after_relu)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] []", out.stdout


# Keras 3 parity: tuple axes, positional parameters, get identity (issue 14) -------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_tuple_of_axes_is_one_vector(name):
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    import oracle

    x = np.random.default_rng(3).normal(size=(2, 3, 4)) * 3
    f = actcli.get(name)
    got = f(x, axis=(1, 2))
    for i in range(2):
        want = getattr(oracle, name)(x[i].ravel().tolist())
        flat = got[i].ravel()
        for g, w in zip(flat, want, strict=True):
            assert oracle.ulp_error(g, w, np.float64) <= 8, (i, g, w)
    np.testing.assert_array_equal(f(x, axis=(2, 1)), got)  # order does not matter
    np.testing.assert_array_equal(f(x, axis=(-1,)), f(x, axis=-1))
    np.testing.assert_array_equal(f(x, axis="1,2"), got)  # the CLI's spelling
    assert actcli.jacobian(name)(x, axis=(1, 2)).shape == (2, 12, 12)
    with pytest.raises(actcli.UsageError, match="out of range"):
        f(x, axis=(1, 3))
    with pytest.raises(actcli.UsageError, match="repeats an axis"):
        f(x, axis=(1, -2))


def test_parameters_by_position_as_keras_takes_them():
    x = np.array([-1.0, 0.25, 2.0])
    threshold = actcli.get("threshold")
    np.testing.assert_array_equal(threshold(x, 0.5, -3.0), [-3.0, -3.0, 2.0])
    relu = actcli.get("relu")
    np.testing.assert_array_equal(relu(x, 0.5, 1.0), [-0.5, 0.25, 1.0])  # slope, max_value
    with pytest.raises(actcli.UsageError, match="takes 3 parameter"):
        relu(x, 0.1, 1.0, 0.0, 7.0)
    with pytest.raises(actcli.UsageError, match="negative_slope is given twice"):
        relu(x, 0.1, negative_slope=0.2)
    v = np.array([1.0, 0.0, 0.0])
    np.testing.assert_array_equal(
        actcli.jvp("softmax")(x, v, -1), actcli.jvp("softmax")(x, v, axis=-1)
    )


def test_get_returns_the_same_object_each_time():
    assert actcli.get("relu") is actcli.get("relu")
    assert actcli.get("RELU") is actcli.get("relu")
    assert actcli.get("swish") is actcli.get("silu")
    assert actcli.get(None) is actcli.get("linear")
    assert actcli.get("gelu", like="jax") is actcli.get("gelu", like="jax")
    assert actcli.get("hardswish") is actcli.get("hardswish")
