"""Legacy and layer forms: what people port models from (tf.keras, Keras 2, Keras layers).

Each entry says where it comes from; the math is shared with the Keras 3 functions where the
two agree, and only the defaults and the checks differ.
"""

from __future__ import annotations

import numpy as np

from actcli.spec_types import Param, Spec

from . import axiswise, rectifiers
from ._array import NATIVE_DTYPES, above, elementwise, fix_nan, times


@elementwise
def hard_sigmoid_keras2(x):
    """clip(0.2 x + 0.5, 0, 1) written as (x + 2.5) / 5: exact near x = -2.5 and one rounding."""
    return np.clip((x + 2.5) / 5.0, 0.0, 1.0)


@elementwise
def hard_sigmoid_keras2_prime(x):
    return np.multiply((x > -2.5) & (x < 2.5), 0.2, dtype=np.float64)  # where(..., 0.2, 0.0)


def _prelu_native(x, out, alpha=0.0):
    """For slopes in (0, 1]: max(x, alpha * x), as rectifiers._leaky_relu_native explains. For
    the default 0: clip(x, 0, inf), which keeps x = -0.0 as the kernel does (x >= 0 there)."""
    if x.dtype not in NATIVE_DTYPES:
        return False
    if np.ndim(alpha) == 0 and alpha == 0.0:
        np.clip(x, 0.0, np.inf, out=out)
        fix_nan(x, out)
        return True
    if not np.all((0.0 < alpha) & (alpha <= 1.0)):
        return False
    times(x, alpha, out)
    np.maximum(x, out, out=out)
    fix_nan(x, out)
    return True


@elementwise(native=_prelu_native)
def prelu(x, alpha=0.0):
    """x for x >= 0, alpha * x below; alpha may be per channel (broadcast over the last axis)."""
    below = np.where(alpha == 0.0, 0.0, alpha * x)
    return np.where(x >= 0, x, below)


@elementwise
def prelu_prime(x, alpha=0.0):
    return np.where(x > 0, 1.0, alpha)


def _thresholded_relu_native(x, out, theta=1.0):
    """x * [x > theta] gives x or a zero with the sign of x, except inf * 0 = NaN: those lanes
    (and NaN inputs) are fixed afterwards."""
    if x.dtype not in NATIVE_DTYPES:
        return False
    np.multiply(x, above(x, theta), out=out)
    if out.size and np.isnan(out.max()):  # max propagates NaN: one quick pass finds none
        nan = np.isnan(out)
        out[nan] = np.where(np.isnan(x[nan]), x[nan].astype(np.float64), np.copysign(0.0, x[nan]))
    return True


@elementwise(native=_thresholded_relu_native)
def thresholded_relu(x, theta=1.0):
    """x for x > theta, else a zero with the sign of x (tf.keras computes x * (x > theta))."""
    return np.where(x > theta, x, np.copysign(0.0, x))


@elementwise
def thresholded_relu_prime(x, theta=1.0):
    return np.multiply(x > theta, 1.0, dtype=np.float64)  # where(x > theta, 1.0, 0.0)


_RELU = rectifiers.SPECS[0]
_LEAKY = rectifiers.SPECS[1]
_ELU = next(s for s in rectifiers.SPECS if s.name == "elu")
_SOFTMAX = axiswise.SPECS[0]

