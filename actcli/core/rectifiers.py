"""Rectifiers and piecewise functions: relu family, exponential linear units, hard_*, shrinks.

Kink rule (the same for every function in actcli): at a kink the derivative is the one-sided
derivative of the flat side; where neither side is flat, of the saturated or negative side.
"""

from __future__ import annotations

import math

import numpy as np

from actcli.spec_types import Param, Spec

from ._array import (
    NATIVE_DTYPES,
    PARALLEL_MIN,
    _result,
    above,
    above_half,
    as_float,
    check_out,
    elementwise,
    fix_nan,
    run_chunks,
    times,
)
from ._stable import select, two_prod

_KINK_RULE = "at a kink, the derivative of the flat (or saturated/negative) side"


def _indicator(condition, value=1.0):
    """np.where(condition, value, 0.0) as a product with the booleans (exact), without a branch."""
    return np.multiply(condition, value, dtype=np.float64)


# relu ------------------------------------------------------------------------------------------


def _relu_native(x, out, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) in the input's own dtype (exact: float32 needs no float64 round trip)."""
    if x.dtype not in NATIVE_DTYPES or (negative_slope, max_value, threshold) != (0.0, None, 0.0):
        return False
    _clip_plus_zero(x, 0.0, math.inf, out)
    return True


def _clip_plus_zero(x, lo, hi, out):
    """out = clip(x, lo, hi) + 0.0 for lo >= 0: max(x, 0) with +0.0 at -0.0. np.clip with
    finite or infinite bounds runs at memory-copy speed; np.maximum(x, 0) and np.clip(x, 0,
    None) take 1.7x as long. A float32 NaN keeps its payload and is made quiet by the + 0.0,
    as through float64, so no NaN pass is needed; float64 kernels return a NaN input's exact
    bits (signalling too), which the NaN pass restores."""
    np.clip(x, lo, hi, out=out)
    out += 0.0
    if x.dtype == np.float64:
        fix_nan(x, out)


@elementwise(native=_relu_native)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3 relu with its three parameters (see the spec for the exact rule)."""
    if threshold == 0.0 and max_value is None and negative_slope == 0.0:
        return np.maximum(x, 0.0)
    above = x if max_value is None else np.minimum(x, max_value)
    if negative_slope == 0.0:
        # Keras multiplies x by (x > threshold) when threshold != 0: -0.0 for negative x.
        below = np.copysign(0.0, x) if threshold != 0.0 else np.zeros_like(x)
    else:
        below = negative_slope * (x - threshold)
        over = np.isinf(below) & np.isfinite(x)
        if over.any():  # x - threshold overflowed although slope * (x - threshold) may not
            xo = x[over]
            below[over] = 2.0 * (negative_slope * (0.5 * xo - 0.5 * threshold))
    return select(x > threshold, above, below)


@elementwise
def relu_prime(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """1 on (threshold, max_value), 0 at and above max_value, negative_slope at and below."""
    active = x > threshold
    if max_value is not None:
        inside = select(x < max_value, 1.0, 0.0)
    else:
        inside = 1.0
    return select(active, inside, negative_slope)


def _relu_kinks(p):
    points = [p["threshold"]]
    if p["max_value"] is not None:
        points.append(p["max_value"])
    return tuple(points)


def _leaky_relu_native(x, out, negative_slope=0.2):
    """For 0 < slope <= 1: max(x, slope * x), the product in float64 rounded once to the output
    dtype. The same bits as the kernel: slope * x >= x below 0 and <= x above (rounding is
    monotone), so max picks the kernel's branch, -0.0 included."""
    if x.dtype not in NATIVE_DTYPES or not 0.0 < negative_slope <= 1.0:
        return False
    times(x, negative_slope, out)
    np.maximum(x, out, out=out)
    fix_nan(x, out)
    return True


