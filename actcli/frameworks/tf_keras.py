"""tf.keras / Keras 2 (``tf_keras.activations``, ``tf_keras.layers``): its table, kernels and
known problems.

Facts from tf_keras/activations.py, tf_keras/backend.py and TensorFlow's kernels; checked against
the release in ``FRAMEWORK.version`` by scripts/conformance.py.
"""

from __future__ import annotations

import functools

import numpy as np

from actcli.core import rectifiers
from actcli.core._array import elementwise
from actcli.errors import UsageError
from actcli.registry import REGISTRY
from actcli.spec_types import Spec

from ._variant import Framework, Variant, at_points, leaky_path, make, relu_kinks

FRAMEWORK = Framework(
    name="tf_keras",
    title="tf.keras (Keras 2)",
    prefix="tf_keras.activations.",
    source="tf_keras/activations.py, tf_keras/backend.py",
    version="2.21.0",
)
# The TensorFlow release under tf_keras (and under Keras 3's tensorflow backend) when checked.
TENSORFLOW_VERSION = "2.21.0"
SPELLINGS = ("tf_keras", "tf.keras", "tfkeras", "keras2", "keras_2", "tf", "tensorflow")
_make = functools.partial(make, FRAMEWORK)

# TensorFlow's autograd at the kinks of relu: 0 at the threshold, 1 at max_value (clip_by_value
# passes the gradient at its bounds); relu's leaky path is tf.nn.leaky_relu, whose slope is a
# float32 attribute even for float64 tensors (relu(x, alpha=0.1) at -2 gives -0.20000000298...).
_RELU_RULES = {
    "prime_rule": relu_kinks(leaky_at_zero=None, at_max=1.0),
    "always_when": leaky_path,
}


@elementwise
def tf_selu_prime(x):
    """TensorFlow SeluGrad: scale where selu(x) >= 0, so scale (not scale * alpha) at 0."""
    neg = rectifiers._SELU_SCALE_ALPHA * np.exp(np.minimum(x, 0.0))
    return np.where(x >= 0, rectifiers.SELU_SCALE, neg)


def _tf_keras_rowwise(spec: Spec):
    """tf_keras softmax: rejects 1-D input (tf_keras/backend.py), otherwise Keras's softmax."""

    def check(x):
        if np.ndim(x) <= 1:
            raise UsageError(
                f"tf_keras.{spec.name} rejects 1-D input ('Cannot apply softmax to a tensor that "
                "is 1D', tf_keras/backend.py): give rows, e.g. shape (1, n)"
            )

    def fn(x, axis=-1):
        check(x)
        return spec.fn(x, axis=axis)

    def prime(x, axis=-1):
        check(x)
        return spec.prime(x, axis=axis)

    def jacobian(x, axis=-1):
        check(x)
        return spec.jacobian(x, axis=axis)

    def jvp(x, v, axis=-1):
        check(x)
        return spec.jvp(x, v, axis=axis)

    return fn, prime, jacobian, jvp


# The table ---------------------------------------------------------------------------------------


