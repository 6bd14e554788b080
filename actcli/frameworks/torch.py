"""PyTorch (``torch.nn.functional``, ``torch.nn``): its table, kernels and known problems.

Facts from torch/nn/functional.py and the ATen CPU kernels (aten/src/ATen/native/cpu/
Activation.cpp); checked against the release in ``FRAMEWORK.version`` by scripts/conformance.py.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from actcli.core import rectifiers
from actcli.core._array import elementwise
from actcli.core._stable import mul_exp, two_prod
from actcli.errors import UsageError
from actcli.registry import REGISTRY
from actcli.spec_types import Param, Spec

from ._variant import Framework, Variant, make

FRAMEWORK = Framework(
    name="torch",
    title="PyTorch",
    prefix="torch.nn.functional.",
    source="torch/nn/functional.py, aten/src/ATen/native/cpu/Activation.cpp",
    version="2.14.1",
)
SPELLINGS = ("torch", "pytorch")
_make = functools.partial(make, FRAMEWORK)
_RELU_DEFAULTS = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}

# What changed between the releases the flavours were checked against (scripts/conformance.py on
# both; docs/porting.md lists it): (older, newer, what).
RELEASE_CHANGES = (
    (
        "2.13.0",
        "2.14.1",
        "torch.clamp / torch.clip backward at a bound: 2.13.0 passes the gradient (1) at both "
        "bounds; 2.14.1 gives 0 there with number bounds and 0.5 (the tie split, as "
        "torch.minimum) with tensor bounds (pytorch/pytorch #184574). Keras 3 clips relu's "
        "max_value with tensor bounds, so on the torch backend relu(max_value=m)'(m) is 0.5 on "
        "2.14.1 and 1 on 2.13.0 (keras/torch follows 2.14.1), and Keras's sparsemax Jacobian "
        "changes where an entry meets the threshold. Every torch.nn.functional activation "
        "actcli has gives the same bits on both releases at every point the harness checks, "
        "values and derivatives, float32 and float64 (hardswish'(+-3) = 0 and 1, hardtanh and "
        "relu6 0 at their bounds, on both).",
    ),
)

# PyTorch's own forms that are no registry name (``actcli eval rrelu``, ``nn.Softmax2d``).
FORMS = ("rrelu", "softmin", "nn.Softmax2d", "prelu")

# PyTorch functions actcli does not evaluate, and why.
UNSUPPORTED = {
    "gumbel_softmax": (
        "it is random: each call adds fresh Gumbel noise to the logits before softmax((x + g) / "
        "tau), so it has no value to compute or compare; softmax(x / tau) is its noise-free part"
    ),
}


# Kernels ----------------------------------------------------------------------

# Inputs are clipped to +-2^995 before the exact product (two_prod needs |a| < 2^996); beyond,
# the result is x itself or 0, decided by the unclipped product as PyTorch does.
_DD_MAX = 2.0**995


def _beta_x(x, beta):
    """(t, tl): t + tl = beta * x exactly (t = fl(beta * x)) on the clipped input."""
    xc = np.clip(x, -_DD_MAX / max(beta, 1.0), _DD_MAX / max(beta, 1.0))
    t, tl = two_prod(xc, np.full_like(xc, beta))
    return t, np.where(np.isfinite(tl), tl, 0.0)


@elementwise
def _torch_softplus_kernel(x, beta, threshold):
    """log1p(exp(beta x)) / beta, or x where fl(beta x) > threshold (PyTorch's switch).

    beta x is carried as a double-double: exp amplifies its rounding by |beta x| (hundreds of ULP
    at beta x = -700). Above 0 as x + log1p(exp(-beta x)) / beta (x is exact); below -36, where
    log1p(e) = e to double precision, as exp(beta x) / beta without a subnormal intermediate.
    """
    t, tl = _beta_x(x, beta)
    e_pos = np.exp(-np.abs(t)) * (1.0 - np.sign(t) * tl)
    pos = x + np.log1p(e_pos) / beta
    neg = np.log1p(np.exp(np.minimum(t, 0.0)) * (1.0 + tl)) / beta
    deep = mul_exp(np.full_like(t, 1.0 / beta), np.minimum(t, 0.0), tl)
    soft = np.where(t > 0, pos, np.where(t < -36.0, deep, neg))
    return np.where(x * beta > threshold, x, soft)


@elementwise
def _torch_softplus_prime_kernel(x, beta, threshold):
    """1 where fl(beta x) > threshold, else sigmoid(beta x) (beta x as a double-double)."""
    t, tl = _beta_x(x, beta)
    e = np.exp(-np.abs(t)) * (1.0 - np.sign(t) * tl)
    r = 1.0 / (1.0 + e)
    neg = mul_exp(r, np.maximum(np.minimum(t, 0.0), -1e4), tl)
    soft = np.where(t >= 0, r, neg)
    return np.where(x * beta > threshold, 1.0, soft)


def torch_softplus(x, beta=1.0, threshold=20.0):
    """PyTorch ``softplus(input, beta=1, threshold=20)``."""
    return _torch_softplus_kernel(x, beta=beta, threshold=threshold)


def torch_softplus_prime(x, beta=1.0, threshold=20.0):
    return _torch_softplus_prime_kernel(x, beta=beta, threshold=threshold)


@elementwise
def _clip_kernel(x, min_val, max_val):
    return np.clip(x, min_val, max_val)


@elementwise
def _clip_prime_kernel(x, min_val, max_val):
    """PyTorch hardtanh backward: 0 at and beyond the bounds (x <= min_val or x >= max_val)."""
    return np.where((x > min_val) & (x < max_val), 1.0, 0.0)


def _check_hardtanh(min_val, max_val):
    # nn.Hardtanh asserts max_val > min_val; F.hardtanh would silently return max_val everywhere.
    if not max_val > min_val:
        raise UsageError(
            f"torch.hardtanh: max_val > min_val is required, got min_val={min_val!r}, "
            f"max_val={max_val!r}"
        )


def torch_hardtanh(x, min_val=-1.0, max_val=1.0):
    """PyTorch ``hardtanh(input, min_val=-1., max_val=1.)``: clip(x, min_val, max_val)."""
    _check_hardtanh(min_val, max_val)
    return _clip_kernel(x, min_val=min_val, max_val=max_val)


def torch_hardtanh_prime(x, min_val=-1.0, max_val=1.0):
    _check_hardtanh(min_val, max_val)
    return _clip_prime_kernel(x, min_val=min_val, max_val=max_val)


def _channels_last(impl):
    """impl (per-channel parameters along the last axis) called as PyTorch's prelu, whose
    channels are dim 1 of input (dim 0 of a 1-D input)."""

    def call(x, weight):
        arr = np.asarray(x)
        axis = 1 if arr.ndim >= 2 else 0
        if np.ndim(weight) and np.size(weight) not in (1, arr.shape[axis] if arr.ndim else 1):
            raise UsageError(
                f"torch.prelu: weight has {np.size(weight)} entries, the input "
                f"{arr.shape[axis] if arr.ndim else 1} channels (dim {axis}): give 1 or one each"
            )
        if arr.ndim < 2:
            return impl(arr, alpha=weight)
        out = impl(np.moveaxis(arr, 1, -1), alpha=weight)
        return np.moveaxis(np.asarray(out), -1, 1)

    return call


def _softmax2d(impl):
    """nn.Softmax2d: softmax over the channels (dim -3) of a 3-D or 4-D input."""

    def call(x, *args):
        if np.ndim(x) not in (3, 4):
            raise UsageError(
                f"torch.nn.Softmax2d needs 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                f"got {np.ndim(x)}-D"
            )
        return impl(x, *args, axis=-3)

    return call


def _rrelu_slope(lower, upper, training):
    if training:
        raise UsageError(
            "torch.rrelu: training=True draws a random slope per element; actcli evaluates the "
            "eval mode (training=False), where the slope is (lower + upper) / 2"
        )
    if not lower <= upper:
        raise UsageError(
            f"torch.rrelu: lower <= upper is required, got lower={lower!r}, upper={upper!r}"
        )
    return (lower + upper) / 2.0


def torch_rrelu(x, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False):
    """PyTorch ``rrelu`` in eval mode: leaky_relu with slope (lower + upper) / 2 (11/48)."""
    return rectifiers.leaky_relu(x, negative_slope=_rrelu_slope(lower, upper, training))


def torch_rrelu_prime(x, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False):
    return rectifiers.leaky_relu_prime(x, negative_slope=_rrelu_slope(lower, upper, training))


def _torch_dim(x, dim):
    """PyTorch's deprecated implicit dim (dim=None): 0 for 0-, 1- and 3-D input, else 1."""
    if dim is not None:
        return dim
    ndim = np.ndim(x)
    return 0 if ndim in (0, 1, 3) else 1


def _axis_variant(spec: Spec, *, negate: bool = False, implicit: bool = False):
    """fn, prime, jacobian, jvp of an axis-wise spec called with PyTorch's ``dim`` (and for
    softmin, on -x: the Jacobian and JVP change sign by the chain rule)."""
    sign = -1.0 if negate else 1.0

    def axis_of(x, dim):
        return _torch_dim(x, dim) if implicit else dim

    def arg(x):
        return np.negative(x) if negate else x

    def fn(x, dim=None):
        return spec.fn(arg(np.asarray(x)), axis=axis_of(x, dim))

    def prime(x, dim=None):
        return sign * spec.prime(arg(np.asarray(x)), axis=axis_of(x, dim))

    def jacobian(x, dim=None):
        return sign * spec.jacobian(arg(np.asarray(x)), axis=axis_of(x, dim))

    def jvp(x, v, dim=None):
        return sign * spec.jvp(arg(np.asarray(x)), v, axis=axis_of(x, dim))

    return fn, prime, jacobian, jvp


# The table ---------------------------------------------------------------------------------------


def variants() -> list[Variant]:
    softmax = REGISTRY.specs["softmax"]
    log_softmax = REGISTRY.specs["log_softmax"]
    dim_param = (
        Param(
            "dim",
            None,
            "optional_int",
            help="the axis (None: PyTorch's deprecated implicit choice)",
            old_names=("axis",),
        ),
    )
    dim_note = (
        "dim=None (the default) is PyTorch's deprecated implicit choice: dim 0 for 0-, 1- "
        "and 3-D input, else 1 (Keras: axis=-1). Give dim explicitly."
    )
    sm = _axis_variant(softmax, implicit=True)
    lsm = _axis_variant(log_softmax, implicit=True)
    smin = _axis_variant(softmax, negate=True, implicit=True)

    def approximate_text(approximate):  # 'none' / 'tanh' (or an already coerced bool)
        return approximate is True or approximate == "tanh"

    def gelu(x, approximate="none"):
        return REGISTRY.specs["gelu"].fn(x, approximate=approximate_text(approximate))

    def gelu_prime(x, approximate="none"):
        return REGISTRY.specs["gelu"].prime(x, approximate=approximate_text(approximate))

    softplus_params = (
        Param("beta", 1.0, rule="beta > 0", help="sharpness: log1p(exp(beta * x)) / beta"),
        Param("threshold", 20.0, help="above beta * x = threshold the result is x itself"),
    )
    return [
        _make(
            "relu",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (threshold_backward passes the gradient only where x > 0)",
            differences="No parameters (use threshold, hardtanh or relu6 instead).",
        ),
        _make("relu6", differences="= hardtanh(input, 0, 6)."),
        _make(
            "leaky_relu",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            differences="negative_slope defaults to 0.01 (Keras 3 function: 0.2).",
            bugs=(
                "The CPU kernel computes x * slope below 0, so negative_slope=0 gives NaN at "
                "x = -inf (aten/src/ATen/native/cpu/Activation.cpp)."
            ),
        ),
        _make(
            "leaky_relu",
            "rrelu",
            params=(
                Param("lower", 1.0 / 8.0, help="lower bound of the random slope"),
                Param("upper", 1.0 / 3.0, help="upper bound of the random slope"),
                Param(
                    "training", False, "bool", help="random slopes (not supported: eval mode only)"
                ),
            ),
            fn=torch_rrelu,
            prime=torch_rrelu_prime,
            shown="lower=1/8, upper=1/3, training=False",
            kinks=lambda p: (0.0,),
            formula="x for x >= 0, (lower + upper) / 2 * x below (eval mode)",
            formula_note="slope (lower + upper) / 2 = 11/48 in eval mode",
            kink_rule="rrelu'(0) = (lower + upper) / 2 (leaky_relu backward)",
            differences=(
                "Randomized leaky ReLU; in eval mode (training=False) it is leaky_relu with "
                "slope (lower + upper) / 2 = 11/48 ~ 0.2292 (docs: torch.nn.RReLU)."
            ),
        ),
        _make("elu", bugs="Backward was wrong for negative alpha (pytorch/pytorch #47671)."),
        _make("selu"),
        _make("celu"),
        _make(
            "gelu",
            params=(Param("approximate", "none", "bool", help="'none' (exact) or 'tanh'"),),
            fn=gelu,
            prime=gelu_prime,
            differences="approximate is a string: 'none' (exact, the default) or 'tanh'.",
        ),
        _make("silu", bugs="The CPU kernel's x / (1 + exp(-x)) is NaN at x = -inf."),
        _make("mish", bugs="x * tanh(log1p(exp(x))) is NaN at x = -inf."),
        _make(
            "softplus",
            params=softplus_params,
            fn=torch_softplus,
            prime=torch_softplus_prime,
            kinks=lambda p: (p["threshold"] / p["beta"],),
            monotone=False,
            formula="log(1 + exp(beta * x)) / beta, or x where beta * x > threshold",
            formula_note="switches to x where beta * x > threshold",
            kink_rule="softplus' = 1 where beta * x > threshold, else sigmoid(beta * x)",
            differences=(
                "Extra parameters beta=1 and threshold=20; above beta * x = threshold it "
                "returns x, a jump of log1p(exp(-threshold)) / beta (2.1e-9 at x = 20 "
                "with the defaults; pytorch/pytorch #31110)."
            ),
            bugs=(
                "The switch is a small discontinuity (pytorch/pytorch #31110); with threshold "
                "> 709 / beta, exp(beta * x) overflows to inf before the switch."
            ),
        ),
        _make("softsign"),
        _make(
            "sigmoid",
            signature="torch.sigmoid(input)",
            differences="torch.sigmoid (F.sigmoid is deprecated).",
        ),
        _make("hard_sigmoid", "hardsigmoid", differences="Spelled hardsigmoid; same as Keras 3."),
        _make(
            "hard_silu",
            "hardswish",
            kink_rule="hardswish'(-3) = 0, hardswish'(3) = 1 (as JAX and actcli)",
            differences=(
                "Spelled hardswish. Its backward gives 0 at x = -3 and 1 at x = 3 (checked on "
                "2.13.0 and 2.14.1; pytorch/pytorch #147801 reported -0.5 and 1.5 from earlier "
                "releases)."
            ),
        ),
        _make(
            "hard_tanh",
            "hardtanh",
            params=(
                Param("min_val", -1.0, help="lower bound"),
                Param("max_val", 1.0, help="upper bound"),
            ),
            fn=torch_hardtanh,
            prime=torch_hardtanh_prime,
            kinks=lambda p: (p["min_val"], p["max_val"]),
            monotone=True,
            bounds=(-math.inf, math.inf),
            formula="clip(x, min_val, max_val)",
            kink_rule="hardtanh'(min_val) = hardtanh'(max_val) = 0 (JAX hard_tanh: 1 at +-1)",
            differences="Bounds are parameters min_val=-1, max_val=1.",
        ),
        _make("tanh", signature="torch.tanh(input)"),
        _make(
            "tanh_shrink",
            "tanhshrink",
            bugs="input - input.tanh() cancels for small x (0.0 at x = 1e-8; true 3.33e-25).",
        ),
        _make(
            "soft_shrink",
            "softshrink",
            rename={"lambd": "threshold"},
            differences="The half-width is called lambd (Keras 3: threshold); must be >= 0.",
        ),
        _make(
            "hard_shrink",
            "hardshrink",
            rename={"lambd": "threshold"},
            differences="The half-width is called lambd (Keras 3: threshold).",
        ),
        _make(
            "threshold",
            rename={"value": "default_value"},
            differences="The replacement is called value (Keras 3: default_value); both required.",
        ),
        _make("exponential", "exp", signature="torch.exp(input)"),
        _make(
            "linear",
            "nn.Identity",
            signature="torch.nn.Identity()",
            differences="torch.nn.functional.linear is an affine layer, not the identity.",
        ),
        _make("log_sigmoid", "logsigmoid"),
        _make(
            "softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=sm[0],
            prime=sm[1],
            jacobian=sm[2],
            jvp=sm[3],
            shown="dim=None, dtype=None",
            differences=dim_note,
            bugs="A row containing +inf gives NaN (pytorch/pytorch #6864).",
        ),
        _make(
            "log_softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=lsm[0],
            prime=lsm[1],
            jacobian=lsm[2],
            jvp=lsm[3],
            shown="dim=None, dtype=None",
            differences=dim_note,
        ),
        _make(
            "softmax",
            "softmin",
            params=dim_param,
            rename={"dim": "axis"},
            fn=smin[0],
            prime=smin[1],
            jacobian=smin[2],
            jvp=smin[3],
            shown="dim=None, dtype=None",
            formula="softmax(-x) along dim",
            formula_note="softmax of -x",
            differences="softmin(x) = softmax(-x); only in PyTorch. " + dim_note,
        ),
        _make(
            "glu",
            rename={"dim": "axis"},
            differences="The axis is called dim; odd length raises RuntimeError.",
        ),
        _make(
            "layers.ReLU",
            "nn.ReLU",
            params=(),
            fixed=_RELU_DEFAULTS,
            kink_rule="relu'(0) = 0 (threshold_backward passes the gradient only where x > 0)",
            signature="torch.nn.ReLU()",
            differences="No parameters.",
        ),
        _make(
            "layers.LeakyReLU",
            "nn.LeakyReLU",
            defaults={"negative_slope": 0.01},
            rules={"negative_slope": ""},
            signature="torch.nn.LeakyReLU(negative_slope=0.01)",
            differences="negative_slope defaults to 0.01 (Keras layer: 0.3).",
        ),
        _make(
            "layers.PReLU",
            "nn.PReLU",
            rename={"init": "alpha"},
            defaults={"init": 0.25},
            signature="torch.nn.PReLU(num_parameters=1, init=0.25)",
            differences="The slope starts at 0.25 (Keras: zeros, so an untrained PReLU is relu).",
        ),
        _make(
            "layers.PReLU",
            "prelu",
            params=(
                Param(
                    "weight",
                    help="the slope for x < 0: one, or one per channel (dim 1 of input)",
                    type="float_array",
                ),
            ),
            fn=_channels_last(REGISTRY.specs["layers.PReLU"].fn),
            prime=_channels_last(REGISTRY.specs["layers.PReLU"].prime),
            kinks=lambda p: (0.0,),
            formula="x for x >= 0, weight * x for x < 0 (weight per channel, dim 1)",
            kink_rule="prelu'(0) = weight",
            differences=(
                "The functional form: weight is required, one per channel along dim 1 "
                "(Keras's PReLU: along the last axis)."
            ),
        ),
        _make(
            "softmax",
            "nn.Softmax2d",
            params=(),
            fn=_softmax2d(softmax.fn),
            prime=_softmax2d(softmax.prime),
            jacobian=_softmax2d(softmax.jacobian),
            jvp=_softmax2d(softmax.jvp),
            signature="torch.nn.Softmax2d()",
            formula="softmax over the channels (dim -3) at each spatial location",
            formula_note="softmax along dim -3",
            differences="Softmax over dim -3 of a 3-D or 4-D input (nn.Softmax(dim=-3)).",
        ),
        _make("layers.ELU", "nn.ELU", signature="torch.nn.ELU(alpha=1.0)"),
        _make(
            "layers.Softmax",
            "nn.Softmax",
            params=dim_param,
            rename={"dim": "axis"},
            fn=sm[0],
            prime=sm[1],
            jacobian=sm[2],
            jvp=sm[3],
            signature="torch.nn.Softmax(dim=None)",
            differences=dim_note,
        ),
    ]


# Why PyTorch lacks a function, and what to use instead: form -> hint.
HINTS = {
    "log1mexp": "use torch.log(-torch.expm1(-x))",
    "layers.ThresholdedReLU": "use threshold(input, theta, 0)",
    "hard_sigmoid_keras2": "torch's hardsigmoid is Keras 3's hard_sigmoid",
}

# PyTorch spellings that are not registry names: (alias, form). Module names carry the "nn."
# prefix: the registry is case-insensitive, so "Softplus" would be Keras's softplus.
ALIASES = (
    ("hardswish", "hard_silu"),
    ("hardsigmoid", "hard_sigmoid"),
    ("hardtanh", "hard_tanh"),
    ("logsigmoid", "log_sigmoid"),
    ("tanhshrink", "tanh_shrink"),
    ("softshrink", "soft_shrink"),
    ("hardshrink", "hard_shrink"),
    ("rrelu", "rrelu"),
    ("softmin", "softmin"),
    ("nn.Softplus", "softplus"),
    ("nn.Threshold", "threshold"),
    ("nn.Hardswish", "hard_silu"),
    ("nn.Hardsigmoid", "hard_sigmoid"),
    ("nn.Hardtanh", "hard_tanh"),
    ("nn.LogSigmoid", "log_sigmoid"),
    ("nn.Tanhshrink", "tanh_shrink"),
    ("nn.Softshrink", "soft_shrink"),
    ("nn.Hardshrink", "hard_shrink"),
    ("nn.RReLU", "rrelu"),
    ("nn.Softmin", "softmin"),
    ("nn.Softmax2d", "nn.Softmax2d"),
    ("nn.Softmax", "layers.Softmax"),
    ("nn.LogSoftmax", "log_softmax"),
    ("nn.GELU", "gelu"),
    ("nn.ELU", "layers.ELU"),
    ("nn.CELU", "celu"),
    ("nn.SELU", "selu"),
    ("nn.SiLU", "silu"),
    ("nn.Mish", "mish"),
    ("nn.ReLU", "layers.ReLU"),
    ("nn.ReLU6", "relu6"),
    ("nn.LeakyReLU", "layers.LeakyReLU"),
    ("nn.PReLU", "layers.PReLU"),
    ("nn.GLU", "glu"),
    ("nn.Sigmoid", "sigmoid"),
    ("nn.Tanh", "tanh"),
    ("nn.Softsign", "softsign"),
    ("nn.Identity", "linear"),
)

# torch.nn.modules.activation classes that are no activation function: left out.
NOT_ACTIVATIONS = ("nn.MultiheadAttention",)