@elementwise(native=_leaky_relu_native)
def leaky_relu(x, negative_slope=0.2):
    """x for x >= 0, negative_slope * x below (branch on the sign: max(x, a x) fails for a > 1)."""
    below = negative_slope * x if negative_slope != 0.0 else np.zeros_like(x)
    return select(x >= 0, x, below)


@elementwise
def leaky_relu_prime(x, negative_slope=0.2):
    return select(x > 0, 1.0, negative_slope)


def _relu6_native(x, out):
    if x.dtype not in NATIVE_DTYPES:
        return False
    _clip_plus_zero(x, 0.0, 6.0, out)
    return True


@elementwise(native=_relu6_native)
def relu6(x):
    return np.minimum(np.maximum(x, 0.0), 6.0)


@elementwise
def relu6_prime(x):
    return _indicator((x > 0) & (x < 6))


def _threshold_native(x, out, threshold, default_value):
    """x > threshold decided as in float64 (_array.above), default_value rounded once."""
    if x.dtype not in NATIVE_DTYPES:
        return False
    if threshold == 0.0 and default_value == 0.0 and math.copysign(1.0, default_value) > 0:
        _clip_plus_zero(x, 0.0, math.inf, out)  # the same: max(x, 0) is +0.0 at x = -0.0 too
        return True
    np.copyto(out, np.where(above(x, threshold), x, out.dtype.type(default_value)))
    fix_nan(x, out)
    return True


@elementwise(native=_threshold_native)
def threshold(x, threshold, default_value):
    return select(x > threshold, x, default_value)


@elementwise
def threshold_prime(x, threshold, default_value):
    return _indicator(x > threshold)


# exponential linear units ----------------------------------------------------------------------


def _nonpositive(x):
    """x where x <= 0, else 0: the argument for the negative branch (keeps the sign of -0.0,
    which np.minimum(x, 0) may not). As x * [x <= 0], no branch per lane; +inf gives NaN there,
    a lane every caller replaces by its x > 0 branch."""
    return np.multiply(x, x <= 0)


# SELU constants from Klambauer et al. (2017), as printed in the Keras documentation.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# scale * alpha rounded once (1.7580993408473768599402175208123...), not the product of roundings.
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


@elementwise
def elu(x, alpha=1.0):
    """x for x > 0, alpha * expm1(x) otherwise; expm1 sees only x <= 0 so it never overflows."""
    return select(x > 0, x, alpha * np.expm1(_nonpositive(x)))


@elementwise
def elu_prime(x, alpha=1.0):
    return select(x > 0, 1.0, alpha * np.exp(_nonpositive(x)))


@elementwise
def selu(x):
    neg = _SELU_SCALE_ALPHA * np.expm1(_nonpositive(x))
    return select(x > 0, SELU_SCALE * x, neg)


@elementwise
def selu_prime(x):
    return select(x > 0, SELU_SCALE, _SELU_SCALE_ALPHA * np.exp(_nonpositive(x)))


def _div_exact(x, alpha):
    """(q, r) with q = fl(x / alpha) and q + r = x / alpha to double-double accuracy."""
    q = x / alpha
    p, e = two_prod(q, np.full_like(q, alpha))
    r = ((x - p) - e) / alpha
    # Dropped where it is no correction: inf - inf, or |q| beyond 2^53 (two_prod's split
    # loses bits there), where exp(q) is 0 and a large r of either sign gave 0 * (1 + r) = -0.0.
    return q, select(np.abs(r) < 1.0, r, 0.0)


@elementwise
def celu(x, alpha=1.0):
    """x for x >= 0, alpha * expm1(x / alpha) below."""
    q = _nonpositive(x) / alpha
    # Where |x / alpha| < 1e-20, alpha * expm1(x / alpha) = x to double precision; x / alpha
    # itself may be subnormal there, and its rounding would be scaled up by alpha.
    return select((x >= 0) | (np.abs(q) < 1e-20), x, alpha * np.expm1(q))