SPECS = (
    Spec(
        name="hard_sigmoid_keras2",
        fn=hard_sigmoid_keras2,
        prime=hard_sigmoid_keras2_prime,
        aliases=("keras2.hard_sigmoid", "tf_keras.hard_sigmoid"),
        formula="0 for x <= -2.5, 1 for x >= 2.5, 0.2 * x + 0.5 between",
        prime_formula="0.2 for -2.5 < x < 2.5, else 0",
        description=(
            "The hard sigmoid of Keras 2 and tf.keras (tf_keras.activations.hard_sigmoid). Keras 3 "
            "changed it to x / 6 + 0.5 on [-3, 3] (hard_sigmoid): the two agree only at 0 "
            "(x = 1 gives 0.7 here and 0.6667 in Keras 3)."
        ),
        origin="tf_keras.activations.hard_sigmoid (Keras 2 / tf.keras)",
        kink_rule="hard_sigmoid_keras2'(+-2.5) = 0",
        kinks=lambda p: (-2.5, 2.5),
        monotone=True,
        bounds=(0.0, 1.0),
    ),
    Spec(
        name="layers.ReLU",
        fn=_RELU.fn,
        prime=_RELU.prime,
        aliases=("keras.layers.ReLU",),
        params=(
            Param(
                "max_value",
                None,
                "optional_float",
                "max_value >= 0",
                "saturation level (None: none)",
            ),
            Param(
                "negative_slope", 0.0, rule="negative_slope >= 0", help="slope below the threshold"
            ),
            Param(
                "threshold",
                0.0,
                rule="threshold >= 0",
                help="values at or below it are not passed through",
            ),
        ),
        formula=_RELU.formula,
        prime_formula=_RELU.prime_formula,
        description="The Keras ReLU layer: relu, with all three parameters required to be >= 0.",
        origin="keras.layers.ReLU (layer)",
        kink_rule=_RELU.kink_rule,
        kinks=_RELU.kinks,
        monotone=True,
        plot_xlim=_RELU.plot_xlim,
    ),
    Spec(
        name="layers.LeakyReLU",
        fn=_LEAKY.fn,
        prime=_LEAKY.prime,
        aliases=("LeakyReLU", "keras.layers.LeakyReLU"),
        params=(
            Param(
                "negative_slope",
                0.3,
                rule="negative_slope >= 0",
                help="slope for x < 0",
                old_names=("alpha",),
            ),
        ),
        formula=_LEAKY.formula,
        prime_formula=_LEAKY.prime_formula,
        description=(
            "The Keras LeakyReLU layer: leaky_relu with the layer's default slope 0.3 (the function's "
            "is 0.2). Keras 2 / tf.keras called the slope 'alpha'; both names are accepted."
        ),
        origin="keras.layers.LeakyReLU (layer; tf.keras LeakyReLU(alpha=0.3))",
        kink_rule=_LEAKY.kink_rule,
        kinks=_LEAKY.kinks,
        monotone=True,
        plot_xlim=_LEAKY.plot_xlim,
    ),
    Spec(
        name="layers.PReLU",
        fn=prelu,
        prime=prelu_prime,
        aliases=("PReLU", "keras.layers.PReLU"),
        params=(
            Param(
                "alpha",
                0.0,
                "float_array",
                help="the slope for x < 0: a number, or one per channel (last axis), e.g. '0.1,0.2'",
            ),
        ),
        formula="x for x >= 0, alpha * x for x < 0",
        prime_formula="1 for x > 0, alpha for x <= 0",
        description=(
            "The PReLU layer with a given (learned) slope, scalar or per channel along the last axis. "
            "An untrained Keras PReLU has alpha = 0 (relu); PyTorch initializes it to 0.25."
        ),
        reference="He et al., Delving Deep into Rectifiers (ICCV 2015)",
        origin="keras.layers.PReLU (layer)",
        kink_rule="PReLU'(0) = alpha",
        kinks=lambda p: (0.0,),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="layers.ELU",
        fn=_ELU.fn,
        prime=_ELU.prime,
        aliases=("keras.layers.ELU",),
        params=_ELU.params,
        formula=_ELU.formula,
        prime_formula=_ELU.prime_formula,
        description="The Keras ELU layer: elu with the same alpha.",
        reference=_ELU.reference,
        origin="keras.layers.ELU (layer)",
        kink_rule=_ELU.kink_rule,
        kinks=_ELU.kinks,
        plot_xlim=_ELU.plot_xlim,
    ),
    Spec(
        name="layers.ThresholdedReLU",
        fn=thresholded_relu,
        prime=thresholded_relu_prime,
        aliases=("ThresholdedReLU",),
        params=(Param("theta", 1.0, rule="theta >= 0", help="values above it pass through"),),
        formula="x for x > theta, else 0",
        prime_formula="1 for x > theta, else 0",
        description=(
            "The tf.keras ThresholdedReLU layer (removed in Keras 3; there relu(x, threshold=theta) "
            "is the same)."
        ),
        origin="tf_keras.layers.ThresholdedReLU (layer, Keras 2 / tf.keras)",
        kink_rule="ThresholdedReLU'(theta) = 0",
        kinks=lambda p: (p["theta"],),
        plot_xlim=(-2.0, 4.0),
    ),
    Spec(
        name="layers.Softmax",
        fn=_SOFTMAX.fn,
        prime=_SOFTMAX.prime,
        jacobian=_SOFTMAX.jacobian,
        jvp=_SOFTMAX.jvp,
        aliases=("keras.layers.Softmax",),
        params=_SOFTMAX.params,
        axiswise=True,
        formula=_SOFTMAX.formula,
        prime_formula=_SOFTMAX.prime_formula,
        description="The Keras Softmax layer (without a mask): softmax along axis.",
        origin="keras.layers.Softmax (layer)",
        bounds=(0.0, 1.0),
    ),
)
