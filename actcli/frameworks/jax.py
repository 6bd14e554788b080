"""JAX (``jax.nn``): its table, kernels and known problems.

Facts from jax/_src/nn/functions.py; checked against the release in ``FRAMEWORK.version`` by
scripts/conformance.py.
"""

from __future__ import annotations

import functools

import numpy as np

from actcli.core._array import elementwise

from ._variant import Framework, Variant, make

FRAMEWORK = Framework(
    name="jax",
    title="JAX",
    prefix="jax.nn.",
    source="jax/_src/nn/functions.py",
    version="0.10.2",
)
SPELLINGS = ("jax", "jax.nn")
_make = functools.partial(make, FRAMEWORK)
_RELU_DEFAULTS = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}


@elementwise
def jax_leaky_relu_prime(x, negative_slope=0.01):
    """JAX differentiates where(x >= 0, x, slope * x): 1 at 0."""
    return np.where(x >= 0, 1.0, negative_slope)


@elementwise
def jax_hard_tanh_prime(x):
    """JAX differentiates where(x > 1, 1, where(x < -1, -1, x)): 1 at +-1."""
    return np.where((x >= -1) & (x <= 1), 1.0, 0.0)


@elementwise
def jax_sparse_sigmoid_prime(x):
    """JAX: 0.5 * clip(x + 1, 0, 2); clip is max/min, whose JVP splits ties in half: 0.25 at +-1."""
    inside = np.where((x > -1) & (x < 1), 0.5, 0.0)
    return np.where((x == -1) | (x == 1), 0.25, inside)


# The table ---------------------------------------------------------------------------------------


def variants() -> list[Variant]:
    return [
        _make(
            "relu",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (custom JVP; jnp.maximum alone would give 0.5)",
            differences="No parameters.",
        ),
        _make("relu6", kink_rule="relu6'(0) = relu6'(6) = 0 (custom JVP)"),
        _make(
            "leaky_relu",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            prime=jax_leaky_relu_prime,
            kink_rule="leaky_relu'(0) = 1 (where(x >= 0, ...); PyTorch and TensorFlow: the slope)",
            differences="negative_slope defaults to 0.01 (Keras 3: 0.2); its derivative at 0 is 1.",
        ),
        _make("elu"),
        _make("selu"),
        _make("celu", kink_rule="celu'(0) = 1 (jnp.maximum/minimum split the tie: 0.5 + 0.5)"),
        _make(
            "gelu",
            defaults={"approximate": True},
            formula_note="tanh approximation by default",
            differences=(
                "approximate=True by default: the tanh form, 1.5e-4 below the exact "
                "value at x = 1 (0.8411920 vs 0.8413447). Keras, tf.keras and PyTorch "
                "default to exact."
            ),
        ),
        _make("silu", bugs="x * sigmoid(x) is NaN at x = -inf (from the formula)."),
        _make("mish", bugs="x * tanh(softplus(x)) is NaN at x = -inf (from the formula)."),
        _make("softplus"),
        _make("softsign", "soft_sign", differences="Spelled soft_sign."),
        _make("sigmoid"),
        _make("hard_sigmoid", kink_rule="hard_sigmoid'(+-3) = 0 (relu6's custom JVP)"),
        _make("hard_silu", differences="Also called hard_swish."),
        _make(
            "hard_tanh",
            prime=jax_hard_tanh_prime,
            kink_rule="hard_tanh'(+-1) = 1 (where(x > 1, 1, where(x < -1, -1, x)); PyTorch: 0)",
            differences="Its derivative at +-1 is 1 (PyTorch and actcli: 0).",
        ),
        _make("tanh", signature="jax.nn.tanh(x)", differences="= jax.numpy.tanh."),
        _make(
            "exponential",
            "exp",
            signature="jax.numpy.exp(x)",
            differences="Not in jax.nn: jax.numpy.exp.",
        ),
        _make("linear", "identity", differences="Spelled identity."),
        _make("log_sigmoid"),
        _make("sparse_plus"),
        _make(
            "sparse_sigmoid",
            prime=jax_sparse_sigmoid_prime,
            kink_rule="sparse_sigmoid'(+-1) = 0.25 (0.5 * clip: clip's JVP splits ties)",
            differences="Its derivative at +-1 is 0.25 (jnp.clip splits the tie; actcli: 0).",
        ),
        _make(
            "squareplus",
            bugs=(
                "(x + sqrt(x^2 + b)) / 2 cancels for x << 0 (7.45e-09 instead of 1e-08 at "
                "x = -1e8) and overflows (inf at x = -1e200)."
            ),
        ),
        _make(
            "softmax",
            differences="axis may be a tuple of axes; where= masks entries.",
            bugs="A row containing +inf gives NaN (documented; jax-ml/jax #21495).",
        ),
        _make("log_softmax", bugs="A row containing +inf gives NaN (documented)."),
        _make("glu", bugs="Odd axis length fails an assert, not a proper error."),
    ]


# Why JAX lacks a function, and what to use instead: form -> hint.
HINTS = {
    "exponential": "use jax.numpy.exp",
    "softmin": "use softmax(-x)",
    "rrelu": "in eval mode it is leaky_relu with slope (lower + upper) / 2",
    "hard_sigmoid_keras2": "jax's hard_sigmoid is Keras 3's hard_sigmoid",
}

# JAX spellings that are not registry names: (alias, form).
ALIASES = (
    ("soft_sign", "softsign"),
    ("identity", "linear"),
)