@elementwise
def celu_prime(x, alpha=1.0):
    """exp(x / alpha) below 0, with the rounding of x / alpha undone (it is amplified by |x/alpha|)."""
    q, r = _div_exact(np.minimum(x, 0.0), alpha)
    return select(x > 0, 1.0, np.exp(q) * (1.0 + r))


# hard_* and piecewise polynomials ---------------------------------------------------------------


@elementwise
def hard_sigmoid(x):
    """clip((x + 3) / 6, 0, 1); (x + 3) / 6 rather than x / 6 + 0.5, which cancels near x = -3."""
    return np.clip((x + 3.0) / 6.0, 0.0, 1.0)


@elementwise
def hard_sigmoid_prime(x):
    return _indicator((x > -3) & (x < 3), 1.0 / 6.0)


def _hard_silu_narrow(x):
    """float32 (and float16) in: x / 2 + x^2 / 6 rounded the right way at subnormal x."""
    return above_half(x, hard_silu.kernel(x))


@elementwise(narrow=_hard_silu_narrow)
def hard_silu(x):
    """x (x + 3) / 6 between -3 and 3, without a branch: xc = max(x, -3) times the factor
    max(-3 - xc, -6) / -6, which is exactly 1 at and above 3 and -0.0 at and below -3 (so the
    product there is +0.0, while -0.0 and tiny negative x keep their sign)."""
    xc = np.maximum(x, -3.0)  # NaN stays NaN; -inf becomes -3 (-inf * 0 would be NaN)
    f = np.subtract(-3.0, xc)  # -(x + 3), exactly the negated sum; +0.0 at xc = -3
    np.maximum(f, -6.0, out=f)
    f /= -6.0
    f *= xc
    return f


@elementwise
def hard_silu_prime(x):
    mid = (2.0 * x + 3.0) / 6.0
    return select(x <= -3, 0.0, select(x >= 3, 1.0, mid))


def _hard_tanh_native(x, out):
    if x.dtype not in NATIVE_DTYPES:
        return False
    np.clip(x, -1.0, 1.0, out=out)
    fix_nan(x, out)
    return True


@elementwise(native=_hard_tanh_native)
def hard_tanh(x):
    return np.clip(x, -1.0, 1.0)


@elementwise
def hard_tanh_prime(x):
    return _indicator((x > -1) & (x < 1))


@elementwise
def hard_shrink(x, threshold=0.5):
    if not math.isfinite(threshold):
        return select(np.abs(x) > threshold, x, 0.0)
    # x * [|x| > t] + 0.0: x, or a zero made +0.0 by the addition; no branch per lane.
    y = np.multiply(x, np.abs(x) > threshold)
    y += 0.0
    return y


@elementwise
def hard_shrink_prime(x, threshold=0.5):
    return _indicator(np.abs(x) > threshold)


@elementwise
def soft_shrink(x, threshold=0.5):
    if not math.isfinite(threshold):
        return select(x > threshold, x - threshold, select(x < -threshold, x + threshold, 0.0))
    # The same subtractions without a branch: x - t above t, x - (-t) = x + t below -t, and
    # x - x = +0.0 between.
    return x - np.clip(x, -threshold, threshold)


@elementwise
def soft_shrink_prime(x, threshold=0.5):
    return _indicator(np.abs(x) > threshold)


@elementwise
def sparse_plus(x):
    """(x + 1)^2 / 4 on (-1, 1); x + 1 is exact near -1, so no cancellation."""
    t = x + 1.0
    mid = t * t / 4.0
    return select(x <= -1, 0.0, select(x >= 1, x, mid))


@elementwise
def sparse_plus_prime(x):
    return select(x <= -1, 0.0, select(x >= 1, 1.0, (x + 1.0) / 2.0))


@elementwise
def sparse_sigmoid(x):
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0)


@elementwise
def sparse_sigmoid_prime(x):
    return _indicator((x > -1) & (x < 1), 0.5)