def variants() -> list[Variant]:
    softmax_fn, softmax_prime, softmax_jac, softmax_jvp = _tf_keras_rowwise(
        REGISTRY.specs["softmax"]
    )
    layer_softmax = _tf_keras_rowwise(REGISTRY.specs["layers.Softmax"])
    return [
        _make(
            "relu",
            rename={"alpha": "negative_slope"},
            **_RELU_RULES,
            always_float32=("alpha",),
            kink_rule=(
                "relu'(threshold) = 0, relu'(max_value) = 1 (clip_by_value), relu'(0) with alpha "
                "and no threshold or max_value: alpha (tf.nn.leaky_relu)"
            ),
            differences=(
                "The slope is called alpha (Keras 3: negative_slope); same algorithm. Without a "
                "threshold or max_value it is tf.nn.leaky_relu, which rounds alpha to float32 "
                "even for float64 input."
            ),
            bugs=(
                "With threshold != 0 it computes x * (x > threshold): -0.0 below the "
                "threshold and NaN at x = -inf (tf_keras/backend.py relu)."
            ),
        ),
        _make(
            "layers.LeakyReLU",
            "layers.LeakyReLU",
            rename={"alpha": "negative_slope"},
            rules={"alpha": ""},
            always_float32=("alpha",),
            prefix="tf_keras.",
            differences=(
                "tf.keras has no leaky_relu function: the LeakyReLU layer's alpha "
                "defaults to 0.3 (Keras 3 function: 0.2; PyTorch and JAX: 0.01); "
                "relu(x, alpha=a) calls tf.nn.leaky_relu."
            ),
            bugs=(
                "Negative alpha is accepted (only None is rejected: tensorflow/tensorflow #61257)."
            ),
            source="tf_keras/layers/activation/leaky_relu.py",
        ),
        _make("elu", kink_rule="elu'(0) = alpha (tf.where(x > 0, elu, alpha * elu) on EluGrad)"),
        _make(
            "selu",
            prime=tf_selu_prime,
            kink_rule="selu'(0) = scale = 1.0507 (TensorFlow's SeluGrad; PyTorch and JAX: 1.7581)",
            differences="Derivative at 0 is scale (1.0507), not scale * alpha (1.7581).",
            source="tf_keras/activations.py (tf.nn.selu), tensorflow relu_op_functor.h",
        ),
        _make("softplus"),
        _make("softsign"),
        _make("silu", "swish", differences="Called swish (tf.nn.silu); Keras 3 has both names."),
        _make("gelu", differences="Exact by default (tf.nn.gelu), like Keras 3."),
        _make("tanh"),
        _make("sigmoid"),
        _make("exponential"),
        _make(
            "hard_sigmoid_keras2",
            "hard_sigmoid",
            formula="clip(0.2 * x + 0.5, 0, 1)",
            formula_note=(
                "0.2 * x + 0.5 clipped to [0, 1] (saturates at +-2.5; Keras 3: x / 6 + 0.5 at +-3)"
            ),
            differences=(
                "Keras 2's formula 0.2 * x + 0.5 (zero below -2.5, one above 2.5); "
                "Keras 3 changed it to x / 6 + 0.5 on [-3, 3]: x = 1 gives 0.7 vs "
                "0.6667 (tensorflow/tensorflow #65381, keras-team/keras PR #19477)."
            ),
            prime_rule=at_points((-2.5, 2.5), 0.2),
            kink_rule="hard_sigmoid'(+-2.5) = 0.2 (clip_by_value passes the gradient at its ends)",
        ),
        _make("linear"),
        _make("mish"),
        _make(
            "softmax",
            fn=softmax_fn,
            prime=softmax_prime,
            jacobian=softmax_jac,
            jvp=softmax_jvp,
            differences="Raises ValueError on 1-D input (tf_keras/backend.py softmax).",
            bugs="1-D input is rejected instead of treated as one vector.",
        ),
        _make(
            "layers.ReLU",
            "layers.ReLU",
            prefix="tf_keras.",
            **_RELU_RULES,
            always_float32=("negative_slope",),
            kink_rule="ReLU'(threshold) = 0, ReLU'(max_value) = 1 (as relu)",
            source="tf_keras/layers/activation/relu.py",
        ),
        _make(
            "layers.PReLU",
            "layers.PReLU",
            prefix="tf_keras.",
            prime_rule=at_points((0.0,), 0.0),
            kink_rule="PReLU'(0) = 0 (its autograd takes the positive side)",
            differences="Slopes start at zeros (PyTorch: 0.25).",
            source="tf_keras/layers/activation/prelu.py",
        ),
        _make(
            "layers.ELU",
            "layers.ELU",
            prefix="tf_keras.",
            source="tf_keras/layers/activation/elu.py",
        ),
        _make(
            "layers.ThresholdedReLU",
            "layers.ThresholdedReLU",
            prefix="tf_keras.",
            differences="Removed in Keras 3 (relu(x, threshold=theta) is the same).",
            source="tf_keras/layers/activation/thresholded_relu.py",
        ),
        _make(
            "layers.Softmax",
            "layers.Softmax",
            prefix="tf_keras.",
            fn=layer_softmax[0],
            prime=layer_softmax[1],
            jacobian=layer_softmax[2],
            jvp=layer_softmax[3],
            differences="Has robust_masking=False; 1-D input is rejected.",
            source="tf_keras/layers/activation/softmax.py",
        ),
    ]


# Why tf.keras lacks a function, and what to use instead: form -> hint.
HINTS = {
    "relu6": "use relu(x, max_value=6)",
    "softmin": "use softmax(-x)",
    "rrelu": "in eval mode it is leaky_relu with slope (lower + upper) / 2",
    "threshold": "the ThresholdedReLU layer is threshold(x, theta, 0)",
}

# tf.keras spellings that are not registry names: (alias, form).
ALIASES: tuple[tuple[str, str], ...] = ()