def _linear_kernel(x):
    return x.copy()


def linear(x, out=None):
    """The identity: a copy in x's float dtype with every bit kept, a signalling NaN's too. A new
    array is one memory copy (into fresh pages, two threads were no faster); into ``out=``,
    large arrays are copied by every thread in blocks of 1M (1.7x on 2 cores)."""
    arr, dtype = as_float(x)
    if out is None:
        return _result(arr.astype(dtype, copy=True))
    dest = check_out(out, arr.shape, dtype)
    if not dest.flags.c_contiguous or arr.dtype != dtype or arr.size < PARALLEL_MIN:
        np.copyto(dest, arr)
        return dest
    src, flat, step = arr.reshape(-1), dest.reshape(-1), 1 << 20

    def work(indices):
        for i in indices:
            np.copyto(flat[i * step : (i + 1) * step], src[i * step : (i + 1) * step])

    run_chunks(-(-src.size // step), src.size, work)
    return dest


linear.kernel = _linear_kernel
linear.takes_out = True
linear.keeps_bits = True
linear.native = None


@elementwise
def linear_prime(x):
    return np.ones_like(x)


_INF = math.inf

SPECS = (
    Spec(
        name="relu",
        fn=relu,
        prime=relu_prime,
        params=(
            Param("negative_slope", 0.0, help="slope below the threshold", old_names=("alpha",)),
            Param(
                "max_value",
                None,
                "optional_float",
                "max_value >= 0",
                "saturation level (None: none)",
            ),
            Param("threshold", 0.0, help="values at or below it are not passed through"),
        ),
        formula="min(x, max_value) for x > threshold, else negative_slope * (x - threshold)",
        prime_formula="1 for threshold < x < max_value, 0 for x >= max_value, negative_slope for x <= threshold",
        description=(
            "Rectified linear unit with Keras's three optional parameters. With the defaults it is "
            "max(x, 0). tf.keras called negative_slope 'alpha'; both names are accepted. Below the "
            "threshold with slope 0 the result is a zero carrying the sign of x when threshold != 0 "
            "(Keras computes x * (x > threshold)); at -inf it is -0.0 where Keras returns NaN. With a "
            "negative threshold and max_value, values in (threshold, 0) pass through as the documented "
            "formula says (Keras's code clips them to 0)."
        ),
        reference="Nair & Hinton, Rectified Linear Units Improve Restricted Boltzmann Machines (ICML 2010)",
        kink_rule="relu'(threshold) = negative_slope; relu'(max_value) = 0",
        kinks=_relu_kinks,
        monotone=True,
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="leaky_relu",
        fn=leaky_relu,
        prime=leaky_relu_prime,
        params=(Param("negative_slope", 0.2, help="slope for x < 0"),),
        formula="x for x >= 0, negative_slope * x for x < 0",
        prime_formula="1 for x > 0, negative_slope for x <= 0",
        description=(
            "ReLU with a small slope for negative inputs. The default slope differs between "
            "frameworks: 0.2 here (the Keras function), 0.3 for the Keras LeakyReLU layer, 0.01 in "
            "PyTorch and JAX. Computed by branching on the sign, so slopes above 1 are right too "
            "(max(x, a*x) is not)."
        ),
        reference="Maas et al., Rectifier Nonlinearities Improve Neural Network Acoustic Models (ICML 2013)",
        kink_rule="leaky_relu'(0) = negative_slope",
        kinks=lambda p: (0.0,),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="relu6",
        fn=relu6,
        prime=relu6_prime,
        formula="min(max(x, 0), 6)",
        prime_formula="1 for 0 < x < 6, else 0",
        description="ReLU capped at 6, as used in MobileNet.",
        reference="Krizhevsky, Convolutional Deep Belief Networks on CIFAR-10 (2010)",
        kink_rule="relu6'(0) = relu6'(6) = 0",
        kinks=lambda p: (0.0, 6.0),
        monotone=True,
        bounds=(0.0, 6.0),
        plot_xlim=(-3.0, 9.0),
    ),
    Spec(
        name="threshold",
        fn=threshold,
        prime=threshold_prime,
        params=(
            Param("threshold", help="values above it pass through"),
            Param("default_value", help="the value given at and below the threshold"),
        ),
        formula="x for x > threshold, else default_value",
        prime_formula="1 for x > threshold, else 0",
        description="Passes x above the threshold and replaces everything else by a constant.",
        kink_rule="threshold'(threshold) = 0",
        kinks=lambda p: (p["threshold"],),
    ),
    Spec(
        name="elu",
        fn=elu,
        prime=elu_prime,
        params=(Param("alpha", 1.0, help="scale of the negative part; elu(-inf) = -alpha"),),
        formula="x for x > 0, alpha * (exp(x) - 1) for x <= 0",
        prime_formula="1 for x > 0, alpha * exp(x) for x <= 0",
        description="Exponential linear unit: smooth, saturating to -alpha for negative inputs.",
        reference="Clevert et al., Fast and Accurate Deep Network Learning by Exponential Linear Units (ICLR 2016)",
        kink_rule="elu'(0) = alpha (the negative side)",
        kinks=lambda p: (0.0,),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="selu",
        fn=selu,
        prime=selu_prime,
        formula="scale * x for x > 0, scale * alpha * (exp(x) - 1) for x <= 0",
        prime_formula="scale for x > 0, scale * alpha * exp(x) for x <= 0",
        description=(
            "Scaled ELU with alpha = 1.6732632423543772848170429916717 and scale = "
            "1.0507009873554804934193349852946, chosen so that activations self-normalize "
            "(mean 0, variance 1) with lecun_normal initialization."
        ),
        reference="Klambauer et al., Self-Normalizing Neural Networks (NeurIPS 2017)",
        kink_rule="selu'(0) = scale * alpha = 1.7581 (the negative side; TensorFlow's op gives scale)",
        kinks=lambda p: (0.0,),
        monotone=True,
        bounds=(-SELU_SCALE * SELU_ALPHA, _INF),
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="celu",
        fn=celu,
        prime=celu_prime,
        params=(Param("alpha", 1.0, rule="alpha > 0", help="scale of the negative part"),),
        formula="x for x >= 0, alpha * (exp(x / alpha) - 1) for x < 0",
        prime_formula="1 for x >= 0, exp(x / alpha) for x < 0",
        description="Continuously differentiable ELU: the negative part is rescaled so that f'(0) = 1.",
        reference="Barron, Continuously Differentiable Exponential Linear Units (2017), arXiv:1704.07483",
        kink_rule="celu'(0) = 1 (both sides agree)",
        kinks=lambda p: (0.0,),
        monotone=True,
        plot_xlim=(-4.0, 4.0),
    ),
    Spec(
        name="hard_sigmoid",
        fn=hard_sigmoid,
        prime=hard_sigmoid_prime,
        formula="0 for x <= -3, 1 for x >= 3, (x + 3) / 6 between",
        prime_formula="1/6 for -3 < x < 3, else 0",
        description=(
            "Piecewise-linear approximation of the sigmoid (Keras 3, PyTorch and JAX). Keras 2 used "
            "0.2 * x + 0.5 instead: see hard_sigmoid_keras2."
        ),
        reference="Howard et al., Searching for MobileNetV3 (ICCV 2019)",
        kink_rule="hard_sigmoid'(-3) = hard_sigmoid'(3) = 0",
        kinks=lambda p: (-3.0, 3.0),
        monotone=True,
        bounds=(0.0, 1.0),
    ),
    Spec(
        name="hard_silu",
        fn=hard_silu,
        prime=hard_silu_prime,
        aliases=("hard_swish",),
        formula="0 for x <= -3, x for x >= 3, x * (x + 3) / 6 between",
        prime_formula="0 for x <= -3, 1 for x >= 3, (2x + 3) / 6 between",
        description="x * hard_sigmoid(x): a piecewise-quadratic SiLU, as in MobileNetV3.",
        reference="Howard et al., Searching for MobileNetV3 (ICCV 2019)",
        kink_rule="hard_silu'(-3) = 0, hard_silu'(3) = 1 (as PyTorch 2.13 and 2.14, and JAX)",
        kinks=lambda p: (-3.0, 3.0),
        bounds=(-0.375, _INF),
    ),
    Spec(
        name="hard_tanh",
        fn=hard_tanh,
        prime=hard_tanh_prime,
        formula="-1 for x < -1, x for -1 <= x <= 1, 1 for x > 1",
        prime_formula="1 for -1 < x < 1, else 0",
        description="Piecewise-linear tanh: the identity clipped to [-1, 1].",
        kink_rule="hard_tanh'(-1) = hard_tanh'(1) = 0",
        kinks=lambda p: (-1.0, 1.0),
        monotone=True,
        bounds=(-1.0, 1.0),
        plot_xlim=(-3.0, 3.0),
    ),
    Spec(
        name="hard_shrink",
        fn=hard_shrink,
        prime=hard_shrink_prime,
        params=(
            Param("threshold", 0.5, rule="threshold >= 0", help="half-width of the zero band"),
        ),
        formula="x for |x| > threshold, else 0",
        prime_formula="1 for |x| > threshold, else 0",
        description="Zeroes inputs in [-threshold, threshold] and passes the rest unchanged.",
        kink_rule="hard_shrink'(+-threshold) = 0",
        kinks=lambda p: (-p["threshold"], p["threshold"]),
        plot_xlim=(-2.0, 2.0),
    ),
    Spec(
        name="soft_shrink",
        fn=soft_shrink,
        prime=soft_shrink_prime,
        params=(Param("threshold", 0.5, rule="threshold >= 0", help="amount shrunk towards 0"),),
        formula="x - threshold for x > threshold, x + threshold for x < -threshold, else 0",
        prime_formula="1 for |x| > threshold, else 0",
        description="Soft thresholding: moves every input threshold closer to 0, stopping at 0.",
        kink_rule="soft_shrink'(+-threshold) = 0",
        kinks=lambda p: (-p["threshold"], p["threshold"]),
        monotone=True,
        plot_xlim=(-2.0, 2.0),
    ),
    Spec(
        name="sparse_plus",
        fn=sparse_plus,
        prime=sparse_plus_prime,
        formula="0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1",
        prime_formula="0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1",
        description="A piecewise-quadratic, continuously differentiable softplus.",
        reference="Blondel et al., Learning with Fenchel-Young Losses (JMLR 2020)",
        kink_rule="sparse_plus'(-1) = 0, sparse_plus'(1) = 1 (C1: both sides agree)",
        kinks=lambda p: (-1.0, 1.0),
        monotone=True,
        bounds=(0.0, _INF),
        plot_xlim=(-3.0, 3.0),
    ),
    Spec(
        name="sparse_sigmoid",
        fn=sparse_sigmoid,
        prime=sparse_sigmoid_prime,
        formula="0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1",
        prime_formula="1/2 for -1 < x < 1, else 0",
        description="Piecewise-linear sigmoid; the derivative of sparse_plus.",
        reference="Blondel et al., Learning with Fenchel-Young Losses (JMLR 2020)",
        kink_rule="sparse_sigmoid'(-1) = sparse_sigmoid'(1) = 0",
        kinks=lambda p: (-1.0, 1.0),
        monotone=True,
        bounds=(0.0, 1.0),
        plot_xlim=(-3.0, 3.0),
    ),
    Spec(
        name="linear",
        fn=linear,
        prime=linear_prime,
        formula="x",
        prime_formula="1",
        description="The identity; what get(None) returns.",
        monotone=True,
    ),
)
